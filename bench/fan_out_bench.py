"""Fan-out's price: the consumer with fan-out on against off, measured side by side in one run.

Two figures, each alternating off and on so both see the same machine:
- our code's CPU per message against the stub AWS of bench/cpu.py (botocore serialises,
  signs and parses PutEvents too; no emulator): what publishing adds to the consumer's
  billed duration, converted to dollars per million at the consumer's memory;
- a batch's wall time through in-process moto (mock_aws, a bus): the lag fan-out adds before
  the consumer returns (its PutEvents calls), moto's EventBridge standing in for AWS's.
  EventBridge's own delivery to targets happens after PutEvents returns, asynchronously,
  and is not measured here (moto's rule matching and SQS delivery are not AWS's).
Cost per million events adds EventBridge's price for the events published (bench/cost.py).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

import boto3
from cost import PRICES_USD, gb_seconds
from moto import mock_aws

from consumer_bench import source_records
from cpu import StubAws, cpu_us_per_message, json_answer, stubbed_session
from harness import ROOT, ByteCounter, Context, load

SOURCES = json.dumps({"shop": {"event_key": "/id", "detail_type": "/seq"}})
BUS_ARN = "arn:aws:events:us-east-1:123456789012:event-bus/bench"
ENVIRONMENT = {"TABLE_NAME": "events", "WRITE_MODE": "last-write-wins", "SOURCES": SOURCES, "DEAD_LETTER_QUEUE_URL": ""}
FAN_OUT = {"FAN_OUT_BUS": BUS_ARN, "FAN_OUT_SOURCE_PREFIX": "webhook."}
CONSUMER_MEMORY_MB = 256  # the consumer's default
MILLION = 1_000_000


def put_events_answer(request_body: bytes) -> tuple[bytes, dict]:
    entries = json.loads(request_body)["Entries"]
    return json_answer({"FailedEntryCount": 0, "Entries": [{"EventId": f"e-{i}"} for i in range(len(entries))]})


def environment(fan_out: bool) -> None:
    """The consumer reads its settings at each batch: set before each call."""
    os.environ.update(ENVIRONMENT)
    for key, value in FAN_OUT.items():
        if fan_out:
            os.environ[key] = value
        else:
            os.environ.pop(key, None)


def consumer(name: str, fan_out: bool):
    """A warm consumer module, loaded as its zip runs it, with or without fan-out."""
    environment(fan_out)
    module = load(ROOT / "functions" / "consumer" / "app.py", name)
    module.fan_out_enabled = fan_out
    return module


def handler(module, label: str):
    def handle(records: list[dict]) -> None:
        environment(module.fan_out_enabled)
        if module.handler({"Records": records}, Context()).get("batchItemFailures"):
            raise AssertionError(f"{label}: records failed")

    return handle


def cpu_figures(batch_size: int, messages: int, runs: int) -> dict:
    stub = StubAws()
    stub.answers["eventbridge.PutEvents"] = put_events_answer
    stubbed_session(stub)
    records = source_records(batch_size, 0, signed=False)
    figures: dict[str, list[float]] = {"off": [], "on": []}
    modules = {state: consumer(f"fan_out_cpu_{state}_{batch_size}", state == "on") for state in figures}
    for _ in range(runs):  # alternated
        for state, module in modules.items():
            figures[state].append(cpu_us_per_message(handler(module, state), records, messages, 1)["median"])
    boto3.setup_default_session(region_name="us-east-1")
    calls = stub.calls["eventbridge.PutEvents"]
    return {state: statistics.median(values) for state, values in figures.items()} | {"put_events_calls": calls}


def moto_batch_ms(batch_size: int, batches: int, runs: int) -> dict:
    """Median wall milliseconds per batch through in-process moto, off and on alternated."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        dynamodb.create_table(
            TableName="events",
            KeySchema=[{"AttributeName": "eventId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "eventId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        boto3.client("events").create_event_bus(Name="bench")
        modules = {state: consumer(f"fan_out_moto_{state}_{batch_size}", state == "on") for state in ("off", "on")}
        figures: dict[str, list[float]] = {"off": [], "on": []}
        logged, stdout = ByteCounter(), sys.stdout
        sys.stdout = logged
        try:
            for run in range(runs):
                for state, module in modules.items():
                    records = source_records(batch_size, run * 2 + (state == "on"), signed=False)
                    handle = handler(module, state)
                    started = time.perf_counter()
                    for _ in range(batches):
                        handle(records)
                    figures[state].append((time.perf_counter() - started) * 1000 / batches)
        finally:
            sys.stdout = stdout
    return {state: statistics.median(values) for state, values in figures.items()}


def bench_fan_out(quick: bool = False, batch_sizes: tuple[int, ...] = (10, 100)) -> dict:
    runs = 2 if quick else 5
    rows = []
    for batch_size in batch_sizes:
        cpu = cpu_figures(batch_size, 200 if quick else 2000, runs)
        lag = moto_batch_ms(batch_size, 2 if quick else 10, runs)
        added_us = cpu["on"] - cpu["off"]
        added_dollars = gb_seconds(added_us / 1000 * MILLION, CONSUMER_MEMORY_MB) * PRICES_USD["lambda_gb_second_arm"]
        rows.append(
            {
                "batch_size": batch_size,
                "cpu_us_off": cpu["off"],
                "cpu_us_on": cpu["on"],
                "put_events_calls": cpu["put_events_calls"],
                "batch_ms_off": lag["off"],
                "batch_ms_on": lag["on"],
                "lambda_usd_per_million": added_dollars,
                "eventbridge_usd_per_million": PRICES_USD["eventbridge_events_per_million"],
            }
        )
    for key in (*ENVIRONMENT, *FAN_OUT):
        os.environ.pop(key, None)
    return {"rows": rows, "runs": runs, "memory_mb": CONSUMER_MEMORY_MB}


def markdown(result: dict) -> list[str]:
    lines = [
        "",
        "### Fan-out: on against off, side by side",
        "",
        f"CPU per message against the stub AWS (bench/cpu.py), and wall time per batch through in-process moto "
        f"(its PutEvents to a bus; delivery to targets is EventBridge's, after), median of {result['runs']} alternated runs. "
        "Dollars per million events: "
        f"the consumer's added duration at {result['memory_mb']} MB arm64, and EventBridge's events.",
        "",
        "| batch | CPU µs/msg off | on | on/off | batch ms off (moto) | on | added ms | added $/M (Lambda) | $/M (EventBridge) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        ratio = row["cpu_us_on"] / row["cpu_us_off"]
        lines.append(
            f"| {row['batch_size']} | {row['cpu_us_off']:.0f} | {row['cpu_us_on']:.0f} | {ratio:.2f} | "
            f"{row['batch_ms_off']:.1f} | {row['batch_ms_on']:.1f} | {row['batch_ms_on'] - row['batch_ms_off']:.1f} | "
            f"{row['lambda_usd_per_million']:.4f} | {row['eventbridge_usd_per_million']:.2f} |"
        )
    return lines


if __name__ == "__main__":
    from harness import fake_env

    fake_env()
    print("\n".join(markdown(bench_fan_out(quick="--quick" in sys.argv))))
