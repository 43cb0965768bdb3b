"""bench/deliveries.py: the billing units it derives from measured counts and bytes
(API Gateway's 512 KB steps, SQS's 64 KB chunks, DynamoDB's 1 KB write units, S3 requests)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import deliveries


def row(**overrides) -> dict:
    values = {
        "delivery": "direct",
        "body_bytes": 1000,
        "archive": False,
        "verify_at_edge": False,
        "messages": 10,
        "calls": {},
        "sent_bytes": [1000] * 10,
        "queued_bytes": [1000] * 10,
        "batch_bytes": [10_000],
        "item_bytes": [1100] * 10,
        "front_ms": 0.0,
        "consumer_ms_per_message": 0.0,
    }
    values.update(overrides)
    return values


def test_small_direct_bodies_cost_one_api_request_one_sqs_send_and_a_share_of_the_batch():
    cost = deliveries.cost_of(row(calls={"sqs:DeleteMessageBatch": 1}))
    assert cost["api_gateway"] == pytest.approx(1.00)
    # send 1 chunk each, one receive of 10 KB and one delete per batch of 10
    assert cost["sqs"] == pytest.approx((1 + 0.1 + 0.1) * 0.40)
    assert cost["dynamodb"] == pytest.approx(2 * 0.625)  # 1,100 bytes is two write units
    assert cost["front_function"] == 0 and cost["s3_requests"] == 0


def test_a_megabyte_is_two_api_gateway_requests_and_sixteen_sqs_chunks_each_way():
    megabyte = 1024 * 1024
    sizes = [megabyte] * 10
    cost = deliveries.cost_of(row(body_bytes=megabyte, sent_bytes=sizes, queued_bytes=sizes, batch_bytes=sizes))
    assert cost["api_gateway"] == pytest.approx(2.00)
    assert cost["sqs"] == pytest.approx((16 + 16) * 0.40)


def test_claim_checks_pay_the_front_function_and_s3_per_request():
    cost = deliveries.cost_of(
        row(
            delivery="claim-check",
            front_ms=10.0,
            calls={"s3:PutObject": 11, "s3:GetObject": 10},
            queued_bytes=[400] * 10,
            batch_bytes=[4000],
        )
    )
    assert cost["s3_requests"] == pytest.approx(1.1 * 5.00 + 1.0 * 0.40)
    assert cost["front_function"] == pytest.approx(0.20 + 1_000_000 * 0.010 * 0.25 * 0.0000133334)
