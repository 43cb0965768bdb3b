"""The AWS clients, configured so that our own deadline-aware retries own retrying.

botocore's defaults (legacy mode: 10 attempts for DynamoDB, 60 s timeouts)
can spend ~25 s on one throttled BatchWriteItem, so a 30 s invocation would
time out instead of returning a partial batch response. Here the SDK makes at
most one quick retry of its own, and a hung connection is cut after seconds.
"""

from __future__ import annotations

import json
from typing import Any

SDK_ATTEMPTS = 2  # the first try and one retry (standard mode)
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 3.0
# Standard mode waits at most 1 s before its first retry (random * 2**0).
SDK_FIRST_BACKOFF_SECONDS = 1.0
# The longest one SDK call can take.
WORST_CASE_CALL_SECONDS = SDK_ATTEMPTS * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS) + SDK_FIRST_BACKOFF_SECONDS
# Share of the invocation kept back when the function is too short for a whole worst-case call.
SHORT_INVOCATION_RESERVE = 0.25


def safety_margin(seconds_left_at_start: float) -> float:
    """Time no call may start without: one worst-case call, or, for a function
    whose whole timeout is shorter than a few of those, a quarter of it (a
    1 s consumer must still write; if it is then cut off, SQS redelivers)."""
    return min(WORST_CASE_CALL_SECONDS, SHORT_INVOCATION_RESERVE * seconds_left_at_start)


def sdk_config(max_pool_connections: int) -> Any:
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": SDK_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        max_pool_connections=max_pool_connections,
    )


def table_and_sqs(table_name: str, max_pool_connections: int) -> tuple[Any, Any]:
    import boto3  # the runtime ships it; imported on first use to keep imports cheap

    config = sdk_config(max_pool_connections)
    table = boto3.resource("dynamodb", config=config).Table(table_name)
    table._wire_client = wire_client_for(config)  # the same session and settings (store.wire_client)
    return table, boto3.client("sqs", config=config)


def wire_client_for(config: Any, **where: Any) -> Any:
    """BatchWriteItem's plain DynamoDB client (store.wire_client): the items go as the consumer
    serialised them, and botocore's client-side check of every parameter (a third of a request's
    CPU) is skipped: they are well-formed by construction, and DynamoDB checks them. Their request
    body is written in one json.dumps (preserialised_body)."""
    import boto3
    from botocore.config import Config

    client = boto3.client("dynamodb", config=config.merge(Config(parameter_validation=False)), **where)
    client.meta.events.register("before-parameter-build.dynamodb.BatchWriteItem", set_parameters_aside)
    client.meta.events.register("before-call.dynamodb.BatchWriteItem", preserialised_body)
    return client


# BatchWriteItem's items are JSON values by construction (records.wire_and_size: S, N, BOOL, NULL, M,
# L), for which botocore's JSON serializer writes exactly json.dumps of the parameters, after a walk
# over every attribute's shape that costs more than the rest of a stored message's request (bench/
# cpu.py). So the parameters are written in one json.dumps, through botocore's documented events:
# before-parameter-build sets them aside in the call's context (its serializer then walks an empty
# RequestItems), before-call puts their bytes in as the body, before the request is signed and sent.
PRESERIALISED = "webhook_ingest_body"  # the key in the call's context


def set_parameters_aside(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    try:
        body = json.dumps(params)  # what JSONSerializer writes for them
    except (TypeError, ValueError):  # a value JSON cannot hold (bytes: B): botocore serialises them
        return
    if '"B": ' in body or '"BS": ' in body:  # a binary given as text, which botocore base64-encodes
        return  # (or a map member named B: botocore then does its walk, no harm)
    context[PRESERIALISED] = body.encode("utf-8")
    # The tables stay (the endpoint is resolved from them after this event: a table ARN names the
    # account); only the items, which botocore would walk, are left out.
    params["RequestItems"] = dict.fromkeys(params["RequestItems"], ())


def preserialised_body(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    if (body := context.pop(PRESERIALISED, None)) is not None:
        params["body"] = body


def events_client(max_pool_connections: int) -> Any:
    """Fan-out's EventBridge client (fan_out.py)."""
    import boto3

    return boto3.client("events", config=sdk_config(max_pool_connections))


def payload_s3_client(max_pool_connections: int) -> Any:
    """The payload bucket's client (claims, large item bodies, the archive)."""
    import boto3

    return boto3.client("s3", config=sdk_config(max_pool_connections))
