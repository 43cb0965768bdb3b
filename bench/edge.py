"""The edge function's price: added latency, cost per million and senders' deadlines, against a direct route.

A direct route is API Gateway's SQS-SendMessage integration: its floor here is one
boto3 `send_message` of the same body, with the same attributes, to the same moto
queue. An edge route is `app.handler` (functions/front) on a Lambda proxy event:
a direct-delivery route, and a route that first verifies GitHub's signature
(signed here with hmac). The three are timed interleaved, in one in-process moto
mock, after a warm-up (clients created, the signing secret cached), so drift in
moto or the machine touches all three alike. The cold start is bench/edge_cold.py.
Prices: bench/cost.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import math
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import boto3
from cost import PRICES_USD
from moto import mock_aws

from deliveries import EDGE_CONTAINERS, SECRET_TTL_SECONDS, STEADY_RPS
from end_to_end import percentiles
from harness import PLATFORM_LOG_BYTES_PER_INVOCATION as PLATFORM_LOG_BYTES
from harness import ROOT, load
from latency import ROUND_TRIPS

MEMORY_MB = 512  # the edge function's default memory_size (variables.tf, `front`), arm64
GITHUB_SECRET = "bench-github-" + "ab" * 16  # a made-up secret: the bench signs its own requests
DIRECT_ROUTE, SIGNED_ROUTE = "POST /hooks/plain", "POST /hooks/github"
VARIANTS = ("direct", "edge", "edge_signed")  # direct = the SQS integration's floor
Sender = Callable[[bytes, int], None]


def routes(secret_arn: str) -> dict[str, Any]:
    """Both edge routes deliver directly (the body is the message): only the function differs from the floor."""
    return {
        DIRECT_ROUTE: {"source": "plain", "headers": ["x-github-delivery"], "delivery": "direct"},
        SIGNED_ROUTE: {
            "source": "github",
            "headers": ["x-github-delivery"],
            "delivery": "direct",
            "signature": {"scheme": "github", "secret_arn": secret_arn},
        },
    }


def body_of(index: int) -> bytes:
    """A small GitHub-like event (about 1 KB)."""
    return json.dumps({"action": "opened", "number": index, "repository": {"full_name": "o/r"}, "pad": "x" * 900}).encode()


def github_signature(body: bytes, secret: str = GITHUB_SECRET) -> str:
    """GitHub's X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256(secret, body)
    (docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def proxy_event(route_key: str, body: bytes, index: int, signed: bool) -> dict[str, Any]:
    """An HTTP API Lambda proxy event (payload 2.0), as API Gateway builds it."""
    headers = {"content-type": "application/json", "x-github-delivery": f"d-{index}"}
    if signed:
        headers["x-hub-signature-256"] = github_signature(body)
    return {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": route_key.split(" ", 1)[1],
        "rawQueryString": "",
        "headers": headers,
        "body": body.decode(),
        "isBase64Encoded": False,
        "requestContext": {"requestId": f"req-{index}", "timeEpoch": int(time.time() * 1000), "http": {"method": "POST"}},
    }


def floor_sender(sqs: Any, queue_url: str) -> Sender:
    """What the direct integration sends: the body, and the attributes an Envelope writes for it."""
    from envelope import DIRECT, Envelope

    def send(body: bytes, index: int) -> None:
        envelope = Envelope(
            source="plain",
            body=body,
            headers={"x-github-delivery": f"d-{index}"},
            received_ms=int(time.time() * 1000),
            request_id=f"req-{index}",
            delivery=DIRECT,
        )
        sqs.send_message(QueueUrl=queue_url, MessageBody=body.decode(), MessageAttributes=envelope.to_message_attributes())

    return send


def one_request(front: Any, floor: Sender, variant: str, index: int, log: io.StringIO) -> float:
    """Seconds for one request of `variant`; its event is built (and signed) before the clock starts."""
    body, signed = body_of(index), variant == "edge_signed"
    event = None if variant == "direct" else proxy_event(SIGNED_ROUTE if signed else DIRECT_ROUTE, body, index, signed)
    with contextlib.redirect_stdout(log):
        started = time.perf_counter()
        answer = floor(body, index) if event is None else front.handler(event, None)
        elapsed = time.perf_counter() - started
    if event is not None and answer["statusCode"] != 200:
        raise RuntimeError(f"{variant}: the edge answered {answer['statusCode']} {answer.get('body')}")
    return elapsed


def settled(sqs: Any, queue_url: str) -> int:
    """How many messages the round left, then none. moto's SendMessage slows with the queue's depth (about 2 ms per
    message with 200 queued, 18 ms with 1,200, measured on this machine): a deep queue would time moto."""
    count = "ApproximateNumberOfMessages"
    queued = int(sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[count])["Attributes"][count])
    sqs.purge_queue(QueueUrl=queue_url)
    return queued


def rotated(index: int) -> tuple[str, ...]:
    """The variants in a round's order: each goes first, second and third equally often."""
    return VARIANTS[index % 3 :] + VARIANTS[: index % 3]


def timed_requests(front: Any, floor: Sender, requests: int, warmup: int, settle: Callable[[], int]) -> dict[str, Any]:
    """ms per request by variant, bytes the edge logged per request, messages queued (each round settled, untimed)."""
    samples: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    log, queued = io.StringIO(), 0
    for index in range(warmup + requests):
        for variant in rotated(index):
            seconds = one_request(front, floor, variant, index, log)
            if index >= warmup:
                samples[variant].append(seconds * 1000)
        queued += settle()
        if index == warmup - 1:
            log = io.StringIO()  # what the warm function logs, not its first calls
    return {"samples": samples, "log_bytes": len(log.getvalue().encode()) / (2 * requests), "queued": queued}


def latency_row(values: list[float], floor: list[float]) -> dict[str, Any]:
    """Percentiles, mean, and the median of each round's difference from the floor (what drift cannot move)."""
    paired = statistics.median(value - base for value, base in zip(values, floor, strict=True))
    return {**percentiles(values), "mean": statistics.fmean(values), "paired_added_ms": paired, "samples": values}


def bench_warm(requests: int = 300, warmup: int = 30) -> dict[str, Any]:
    """Each variant's ms per request (p50, p99, mean) and the edge's log bytes per request, in one moto mock."""
    front = load(ROOT / "functions" / "front" / "app.py", "edge_bench_app")
    with mock_aws():
        sqs = boto3.client("sqs")
        queue_url = sqs.create_queue(QueueName="bench-edge")["QueueUrl"]
        secret_arn = boto3.client("secretsmanager").create_secret(Name="github", SecretString=GITHUB_SECRET)["ARN"]
        os.environ.update(QUEUE_URL=queue_url, ROUTES=json.dumps(routes(secret_arn)), METRICS_NAMESPACE="Bench/edge")
        front._clients.clear()
        front._signing_secrets = front._handshake_secrets = front._config = None
        timed = timed_requests(front, floor_sender(sqs, queue_url), requests, warmup, lambda: settled(sqs, queue_url))
    if timed["queued"] != len(VARIANTS) * (warmup + requests):  # every answer must have left exactly one message
        raise RuntimeError(f"{timed['queued']} messages queued for {len(VARIANTS) * (warmup + requests)} requests")
    samples = timed["samples"]
    rows = {name: latency_row(values, samples["direct"]) for name, values in samples.items()}
    log_bytes = timed["log_bytes"]
    return {
        "requests": requests,
        "warmup": warmup,
        "queued": timed["queued"],
        "log_bytes_per_request": log_bytes,
        "variants": rows,
    }


# --- cost per million ----------------------------------------------------------------------------------


def billed_ms(samples: list[float]) -> float:
    """Lambda bills each invocation's duration rounded up to the next 1 ms: the mean of that."""
    return statistics.fmean(max(1, math.ceil(value)) for value in samples)


def edge_costs(samples: list[float], log_bytes: float, signed: bool, memory_mb: int = MEMORY_MB) -> dict[str, float]:
    """USD per million requests through an edge route; API Gateway and the SQS send are the direct route's too."""
    million = 1_000_000
    secret_calls = EDGE_CONTAINERS / (STEADY_RPS * SECRET_TTL_SECONDS) if signed else 0.0  # one per container per TTL
    costs = {
        "api_gateway": PRICES_USD["apigateway_http_per_million"],
        "sqs": PRICES_USD["sqs_per_million_requests"],
        "lambda_requests": PRICES_USD["lambda_request_per_million"],
        "lambda_duration": million * billed_ms(samples) / 1000 * memory_mb / 1024 * PRICES_USD["lambda_gb_second_arm"],
        "secrets_manager": million * secret_calls / 10_000 * PRICES_USD["secretsmanager_per_10k_calls"],
        "cloudwatch_logs": million * (PLATFORM_LOG_BYTES + log_bytes) / 1e9 * PRICES_USD["cloudwatch_logs_per_gb_ingested"],
    }
    return {**costs, "total": sum(costs.values())}


def cost_rows(warm: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Direct, the two edge routes as measured (moto answers SQS in-process), and the same with the SQS
    call's in-process time replaced by the latency model's round trip (Lambda bills the wait)."""
    variants, log_bytes = warm["variants"], warm["log_bytes_per_request"]
    floor_ms, round_trip = variants["direct"]["p50"], ROUND_TRIPS["sqs"].milliseconds
    direct = {"api_gateway": PRICES_USD["apigateway_http_per_million"], "sqs": PRICES_USD["sqs_per_million_requests"]}
    rows = {"direct": {**direct, "total": sum(direct.values())}}
    for name in ("edge", "edge_signed"):
        samples = variants[name]["samples"]
        rows[name] = edge_costs(samples, log_bytes, name == "edge_signed")
        modelled = [max(0.0, value - floor_ms) + round_trip for value in samples]
        rows[f"{name}_modelled"] = edge_costs(modelled, log_bytes, name == "edge_signed")
    return rows


# --- the whole figure ----------------------------------------------------------------------------------


def bench_edge(requests: int = 300, warmup: int = 30, cold_runs: int = 5) -> dict[str, Any]:
    """In-process (the function's own time, priced), through the local stack, and cold in a fresh interpreter."""
    from edge_cold import bench_cold
    from edge_stack import bench_stack

    warm = bench_warm(requests, warmup)
    stack = bench_stack(requests, warmup, cold_runs)
    cold = bench_cold(cold_runs)
    return {"warm": warm, "stack": stack, "cold": cold, "cost": cost_rows(warm), "memory_mb": MEMORY_MB}


def without_samples(result: dict[str, Any]) -> dict[str, Any]:
    """The figures to keep in the JSON: every sample is not needed there."""
    variants = {name: {k: v for k, v in row.items() if k != "samples"} for name, row in result["warm"]["variants"].items()}
    return {**result, "warm": {**result["warm"], "variants": variants}}
