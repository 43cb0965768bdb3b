"""bench/cost.py: the cost model's arithmetic (its inputs are measured by bench/run.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import cost


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
    prices = cost.PRICES_USD
    expected = prices["apigateway_http_per_million"] + prices["sqs_per_million_requests"] + prices["dynamodb_per_million_wru"]
    assert floor["total"] == pytest.approx(expected)


def test_secret_calls_dominate_without_caching():
    naive = cost.cost_per_million(deployment())
    assert naive["secrets_manager"] == pytest.approx(1_000_000 / 10_000 * cost.PRICES_USD["secretsmanager_per_10k_calls"])
    cached = cost.cost_per_million(deployment(authorizer_invocations_per_request=0.001, secret_calls_per_authorization=0.01))
    assert cached["secrets_manager"] < naive["secrets_manager"] / 1000
    assert cached["total"] < naive["total"]


def test_arm64_is_cheaper_per_gb_second_and_duration_rounds_up_to_1_ms():
    x86 = cost.cost_per_million(deployment(arm64=False))["lambda_duration"]
    arm = cost.cost_per_million(deployment(arm64=True))["lambda_duration"]
    assert arm < x86
    assert cost.gb_seconds(0.2, 1024) == pytest.approx(0.001)
    assert cost.gb_seconds(10, 512) == pytest.approx(0.005)
