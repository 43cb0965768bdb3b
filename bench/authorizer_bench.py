"""The authorizer's warm latency and its Secrets Manager calls (in-process moto)."""

from __future__ import annotations

import base64
import json
import os
import statistics
import sys
import time

import boto3
from moto import mock_aws

from harness import CREDENTIALS, ROOT, ByteCounter, CallCounter, load


def bench_authorizer(calls: int) -> list[dict]:
    rows = []
    header = "Basic " + base64.b64encode(f"{CREDENTIALS['username']}:{CREDENTIALS['password']}".encode()).decode()
    basic_event = {"headers": {"authorization": header}, "requestContext": {"requestId": "r"}}
    token = "t" * 40
    token_event = {"queryStringParameters": {"token": token}, "requestContext": {"requestId": "r"}}
    for variant in ("ours", "ours token", "naive"):
        event = token_event if variant == "ours token" else basic_event
        secret = {"token": token} if variant == "ours token" else CREDENTIALS
        with mock_aws():
            counter = CallCounter()
            arn = boto3.client("secretsmanager").create_secret(Name="creds", SecretString=json.dumps(secret))["ARN"]
            os.environ["SECRET_ARN"], os.environ["SECRET_CACHE_TTL_SECONDS"] = arn, "300"
            os.environ["AUTH_MODE"] = "token" if variant == "ours token" else "basic"
            path = ROOT / ("bench/baselines/naive_authorizer.py" if variant == "naive" else "functions/authorizer/app.py")
            module = load(path, f"{variant.replace(' ', '_')}_authorizer")
            latencies = []
            logged = ByteCounter()
            stdout, sys.stdout = sys.stdout, logged
            try:
                for _ in range(calls):
                    started = time.perf_counter()
                    assert module.handler(event, None)["isAuthorized"] is True
                    latencies.append((time.perf_counter() - started) * 1000)
            finally:
                sys.stdout = stdout
            warm = sorted(latencies[1:])
            rows.append(
                {
                    "variant": variant,
                    "warm_ms_median": statistics.median(warm),
                    "warm_ms_p99": warm[int(len(warm) * 0.99) - 1],
                    "secret_calls_per_1000": counter.calls["secretsmanager:GetSecretValue"] * 1000 / calls,
                    "calls": calls,
                    "log_bytes_per_invocation": logged.bytes / calls,
                }
            )
    return rows
