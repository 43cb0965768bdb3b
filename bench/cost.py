"""Cost per million webhooks in us-east-1, from measured call counts.

Prices: public us-east-1 list prices as published on the AWS pricing pages
(aws.amazon.com/<service>/pricing), read 2026-11-27; first pricing tier, no free
tier. Change them here, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

# The module's default event source mapping batch size: consumer invocations,
# SQS receives and deletes are per batch, not per message.
CONSUMER_BATCH_SIZE = 10

PRICES_USD = {
    # service / unit                                  price      source (us-east-1, read 2026-11-27)
    "apigateway_http_per_million": 1.00,  # HTTP API requests, first 300M/month (API Gateway pricing page)
    "lambda_request_per_million": 0.20,  # Lambda requests (Lambda pricing page)
    "lambda_gb_second_x86": 0.0000166667,  # Lambda duration, x86_64, first 6B GB-s
    "lambda_gb_second_arm": 0.0000133334,  # Lambda duration, arm64, first 7.5B GB-s
    "secretsmanager_per_10k_calls": 0.05,  # Secrets Manager API calls (Secrets Manager pricing page)
    "sqs_per_million_requests": 0.40,  # SQS standard queue requests, each 64 KB chunk billed as one (SQS pricing page)
    "dynamodb_per_million_wru": 0.625,  # DynamoDB on-demand write request units (DynamoDB pricing page, Nov 2024 price)
    "cloudwatch_logs_per_gb_ingested": 0.50,  # CloudWatch Logs standard ingestion (CloudWatch pricing page)
    "eventbridge_events_per_million": 1.00,  # EventBridge custom events put, each 64 KB chunk one (EventBridge pricing page)
}


@dataclass(frozen=True)
class Deployment:
    """What one million webhooks cost to run with a given implementation and settings."""

    label: str
    authorizer_invocations_per_request: float  # 1.0 with TTL 0; senders/requests-per-TTL with caching
    secret_calls_per_authorization: float  # measured per authorizer invocation
    authorizer_ms: float  # measured warm duration
    authorizer_memory_mb: int
    consumer_ms_per_message: float  # measured consumer duration per message
    consumer_memory_mb: int
    arm64: bool
    sqs_requests_per_message: float  # send + receive/delete share per batch
    dynamodb_wru_per_message: float
    log_bytes_per_request: float


def gb_seconds(milliseconds: float, memory_mb: int) -> float:
    # Lambda bills duration in 1 ms steps
    return max(1.0, round(milliseconds)) / 1000 * memory_mb / 1024


def cost_per_million(d: Deployment, include_compute: bool = True) -> dict[str, float]:
    million = 1_000_000
    gb_second_price = PRICES_USD["lambda_gb_second_arm" if d.arm64 else "lambda_gb_second_x86"]
    costs = {
        "api_gateway": PRICES_USD["apigateway_http_per_million"],
        "sqs": d.sqs_requests_per_message * PRICES_USD["sqs_per_million_requests"],
        "dynamodb": d.dynamodb_wru_per_message * PRICES_USD["dynamodb_per_million_wru"],
    }
    if include_compute:
        authorizer_invocations = d.authorizer_invocations_per_request * million
        consumer_invocation_share = million / CONSUMER_BATCH_SIZE
        costs["lambda_requests"] = (
            (authorizer_invocations + consumer_invocation_share) / million * PRICES_USD["lambda_request_per_million"]
        )
        costs["lambda_duration"] = (
            authorizer_invocations * gb_seconds(d.authorizer_ms, d.authorizer_memory_mb)
            + million * d.consumer_ms_per_message / 1000 * d.consumer_memory_mb / 1024
        ) * gb_second_price
        costs["secrets_manager"] = (
            authorizer_invocations * d.secret_calls_per_authorization / 10_000 * PRICES_USD["secretsmanager_per_10k_calls"]
        )
        costs["cloudwatch_logs"] = million * d.log_bytes_per_request / 1e9 * PRICES_USD["cloudwatch_logs_per_gb_ingested"]
    costs["total"] = sum(costs.values())
    return costs
