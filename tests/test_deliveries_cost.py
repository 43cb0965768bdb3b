"""bench/deliveries.py: the billing units it derives from measured counts and bytes
(API Gateway's 512 KB steps, SQS's 64 KB chunks, DynamoDB's 1 KB write units, S3 requests).

Expected values come from AWS's published us-east-1 list prices and metering rules,
written here as literals with their source, never read from bench/cost.py or
bench/deliveries.py: a wrong price there fails these tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import deliveries

# Published prices, us-east-1, first tier, no free tier:
API_GATEWAY_HTTP_PER_MILLION = 1.00  # HTTP API, first 300 million (aws.amazon.com/api-gateway/pricing): metered per 512 KB
SQS_STANDARD_PER_MILLION = 0.40  # standard queue (aws.amazon.com/sqs/pricing): each 64 KB chunk of a payload is one request
DYNAMODB_ON_DEMAND_PER_MILLION_WRU = 0.625  # (aws.amazon.com/dynamodb/pricing/on-demand): one WRU per 1 KB written
S3_STANDARD_PUT_PER_1000 = 0.005  # PUT, COPY, POST, LIST (aws.amazon.com/s3/pricing)
S3_STANDARD_GET_PER_1000 = 0.0004  # GET, SELECT and others (aws.amazon.com/s3/pricing)
S3_STANDARD_GB_MONTH = 0.023  # first 50 TB/month (aws.amazon.com/s3/pricing)
LAMBDA_PER_MILLION_REQUESTS = 0.20  # (aws.amazon.com/lambda/pricing)
LAMBDA_GB_SECOND_ARM = 0.0000133334  # arm64, first 7.5 billion GB-s (aws.amazon.com/lambda/pricing)


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
    assert cost["api_gateway"] == pytest.approx(1 * API_GATEWAY_HTTP_PER_MILLION)
    # send 1 chunk each, one receive of 10 KB and one delete per batch of 10
    assert cost["sqs"] == pytest.approx((1 + 0.1 + 0.1) * SQS_STANDARD_PER_MILLION)
    assert cost["dynamodb"] == pytest.approx(2 * DYNAMODB_ON_DEMAND_PER_MILLION_WRU)  # 1,100 bytes is two write units
    assert cost["front_function"] == 0 and cost["s3_requests"] == 0


def test_a_megabyte_is_two_api_gateway_requests_and_sixteen_sqs_chunks_each_way():
    megabyte = 1024 * 1024
    sizes = [megabyte] * 10
    cost = deliveries.cost_of(row(body_bytes=megabyte, sent_bytes=sizes, queued_bytes=sizes, batch_bytes=sizes))
    assert cost["api_gateway"] == pytest.approx(2 * API_GATEWAY_HTTP_PER_MILLION)  # 1 MiB is two 512 KB steps
    # 16 chunks sent and 16 received per message; no delete was counted
    assert cost["sqs"] == pytest.approx((16 + 16) * SQS_STANDARD_PER_MILLION)
    # a million bodies of 1 MiB kept a month: 10^9 or 2^30 bytes a GB both pass, a wrong price does not
    assert cost["storage_per_month"] == pytest.approx(1_000_000 * megabyte / 1e9 * S3_STANDARD_GB_MONTH, rel=0.08)


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
    # 1.1 PUT and 1 GET per message, for a million messages
    assert cost["s3_requests"] == pytest.approx(1.1 * 1000 * S3_STANDARD_PUT_PER_1000 + 1.0 * 1000 * S3_STANDARD_GET_PER_1000)
    # a million invocations of 10 ms at 256 MB (0.25 GB) on arm64
    assert cost["front_function"] == pytest.approx(LAMBDA_PER_MILLION_REQUESTS + 1_000_000 * 0.010 * 0.25 * LAMBDA_GB_SECOND_ARM)
