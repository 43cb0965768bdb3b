"""The measured figures priced: cost per million webhooks for ours, a token source, signed sources, naive and the floor."""

from __future__ import annotations

from dataclasses import replace

from cost import CONSUMER_BATCH_SIZE, Deployment, cost_per_million

from harness import PLATFORM_LOG_BYTES_PER_INVOCATION

# one send per message, plus one receive and one delete-batch per batch
SQS_REQUESTS_PER_MESSAGE = 1 + 2 / CONSUMER_BATCH_SIZE


def log_bytes_per_request(consumer: dict, authorizer: dict, authorizer_share: float, batch_size: int) -> float:
    """Measured bytes the functions print per request, plus Lambda's platform lines."""
    authorizer_bytes = authorizer_share * (authorizer["log_bytes_per_invocation"] + PLATFORM_LOG_BYTES_PER_INVOCATION)
    return authorizer_bytes + consumer["log_bytes_per_message"] + PLATFORM_LOG_BYTES_PER_INVOCATION / batch_size


def ours_with(label: str, consumer_row: dict, authorizer_row: dict, share: float) -> Deployment:
    """Our consumer (arm64, 256 MB) behind an authorizer invoked `share` times per request."""
    return Deployment(
        label,
        authorizer_invocations_per_request=share,
        secret_calls_per_authorization=authorizer_row["secret_calls_per_1000"] / 1000,
        authorizer_ms=authorizer_row["warm_ms_median"],
        authorizer_memory_mb=256,
        consumer_ms_per_message=consumer_row["ms_per_message"],
        consumer_memory_mb=256,
        arm64=True,
        sqs_requests_per_message=SQS_REQUESTS_PER_MESSAGE,
        dynamodb_wru_per_message=1,  # items under 1 KB
        log_bytes_per_request=log_bytes_per_request(consumer_row, authorizer_row, share, CONSUMER_BATCH_SIZE),
    )


def naive_deployment(consumer_row: dict, authorizer_row: dict) -> Deployment:
    return Deployment(
        "naive (x86_64, 128 MB, TTL 0)",
        authorizer_invocations_per_request=1.0,
        secret_calls_per_authorization=authorizer_row["secret_calls_per_1000"] / 1000,
        authorizer_ms=authorizer_row["warm_ms_median"],
        authorizer_memory_mb=128,
        consumer_ms_per_message=consumer_row["ms_per_message"],
        consumer_memory_mb=128,
        arm64=False,
        sqs_requests_per_message=SQS_REQUESTS_PER_MESSAGE,
        dynamodb_wru_per_message=1,
        log_bytes_per_request=log_bytes_per_request(consumer_row, authorizer_row, 1.0, CONSUMER_BATCH_SIZE),
    )


def with_latency_model(consumer: list[dict], ours: Deployment, naive: Deployment) -> dict:
    """The same deployments priced with the latency model's consumer durations (Lambda bills the wait)."""
    modelled = {row["variant"]: row for row in consumer if row["batch_size"] == CONSUMER_BATCH_SIZE and row.get("latency_model")}
    if not modelled:
        return {}
    return {
        "ours": cost_per_million(replace(ours, consumer_ms_per_message=modelled["ours last-write-wins"]["ms_per_message"])),
        "naive": cost_per_million(replace(naive, consumer_ms_per_message=modelled["naive"]["ms_per_message"])),
    }


def cost_rows(consumer: list[dict], authorizer: list[dict], senders: int, requests_per_second: float) -> dict:
    # Priced from the in-process timings; the same deployments priced with the
    # latency model's durations come after (Lambda bills the time a call waits).
    by_variant = {
        row["variant"]: row for row in consumer if row["batch_size"] == CONSUMER_BATCH_SIZE and not row.get("latency_model")
    }
    auth = {row["variant"]: row for row in authorizer}
    # With a TTL of 300 s, API Gateway invokes the authorizer once per sender per
    # 300 s (per cache node; we count one), however many requests arrive.
    cached_share = min(1.0, senders / (300 * requests_per_second)) if requests_per_second else 1.0
    plain = by_variant["ours last-write-wins"]
    ours = ours_with("ours (arm64, 256 MB, TTL 300 s)", plain, auth["ours"], cached_share)
    naive = naive_deployment(by_variant["naive"], auth["naive"])
    # A token source: every delivery of a sender carries the same URL token, so
    # API Gateway's cache (key: token + route) holds one entry per source.
    token_share = min(1.0, 1 / (300 * requests_per_second)) if requests_per_second else 1.0
    token_source = ours_with("ours token source (one token, TTL 300 s)", plain, auth["ours token"], token_share)
    # A signed source needs no authorizer (auth = none): the consumer's verification is its price.
    unsigned, signed = by_variant["ours source, unsigned"], by_variant["ours source, signed"]
    unsigned_source = ours_with("ours token source, unsigned", unsigned, auth["ours token"], token_share)
    signed_source = ours_with("ours signed source (auth none)", signed, auth["ours token"], 0.0)
    signed_with_token = ours_with("ours signed token source", signed, auth["ours token"], token_share)
    ours_cost, naive_cost = cost_per_million(ours), cost_per_million(naive)
    floor = cost_per_million(Deployment("floor", 0, 0, 0, 128, 0, 128, True, 1, 1, 0), include_compute=False)
    return {
        "senders": senders,
        "requests_per_second": requests_per_second,
        "ours": ours_cost,
        "ours_token_source": cost_per_million(token_source),
        "token_authorizer_invocations_per_request": token_share,
        "ours_unsigned_source": cost_per_million(unsigned_source),
        "ours_signed_token_source": cost_per_million(signed_with_token),
        "ours_signed_source": cost_per_million(signed_source),
        "with_latency_model": with_latency_model(consumer, ours, naive),
        "naive": naive_cost,
        "floor": floor,
        "ours_over_floor": ours_cost["total"] / floor["total"],
        "naive_over_ours": naive_cost["total"] / ours_cost["total"],
    }
