"""Direct against claim-check delivery, and the archive's price, from measured request counts.

Each variant sends the same bodies through the real code in one moto mock: on a
direct route the call API Gateway makes (SQS SendMessage), on a claim-check
route the front function's handler; then the consumer's handler on the batches
SQS hands out. A botocore hook counts every request by operation; the billing
units (API Gateway's 512 KB steps, SQS's 64 KB chunks, DynamoDB's 1 KB write
units) come from the bytes actually sent and stored. Durations are measured per
call. Prices: bench/cost.py, plus S3's below.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
from cost import CONSUMER_BATCH_SIZE, PRICES_USD, gb_seconds
from memory import records_of
from moto import mock_aws

ROOT = Path(__file__).resolve().parent.parent
S3_PRICES_USD = {
    # us-east-1 S3 Standard list prices (S3 pricing page, read 2026-11-28)
    "put_per_1000": 0.005,
    "get_per_1000": 0.0004,
    "storage_gb_month": 0.023,
}
API_GATEWAY_STEP_BYTES = 512 * 1024  # HTTP API meters each 512 KB of a request as one request
SQS_CHUNK_BYTES = 64 * 1024
MEMORY_MB = 256
BUCKET = "bench-payloads"
# (delivery, body bytes, archive, signature checked at the edge)
VARIANTS = (
    ("direct", 1_000, False, False),
    ("claim-check", 1_000, False, False),
    ("claim-check", 1_000, False, True),
    ("claim-check", 1_000, True, False),
    ("direct", 1_000_000, False, False),
    ("claim-check", 1_000_000, False, False),
    ("claim-check", 1_000_000, True, False),
)
SIGNING_SECRET = "whsec_" + "cd" * 16
# A warm container reads the signing secret once per TTL: priced for the cost model's
# steady load (bench/run.py's default 50 requests/s) spread over this many containers.
EDGE_CONTAINERS = 10
STEADY_RPS = 50.0
SECRET_TTL_SECONDS = 300.0


class Requests:
    """Counts every AWS request made in this process, by service:operation."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        boto3.setup_default_session(region_name="us-east-1")
        boto3.DEFAULT_SESSION.events.register("before-call", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.endpoint_prefix}:{model.name}"] += 1


def body_of(size: int, index: int) -> bytes:
    prefix = json.dumps({"eventId": f"evt-{size}-{index}", "filler": ""})[:-2]
    return (prefix + "x" * (size - len(prefix) - 2) + '"}').encode()


def api_event(route_key: str, body: bytes, index: int, headers: dict | None = None) -> dict:
    return {
        "routeKey": route_key,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": body.decode(),
        "isBase64Encoded": False,
        "requestContext": {"requestId": f"req-{index}", "timeEpoch": int(time.time() * 1000)},
    }


def direct_send(sqs: Any, queue_url: str, body: bytes, index: int) -> None:
    """What API Gateway's SQS-SendMessage integration sends for a direct route."""
    attributes = {"source": "shop", "receivedAt": str(int(time.time() * 1000)), "requestId": f"req-{index}"}
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=body.decode(),
        MessageAttributes={name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()},
    )


class Context:
    function_name = "bench"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def stripe_headers(body: bytes) -> dict[str, str]:
    """Signed by Stripe's own library, outside the timing."""
    import stripe

    return {
        "stripe-signature": stripe.WebhookSignature.generate_signature_header(body.decode(), SIGNING_SECRET, int(time.time()))
    }


def create_resources(delivery: str, edge: bool, archive: bool) -> tuple[Any, Any, Any, str]:
    """(s3, sqs, table, queue URL) in the mock, and the two functions' environment for one variant."""
    import os

    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    s3.create_bucket(Bucket=BUCKET)
    queue_url = sqs.create_queue(QueueName="q", Attributes={"MaximumMessageSize": "1048576"})["QueueUrl"]
    dlq_url = sqs.create_queue(QueueName="dlq", Attributes={"MaximumMessageSize": "1048576"})["QueueUrl"]
    table = boto3.resource("dynamodb").create_table(
        TableName="events",
        KeySchema=[{"AttributeName": "eventId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "eventId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    route: dict = {"source": "shop", "headers": []}
    source: dict = {"event_key": "/eventId", "archive": archive, "delivery": delivery}
    if edge:
        arn = boto3.client("secretsmanager").create_secret(Name="shop-signing", SecretString=SIGNING_SECRET)["ARN"]
        route = {"source": "shop", "headers": ["stripe-signature"], "signature": {"scheme": "stripe", "secret_arn": arn}}
        source["signature"] = route["signature"]  # the consumer checks every message again, as deployed
    os.environ.update(
        QUEUE_URL=queue_url,
        PAYLOAD_BUCKET=BUCKET,
        ROUTES=json.dumps({"POST /hooks/shop": route}),
        TABLE_NAME="events",
        DEAD_LETTER_QUEUE_URL=dlq_url,
        # As the module sets it: the consumer takes a claim pointer only from a claim-check source,
        # and a signature header only from a signed one.
        SOURCES=json.dumps({"shop": source}),
    )
    return s3, sqs, table, queue_url


def send_all(front: Any, sqs: Any, queue_url: str, delivery: str, bodies: list[bytes], signed: list[dict]) -> list[float]:
    """Every body sent as its delivery sends it; the front function's seconds per request (claim-check)."""
    front_seconds = []
    for index, body in enumerate(bodies):
        if delivery == "direct":
            direct_send(sqs, queue_url, body, index)
        else:
            started = time.perf_counter()
            answer = front.handler(api_event("POST /hooks/shop", body, index, signed[index]), None)
            front_seconds.append(time.perf_counter() - started)
            assert answer["statusCode"] == 200, answer
    return front_seconds


def consume_all(consumer: Any, sqs: Any, queue_url: str) -> tuple[list[int], list[int], float]:
    """(bytes of each queued message, bytes of each batch, the consumer's seconds) until the queue is empty."""
    queued_bytes: list[int] = []
    batch_bytes: list[int] = []
    consumer_seconds = 0.0
    while batch := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=CONSUMER_BATCH_SIZE, MessageAttributeNames=["All"]
    ).get("Messages", []):
        queued_bytes += [len(message["Body"].encode()) for message in batch]
        batch_bytes.append(sum(queued_bytes[-len(batch) :]))
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the consumer's EMF lines (priced in bench/run.py)
            response = consumer.handler({"Records": records_of(batch)}, Context())
        consumer_seconds += time.perf_counter() - started
        assert response == {"batchItemFailures": []}, response
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": message["ReceiptHandle"]} for i, message in enumerate(batch)],
        )
    return queued_bytes, batch_bytes, consumer_seconds


def run_variant(front: Any, consumer: Any, variant: tuple[str, int, bool, bool], messages: int) -> dict:
    delivery, size, archive, edge = variant
    with mock_aws():
        counter = Requests()
        s3, sqs, table, queue_url = create_resources(delivery, edge, archive)
        front._signing_secrets = None
        front._clients.clear()
        consumer._clients.clear()
        consumer._clients.update(table=table, sqs=sqs, s3=s3)
        bodies = [body_of(size, index) for index in range(messages)]
        signed = [stripe_headers(body) if edge else {} for body in bodies]
        counter.calls.clear()
        front_seconds = send_all(front, sqs, queue_url, delivery, bodies, signed)
        queued_bytes, batch_bytes, consumer_seconds = consume_all(consumer, sqs, queue_url)
        items = table.scan()["Items"]
        assert len(items) == messages, f"{len(items)} of {messages} stored"
        item_bytes = [len(json.dumps(item, default=str).encode()) for item in items]
        calls = dict(counter.calls)
    return {
        "delivery": delivery,
        "body_bytes": size,
        "archive": archive,
        "verify_at_edge": edge,
        "messages": messages,
        "calls": calls,
        "sent_bytes": [len(body) for body in bodies],
        "queued_bytes": queued_bytes,
        "batch_bytes": batch_bytes,
        "item_bytes": item_bytes,
        "front_ms": 1000 * sum(front_seconds) / len(front_seconds) if front_seconds else 0.0,
        "consumer_ms_per_message": 1000 * consumer_seconds / messages,
    }


def bench_payloads(messages_small: int = 100, messages_large: int = 20) -> list[dict]:
    import importlib.util
    import sys

    modules = {}
    for name in ("front", "consumer"):
        sys.path[:0] = [str(ROOT / "functions" / name), str(ROOT / "functions" / "shared")]
        spec = importlib.util.spec_from_file_location(f"bench_{name}_app", ROOT / "functions" / name / "app.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        modules[name] = module
    return [
        run_variant(modules["front"], modules["consumer"], variant, messages_small if variant[1] < 100_000 else messages_large)
        for variant in VARIANTS
    ]


def per_message(row: dict, operation: str) -> float:
    return row["calls"].get(operation, 0) / row["messages"]


def cost_of(row: dict) -> dict[str, float]:
    """USD per million webhooks, by item, from this variant's measured counts and bytes."""
    million = 1_000_000
    n = row["messages"]
    api_steps = sum(math.ceil(size / API_GATEWAY_STEP_BYTES) for size in row["sent_bytes"]) / n
    # SQS bills each 64 KB chunk of a request's payload: the send, the receive (per batch) and the delete.
    send_chunks = sum(math.ceil(size / SQS_CHUNK_BYTES) for size in row["queued_bytes"]) / n
    receive_chunks = sum(math.ceil(size / SQS_CHUNK_BYTES) for size in row["batch_bytes"]) / n
    deletes = per_message(row, "sqs:DeleteMessageBatch")
    wru = sum(math.ceil(size / 1024) for size in row["item_bytes"]) / n
    puts = sum(count for name, count in row["calls"].items() if name == "s3:PutObject") / n
    gets = per_message(row, "s3:GetObject")
    # Measured: one read for the whole run (one warm container); priced per container per TTL.
    secret_calls = (
        EDGE_CONTAINERS * (million / STEADY_RPS) / SECRET_TTL_SECONDS / million
        if per_message(row, "secretsmanager:GetSecretValue")
        else 0.0
    )
    gb_second = PRICES_USD["lambda_gb_second_arm"]
    costs = {
        "api_gateway": api_steps * PRICES_USD["apigateway_http_per_million"],
        "front_function": (
            (PRICES_USD["lambda_request_per_million"] + million * gb_seconds(row["front_ms"], MEMORY_MB) * gb_second)
            if row["delivery"] == "claim-check"
            else 0.0
        ),
        "consumer_duration": million * row["consumer_ms_per_message"] / 1000 * MEMORY_MB / 1024 * gb_second,
        "sqs": (send_chunks + receive_chunks + deletes) * PRICES_USD["sqs_per_million_requests"],
        "s3_requests": puts * S3_PRICES_USD["put_per_1000"] * 1000 + gets * S3_PRICES_USD["get_per_1000"] * 1000,
        "dynamodb": wru * PRICES_USD["dynamodb_per_million_wru"],
        "secrets_manager": secret_calls * million / 10_000 * PRICES_USD["secretsmanager_per_10k_calls"],
    }
    costs["total"] = sum(costs.values())
    # What a million bodies kept for a month cost (claims until they expire; the archive for its retention).
    costs["storage_per_month"] = million * row["body_bytes"] / 1e9 * S3_PRICES_USD["storage_gb_month"]
    costs["s3_puts_per_message"] = puts
    costs["s3_gets_per_message"] = gets
    return costs


def markdown(rows: list[dict]) -> list[str]:
    lines = [
        "",
        "### Direct against claim-check, and the archive (USD per million webhooks, measured request counts)",
        "",
        "A direct 1 MB body needs `queue.max_message_size = 1048576` (AWS provider 6.x); with 5.x it is refused at 256 KiB.",
        "Above DynamoDB's 400 KB the item is a pointer item and the body one more S3 PUT (items/).",
        "S3 storage/month: a million bodies kept a month (claims until they expire; the archive for its retention).",
        "",
        "| body | delivery | archive | S3 PUT/msg | S3 GET/msg | API GW | front fn (ms) | SQS | S3 requests | DynamoDB | consumer"
        " | total | vs direct | S3 storage/month |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    direct_totals = {row["body_bytes"]: cost_of(row)["total"] for row in rows if row["delivery"] == "direct"}
    for row in rows:
        cost = cost_of(row)
        size = f"{row['body_bytes'] // 1000} KB" if row["body_bytes"] < 1_000_000 else f"{row['body_bytes'] // 1_000_000} MB"
        delivery = row["delivery"] + (" + verify_at_edge" if row["verify_at_edge"] else "")
        front = f"{cost['front_function']:.2f} ({row['front_ms']:.1f})" if row["front_ms"] else "0.00"
        lines.append(
            f"| {size} | {delivery} | {'yes' if row['archive'] else 'no'} | {cost['s3_puts_per_message']:.2f} | "
            f"{cost['s3_gets_per_message']:.2f} | {cost['api_gateway']:.2f} | {front} | {cost['sqs']:.2f} | "
            f"{cost['s3_requests']:.2f} | {cost['dynamodb']:.2f} | {cost['consumer_duration']:.2f} | {cost['total']:.2f} | "
            f"{cost['total'] / direct_totals[row['body_bytes']]:.2f}x | {cost['storage_per_month']:.2f} |"
        )
    return lines
