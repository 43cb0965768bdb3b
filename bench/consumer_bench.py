"""The consumer's throughput per variant (in-process moto), optionally with the latency model."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

import boto3
from moto import mock_aws

import harness
from harness import ROOT, ByteCounter, CallCounter, Context, load, spread
from latency import LatencyModel


def sqs_records(count: int, round_index: int) -> list[dict]:
    return [
        {
            "messageId": f"m-{round_index}-{i}",
            "receiptHandle": "r",
            "body": json.dumps(
                {"eventId": f"evt-{round_index}-{i}", "seq": i, "amount": 12.5, "items": [{"sku": "A", "qty": 2}]}
            ),
            # SentTimestamp: the consumer reports each stored message's lag (its log bytes count in the cost).
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
            # What modules/api's mapping writes on every route with an authorizer (the first releases'
            # Basic route too): API Gateway's request id and the authorizer's principal.
            "messageAttributes": {
                "requestId": {"stringValue": f"req-{round_index}-{i}", "dataType": "String"},
                "principal": {"stringValue": "webhook", "dataType": "String"},
            },
        }
        for i in range(count)
    ]


SIGNING_SECRET = "whsec_" + "ab" * 16


def source_records(count: int, round_index: int, signed: bool) -> list[dict]:
    """One source's messages as API Gateway queues them; signed by Stripe's own library (outside the timing)."""
    import stripe

    now = int(time.time())
    records = []
    for record in sqs_records(count, round_index):
        body = record["body"].replace('"eventId"', '"id"')
        attributes = {
            **record["messageAttributes"],
            "source": {"stringValue": "shop", "dataType": "String"},
            "receivedAt": {"stringValue": str(now * 1000), "dataType": "String"},
        }
        if signed:
            header = stripe.WebhookSignature.generate_signature_header(body, SIGNING_SECRET, now)
            attributes["header.stripe-signature"] = {"stringValue": "h:" + header, "dataType": "String"}
        record.update(body=body, messageAttributes=attributes)
        record["attributes"]["SentTimestamp"] = str(now * 1000)
        records.append(record)
    return records


def sources_setting(signed: bool) -> str:
    """SOURCES for one source keyed by /id, signed with a secret created in the active mock."""
    source: dict = {"event_key": "/id"}
    if signed:
        arn = boto3.client("secretsmanager").create_secret(Name="shop-signing", SecretString=SIGNING_SECRET)["ARN"]
        source["signature"] = {"scheme": "stripe", "secret_arn": arn}
    return json.dumps({"shop": source})


# variant -> the consumer's environment (naive: the baseline's)
VARIANTS = {
    "ours last-write-wins": {"WRITE_MODE": "last-write-wins", "ORDERING_ATTRIBUTE": ""},
    "ours last-write-wins + ordering guard": {"WRITE_MODE": "last-write-wins", "ORDERING_ATTRIBUTE": "seq"},
    "ours first-write-wins": {"WRITE_MODE": "first-write-wins", "ORDERING_ATTRIBUTE": ""},
    # The price of verification: the same source, unsigned and signed (Stripe's scheme).
    "ours source, unsigned": {"WRITE_MODE": "last-write-wins", "ORDERING_ATTRIBUTE": "", "SOURCES": "unsigned"},
    "ours source, signed": {"WRITE_MODE": "last-write-wins", "ORDERING_ATTRIBUTE": "", "SOURCES": "signed"},
    "naive": {"WRITE_MODE": "", "ORDERING_ATTRIBUTE": ""},
}


def create_table() -> None:
    boto3.resource("dynamodb").create_table(
        TableName="events",
        KeySchema=[{"AttributeName": "eventId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "eventId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def one_round(variant: str, environment: dict, batch_size: int, round_index: int, latency: bool, name: str) -> tuple:
    """(seconds, DynamoDB requests per message, log bytes per message) for one batch in a fresh mock."""
    with mock_aws():
        counter = CallCounter()
        if latency:
            LatencyModel().install()
        create_table()
        sources = environment.get("SOURCES")
        os.environ.update(TABLE_NAME="events", **{k: v for k, v in environment.items() if k != "SOURCES"})
        os.environ.pop("SOURCES", None)
        if sources is not None:
            os.environ["SOURCES"] = sources_setting(sources == "signed")
        if variant == "naive":
            module = load(ROOT / "bench" / "baselines" / "naive_consumer.py", f"naive_consumer_{batch_size}_{round_index}")
        else:
            module = load(ROOT / "functions" / "consumer" / "app.py", name)
        if sources is None:
            records = sqs_records(batch_size, round_index)
        else:
            records = source_records(batch_size, round_index, sources == "signed")
            # A warm container: the signing secret is cached (one read per TTL, not per batch).
            module.signing_secrets().keys_for(module.load_config(os.environ).sources.values())
        logged = ByteCounter()
        stdout, sys.stdout = sys.stdout, logged
        try:
            before = counter.total("dynamodb:")
            started = time.perf_counter()
            module.handler({"Records": records}, Context())
            seconds = time.perf_counter() - started
            return seconds, (counter.total("dynamodb:") - before) / batch_size, logged.bytes / batch_size
        finally:
            sys.stdout = stdout


def bench_consumer(batch_sizes: list[int], latency: bool = False) -> list[dict]:
    """Throughput per variant; with `latency`, every AWS call waits its modelled round trip."""
    rows = []
    variants = VARIANTS
    if latency:  # the price of signatures is measured without the model
        variants = {name: env for name, env in variants.items() if "SOURCES" not in env}
    for batch_size in batch_sizes:
        for variant, environment in variants.items():
            measured = [
                one_round(variant, environment, batch_size, i, latency, f"consumer_{batch_size}_{i}_{len(rows)}")
                for i in range(harness.ROUNDS)
            ]
            seconds, requests_per_message, log_bytes = (list(column) for column in zip(*measured, strict=True))
            os.environ.pop("SOURCES", None)
            throughput = [batch_size / s for s in seconds]
            rows.append(
                {
                    "batch_size": batch_size,
                    "variant": variant,
                    "latency_model": latency,
                    "messages_per_second": spread(throughput),
                    "ms_per_batch": statistics.median(seconds) * 1000,
                    "dynamodb_requests_per_message": statistics.median(requests_per_message),
                    "ms_per_message": statistics.median(seconds) * 1000 / batch_size,
                    "log_bytes_per_message": statistics.median(log_bytes),
                }
            )
    return rows
