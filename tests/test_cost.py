"""bench/cost.py: the cost model's arithmetic (its inputs are measured by bench/run.py).

Expected values are computed here from AWS's published us-east-1 list prices,
written as literals with their source, never read from bench/cost.py's table:
a wrong price in the table fails these tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import cost

MILLION = 1_000_000
# Published prices, us-east-1, first tier, no free tier:
API_GATEWAY_HTTP_PER_MILLION = 1.00  # HTTP API, first 300 million requests/month (aws.amazon.com/api-gateway/pricing)
SQS_STANDARD_PER_MILLION = (
    0.40  # standard queue requests; each 64 KB chunk of a payload is one request (aws.amazon.com/sqs/pricing)
)
DYNAMODB_ON_DEMAND_PER_MILLION_WRU = (
    0.625  # on-demand write request units, since the Nov 2024 cut (aws.amazon.com/dynamodb/pricing/on-demand)
)
LAMBDA_PER_MILLION_REQUESTS = 0.20  # (aws.amazon.com/lambda/pricing)
LAMBDA_GB_SECOND_X86 = 0.0000166667  # duration, x86_64, first 6 billion GB-s/month (aws.amazon.com/lambda/pricing)
LAMBDA_GB_SECOND_ARM = 0.0000133334  # duration, arm64, first 7.5 billion GB-s/month (aws.amazon.com/lambda/pricing)
SECRETS_MANAGER_PER_10K_CALLS = 0.05  # API calls (aws.amazon.com/secrets-manager/pricing)
CLOUDWATCH_LOGS_PER_GB_INGESTED = 0.50  # standard log class, collection (aws.amazon.com/cloudwatch/pricing)


def deployment(**overrides) -> cost.Deployment:
    values = dict(
        label="x",
        authorizer_invocations_per_request=1.0,
        secret_calls_per_authorization=1.0,
        authorizer_ms=10,
        authorizer_memory_mb=128,
        consumer_ms_per_message=5,
        consumer_memory_mb=128,
        arm64=False,
        sqs_requests_per_message=1.2,
        dynamodb_wru_per_message=1,
        log_bytes_per_request=600,
    )
    values.update(overrides)
    return cost.Deployment(**values)


def test_floor_is_api_gateway_plus_one_sqs_send_plus_one_write():
    floor = cost.cost_per_million(deployment(sqs_requests_per_message=1), include_compute=False)
    # A million webhooks under 64 KB: a million API requests, SQS sends and 1 KB writes.
    assert floor["api_gateway"] == pytest.approx(1.00)
    assert floor["sqs"] == pytest.approx(0.40)
    assert floor["dynamodb"] == pytest.approx(0.625)
    assert floor["total"] == pytest.approx(
        API_GATEWAY_HTTP_PER_MILLION + SQS_STANDARD_PER_MILLION + DYNAMODB_ON_DEMAND_PER_MILLION_WRU
    )


def test_every_line_of_a_full_deployment_from_published_prices():
    costs = cost.cost_per_million(deployment())
    # Lambda bills memory in GB of 1,024 MB and duration in 1 ms steps (aws.amazon.com/lambda/pricing).
    authorizer_gb_seconds = MILLION * 10 / 1000 * 128 / 1024  # one 10 ms invocation of 128 MB per request
    consumer_gb_seconds = MILLION * 5 / 1000 * 128 / 1024  # 5 ms of 128 MB per message
    expected = {
        "api_gateway": API_GATEWAY_HTTP_PER_MILLION,
        "sqs": 1.2 * SQS_STANDARD_PER_MILLION,
        "dynamodb": 1 * DYNAMODB_ON_DEMAND_PER_MILLION_WRU,
        # An authorizer invocation per request, a consumer invocation per batch of 10.
        "lambda_requests": (MILLION + MILLION / 10) / MILLION * LAMBDA_PER_MILLION_REQUESTS,
        "lambda_duration": (authorizer_gb_seconds + consumer_gb_seconds) * LAMBDA_GB_SECOND_X86,
        "secrets_manager": MILLION / 10_000 * SECRETS_MANAGER_PER_10K_CALLS,
    }
    for line, value in expected.items():
        assert costs[line] == pytest.approx(value), line
    # 600 bytes a request is 0.6 GB per million when a GB is 10^9 bytes, 0.56 GB when it is 2^30:
    # the pricing page does not say which, so either passes; a wrong price does not.
    assert costs["cloudwatch_logs"] == pytest.approx(0.6 * CLOUDWATCH_LOGS_PER_GB_INGESTED, rel=0.08)
    assert costs["total"] == pytest.approx(sum(costs[line] for line in (*expected, "cloudwatch_logs")))


def test_secret_calls_dominate_without_caching():
    naive = cost.cost_per_million(deployment())
    assert naive["secrets_manager"] == pytest.approx(MILLION / 10_000 * SECRETS_MANAGER_PER_10K_CALLS)  # $5.00
    cached = cost.cost_per_million(deployment(authorizer_invocations_per_request=0.001, secret_calls_per_authorization=0.01))
    assert cached["secrets_manager"] == pytest.approx(MILLION * 0.001 * 0.01 / 10_000 * SECRETS_MANAGER_PER_10K_CALLS)
    assert cached["total"] < naive["total"]


def test_arm64_duration_at_its_published_price_and_duration_rounds_up_to_1_ms():
    arm = cost.cost_per_million(deployment(arm64=True))["lambda_duration"]
    assert arm == pytest.approx((MILLION * 10 / 1000 + MILLION * 5 / 1000) * 128 / 1024 * LAMBDA_GB_SECOND_ARM)
    assert cost.gb_seconds(0.2, 1024) == pytest.approx(0.001)  # 0.2 ms is billed as 1 ms
    assert cost.gb_seconds(10, 512) == pytest.approx(0.005)
