"""What our code itself costs: CPU time per message against a stub AWS and a bare floor.

In-process moto dominates every throughput figure in bench/consumer_bench.py, so a
regression in our own code would be invisible there. Here AWS answers at the HTTP
layer: a `before-send` handler on boto3's default session returns a canned
`AWSResponse`, so botocore still serialises, signs and parses every call, but no
emulator runs and nothing leaves the process. The figure is `time.process_time`
per message (many batches per run, median of several runs), for the consumer's
legacy path (no SOURCES), a source without a signature and one with GitHub's
signature, against a floor that does the least any consumer must: parse each
body (numbers as Decimal), convert it with boto3's TypeSerializer and write one
BatchWriteItem per 25 items through the same stubbed client.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import io
import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal

import boto3
from botocore.awsrequest import AWSResponse

from consumer_bench import source_records, sqs_records
from harness import ROOT, ByteCounter, Context, load

# Issue 21's goals: the consumer within 1.2x the floor; the sources path within 1.1x the legacy path.
GOAL_CONSUMER_OVER_FLOOR = 1.2
GOAL_SOURCES_OVER_LEGACY = 1.1
GITHUB_SECRET = "bench-github-secret"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-github-AbCdEf"
DYNAMODB_BATCH = 25  # BatchWriteItem's limit
WRITE_ENVIRONMENT = {
    "TABLE_NAME": "events",
    "WRITE_MODE": "last-write-wins",
    "ORDERING_ATTRIBUTE": "",
    "DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/events-dlq",
}
# variant -> SOURCES (None: the legacy single-queue path, no SOURCES at all)
VARIANTS: dict[str, dict | None] = {
    "legacy (no SOURCES)": None,
    "source, unsigned": {"shop": {"event_key": "/id"}},
    "source, github signature": {"shop": {"event_key": "/id", "signature": {"scheme": "github", "secret_arn": SECRET_ARN}}},
}


class CannedBody:
    """The raw stream botocore reads a response body from: whole (parsed responses) or in reads (S3's Body)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._reader = io.BytesIO(data)

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self.data

    def read(self, amt: int | None = None) -> bytes:
        return self._reader.read(amt)


class StubAws:
    """Answers the calls the consumer and the floor make with canned responses; any other call fails loudly."""

    def __init__(self, secret: str = GITHUB_SECRET, object_body: bytes = b"{}") -> None:
        self.secret = secret
        self.object_body = object_body
        self.calls: Counter = Counter()
        self.answers: dict[str, Callable[[bytes], tuple[bytes, dict]]] = {
            "dynamodb.BatchWriteItem": lambda _: json_answer({"UnprocessedItems": {}}),
            "dynamodb.PutItem": lambda _: json_answer({}),
            "sqs.SendMessageBatch": sqs_batch_answer,
            "s3.PutObject": lambda _: (b"", {"ETag": '"0"'}),
            "s3.GetObject": lambda _: (self.object_body, {"Content-Length": str(len(self.object_body))}),
            "secrets-manager.GetSecretValue": lambda _: json_answer(
                {"ARN": SECRET_ARN, "Name": "s", "SecretString": self.secret}
            ),
        }

    def install(self, session: boto3.Session) -> None:
        """On a session: every client made from it afterwards is answered here (clients copy the session's handlers)."""
        session.events.register("before-send", self.answer)

    def answer(self, request, event_name: str, **_: object) -> AWSResponse:
        operation = event_name.removeprefix("before-send.")
        if operation not in self.answers:
            raise NotImplementedError(f"the stub has no answer for {operation}")  # never falls through to the network
        self.calls[operation] += 1
        body, headers = self.answers[operation](request.body or b"")
        return AWSResponse(request.url, 200, {"x-amzn-requestid": "stub", **headers}, CannedBody(body))


def json_answer(payload: dict) -> tuple[bytes, dict]:
    return json.dumps(payload).encode(), {"Content-Type": "application/x-amz-json-1.0"}


def sqs_batch_answer(request_body: bytes) -> tuple[bytes, dict]:
    """Every entry accepted, with the MD5 of its body as SQS returns it."""
    entries = json.loads(request_body)["Entries"]
    successful = [
        {"Id": e["Id"], "MessageId": f"m-{e['Id']}", "MD5OfMessageBody": hashlib.md5(e["MessageBody"].encode()).hexdigest()}  # noqa: S324 - SQS's checksum
        for e in entries
    ]
    return json_answer({"Successful": successful, "Failed": []})


def stubbed_session(stub: StubAws) -> None:
    boto3.setup_default_session(region_name="us-east-1")
    stub.install(boto3.DEFAULT_SESSION)


def github_records(count: int) -> list[dict]:
    """One source's messages, each carrying GitHub's X-Hub-Signature-256 (HMAC-SHA256 of the body, hex)."""
    records = source_records(count, 0, signed=False)
    for record in records:
        digest = hmac.new(GITHUB_SECRET.encode(), record["body"].encode(), hashlib.sha256).hexdigest()
        record["messageAttributes"]["header.x-hub-signature-256"] = {"stringValue": "h:sha256=" + digest, "dataType": "String"}
    return records


def records_for(variant: str, count: int) -> list[dict]:
    if VARIANTS[variant] is None:
        return sqs_records(count, 0)
    if "signature" in VARIANTS[variant]["shop"]:
        return github_records(count)
    return source_records(count, 0, signed=False)


def consumer_handler(variant: str, name: str, stub: StubAws) -> Callable[[list[dict]], None]:
    """A warm consumer for one variant, loaded as its zip runs it. The bench times the success path
    only: a record retried or dead-lettered (a poison message, a forged signature) stops it."""
    os.environ.update(WRITE_ENVIRONMENT)
    sources = None if VARIANTS[variant] is None else json.dumps(VARIANTS[variant])
    module = load(ROOT / "functions" / "consumer" / "app.py", name)

    def handle(records: list[dict]) -> None:
        # The variants' runs alternate in one process: each batch finds its own SOURCES.
        if os.environ.get("SOURCES") != sources:
            os.environ.pop("SOURCES", None) if sources is None else os.environ.update(SOURCES=sources)
        dead_letters = stub.calls["sqs.SendMessageBatch"]
        failures = module.handler({"Records": records}, Context()).get("batchItemFailures")
        if failures or stub.calls["sqs.SendMessageBatch"] != dead_letters:
            raise AssertionError(f"{variant}: records failed or dead-lettered against the stub ({failures})")

    return handle


def floor_handler() -> Callable[[list[dict]], None]:
    """The least any consumer must do: parse, convert, one BatchWriteItem per 25 (no dedup, no checks, no logs)."""
    from boto3.dynamodb.types import TypeSerializer

    client, serialize = boto3.client("dynamodb"), TypeSerializer().serialize

    def handle(records: list[dict]) -> None:
        items = [
            {"PutRequest": {"Item": {k: serialize(v) for k, v in json.loads(r["body"], parse_float=Decimal).items()}}}
            for r in records
        ]
        for start in range(0, len(items), DYNAMODB_BATCH):
            client.batch_write_item(RequestItems={"events": items[start : start + DYNAMODB_BATCH]})

    return handle


def cpu_us_per_message(handle: Callable[[list[dict]], None], records: list[dict], messages: int, runs: int) -> dict:
    """CPU microseconds per message: median (and spread) of `runs` runs of about `messages` messages each."""
    batches = max(1, messages // len(records))
    logged = ByteCounter()
    stdout, sys.stdout = sys.stdout, logged  # the consumer's log lines cost their formatting, not a terminal
    try:
        handle(records)  # warm: clients made, the signing secret read once (cached for its TTL)
        per_message = []
        for _ in range(runs):
            gc.collect()  # each run starts with no garbage of another's (the collector itself stays on, as in Lambda)
            started = time.process_time()
            for _ in range(batches):
                handle(records)
            per_message.append((time.process_time() - started) * 1e6 / (batches * len(records)))
    finally:
        sys.stdout = stdout
    return {"median": statistics.median(per_message), "min": min(per_message), "max": max(per_message), "n": runs}


def bench_cpu(quick: bool = False, batch_sizes: tuple[int, ...] = (10, 100), messages: int | None = None) -> dict:
    """CPU per message for the floor and each consumer variant at each batch size, and the stub's call counts.
    The variants' runs alternate (floor, legacy, source, signed, floor, ...): a drift of the machine
    during the bench (frequency, a neighbour) falls on every variant alike, not on the last measured."""
    messages = messages or (200 if quick else 3000)
    runs = 2 if quick else 7
    stub = StubAws()
    stubbed_session(stub)
    rows = []
    for batch_size in batch_sizes:
        contenders = [("floor", floor_handler(), sqs_records(batch_size, 0))]
        for index, variant in enumerate(VARIANTS):
            handle = consumer_handler(variant, f"cpu_consumer_{batch_size}_{index}", stub)
            contenders.append((variant, handle, records_for(variant, batch_size)))
        figures: dict[str, list[float]] = {name: [] for name, _, _ in contenders}
        for _ in range(runs):
            for name, handle, records in contenders:
                figures[name].append(cpu_us_per_message(handle, records, messages, 1)["median"])
        for name, values in figures.items():
            figure = {"median": statistics.median(values), "min": min(values), "max": max(values), "n": runs}
            rows.append({"batch_size": batch_size, "variant": name, "cpu_us": figure})
    os.environ.pop("SOURCES", None)
    boto3.setup_default_session(region_name="us-east-1")  # later benches get an unstubbed session
    return {"rows": rows, "stub_calls": dict(stub.calls), "messages_per_run": messages, "runs": runs}


def ratios(result: dict, batch_size: int) -> dict:
    figures = {row["variant"]: row["cpu_us"]["median"] for row in result["rows"] if row["batch_size"] == batch_size}
    legacy = figures["legacy (no SOURCES)"]
    return {
        "figures": figures,
        "legacy_over_floor": legacy / figures["floor"],
        "unsigned_over_legacy": figures["source, unsigned"] / legacy,
        "signed_over_legacy": figures["source, github signature"] / legacy,
        "unsigned_over_floor": figures["source, unsigned"] / figures["floor"],
        "signed_over_floor": figures["source, github signature"] / figures["floor"],
    }


def met(value: float, goal: float) -> str:
    return "met" if value <= goal else "not met"


def markdown(result: dict) -> list[str]:
    lines = [
        "",
        "### Our code's CPU per message (stub AWS at the HTTP layer: botocore serialises, signs and parses; no moto)",
        "",
        f"time.process_time per message, median of {result['runs']} runs of ~{result['messages_per_run']} messages, "
        f"the variants' runs alternated (spread below). Goals (issue 21): consumer/floor <= {GOAL_CONSUMER_OVER_FLOOR}, "
        f"sources/legacy <= {GOAL_SOURCES_OVER_LEGACY}.",
        "",
        "| batch | floor µs | legacy µs | source µs | github-signed µs | legacy/floor | source/floor | signed/floor "
        "| source/legacy | signed/legacy |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for batch_size in sorted({row["batch_size"] for row in result["rows"]}):
        r = ratios(result, batch_size)
        f = r["figures"]
        legacy_goal = met(r["legacy_over_floor"], GOAL_CONSUMER_OVER_FLOOR)
        sources_goal = met(r["unsigned_over_legacy"], GOAL_SOURCES_OVER_LEGACY)
        lines.append(
            f"| {batch_size} | {f['floor']:.0f} | {f['legacy (no SOURCES)']:.0f} | {f['source, unsigned']:.0f} | "
            f"{f['source, github signature']:.0f} | {r['legacy_over_floor']:.2f} ({legacy_goal}) | "
            f"{r['unsigned_over_floor']:.2f} | {r['signed_over_floor']:.2f} | "
            f"{r['unsigned_over_legacy']:.2f} ({sources_goal}) | {r['signed_over_legacy']:.2f} |"
        )
    spreads = "; ".join(
        f"{row['variant']} at {row['batch_size']}: {row['cpu_us']['min']:.0f}-{row['cpu_us']['max']:.0f}"
        for row in result["rows"]
    )
    lines += ["", f"Spread (min-max µs per message): {spreads}."]
    calls = ", ".join(f"{name} {count}" for name, count in sorted(result["stub_calls"].items()))
    lines += ["", f"Calls the stub answered: {calls}."]
    return lines


if __name__ == "__main__":
    from harness import fake_env

    fake_env()
    print("\n".join(markdown(bench_cpu(quick="--quick" in sys.argv))))
