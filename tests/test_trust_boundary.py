"""The trust boundary (issue 22, item 2): no sender-controlled value changes a trusted attribute.

What API Gateway does with a `"` or `\\` in a header interpolated into an SQS integration's
MessageAttributes JSON, and what the integration does with a duplicate key, is not documented.
The local runner can play every plausible behaviour (local_runner/undocumented.py); this test
uses examples/local-sources applied once (sources_stack.boundary, shared with
tests/test_e2e_domain.py) and, under each of the 2 x 3 combinations, restarts only the
runner and sends header values built to rewrite that JSON to a Basic source, a token source,
a token source keyed by a header, an open signed source keyed by a header and an open
custom-signed source keyed by a header. Every message that reaches the queue must carry its
route's source, its authorizer's principal (none on an open route), API Gateway's requestId
and receive time, and nothing else trusted (no delivery, no replayOf).

Against the Terraform in which those sources' direct routes interpolate their headers, the three
"raw" combinations fail (first: source, receivedAt, requestId and principal replaced; last and
reject: delivery, replayOf, principal on an open route and other names added); with those sources
behind the edge function, which builds the message with the SDK, all six pass.
"""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from boto3.dynamodb.types import TypeDeserializer
from sources_stack import BOUNDARY_SIGNING, Sources
from test_signatures import sign_custom_hmac, sign_github

import local_runner

pytestmark = pytest.mark.e2e
SWITCHES = [(interpolation, duplicates) for interpolation in ("raw", "escaped") for duplicates in ("first", "last", "reject")]
TRUSTED = {"source", "receivedAt", "requestId", "principal", "delivery", "replayOf"}


def attribute(name: str, value: str) -> str:
    return f'"{name}":{{"DataType":"String","StringValue":"{value}"}}'


FORGED = {
    "source": "orders",
    "receivedAt": "1",
    "requestId": "forged",
    "principal": "admin",
    "delivery": "s3://x/y",
    "replayOf": "z",
}
# A header value ends up as "h:<value>" inside its attribute's StringValue; "} closes that attribute.
CLOSE, REOPEN = '"},', ',"x":{"DataType":"String","StringValue":"x'
PAYLOADS = [
    '"',
    "\\",
    "}",
    # Members added inside the header's own attribute object.
    '","source":{"DataType":"String","StringValue":"evil"},"x":{"DataType":"String","StringValue":"',
    # Every trusted name at the top level: duplicates of source, receivedAt, requestId (and principal).
    CLOSE + ",".join(attribute(name, value) for name, value in FORGED.items()) + REOPEN,
    # Only names a direct route's template does not hold: no duplicate for "reject" to refuse.
    CLOSE + attribute("delivery", "s3://x/y") + "," + attribute("replayOf", "z") + REOPEN,
    CLOSE + attribute("principal", "admin") + REOPEN,
    CLOSE + attribute("source", "orders") + REOPEN,
    # A backslash before the quote: beats an escaper that escapes quotes only.
    '\\"},' + attribute("source", "orders") + REOPEN,
]
EXTRA_HEADER = "x-extra"
# The headers each source's consumer needs (main.tf carried_headers: its key header and its signature's);
# a direct route of the first releases interpolated each into MessageAttributes.
CARRIED = {
    "orders": [],
    "stripe": [],
    "github": ["x-github-delivery"],
    "signed-github": ["x-github-delivery", "x-hub-signature-256"],
    "custom": ["x-delivery", "x-signature", "x-timestamp"],
}
SIGNING = BOUNDARY_SIGNING


def requests_for(source: str, index: int, payload: str) -> list[dict[str, str]]:
    """The headers of each request sent to `source` with `payload`: in every carried header and an
    extra one; for a signed source also once with a valid signature (payload in its key header only),
    so that it passes a check at the edge and reaches the queue."""
    everywhere = {name: payload for name in [*CARRIED[source], EXTRA_HEADER]}
    if source == "signed-github":
        return [everywhere, {**sign_github(body_of(source, index), SIGNING[source], 0, ""), "x-github-delivery": payload}]
    if source == "custom":
        signed = sign_custom_hmac(body_of(source, index), SIGNING[source], int(time.time()), payload)
        return [everywhere, {**signed, EXTRA_HEADER: payload}]
    return [everywhere]


def body_of(source: str, index: int) -> str:
    event = f"tb-{source}-{index}"
    # sentTo names the route it was sent to, whatever the message claims (eventId becomes the item's key).
    return json.dumps({"eventId": event, "id": event, "sentTo": source})


def send_all(sources: Sources) -> dict[str, list[int]]:
    """Every payload to every source; the statuses by source."""
    statuses: dict[str, list[int]] = {source: [] for source in CARRIED}
    for source in CARRIED:
        for index, payload in enumerate(PAYLOADS):
            for headers in requests_for(source, index, payload):
                url = sources.url(
                    source, None if source in ("orders", "signed-github", "custom") else sources.secrets[source]["token"]
                )
                auth = {"authorization": sources.basic()} if source == "orders" else {}
                statuses[source].append(sources.post(url, body_of(source, index), {**headers, **auth}))
    return statuses


def queued(sources: Sources) -> list[dict[str, str]]:
    """The attributes of every message on the queue, taken off it."""
    url, found, empty = sources.outputs["sqs_queue_url"], [], 0
    while empty < 2:
        # WaitTimeSeconds=0: the queue long-polls (20 s), and every request has been answered already.
        batch = sources.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        empty = 0 if batch else empty + 1
        for message in batch:
            found.append({name: value["StringValue"] for name, value in message.get("MessageAttributes", {}).items()})
            sources.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def violations(sources: Sources, messages: list[dict[str, str]], statuses: dict[str, list[int]]) -> list[str]:
    """What breaks the boundary: each message is compared with API Gateway's context of its request."""
    source_of = {f"POST {urllib.parse.urlsplit(sources.url(source)).path}": source for source in sources.outputs["source_urls"]}
    contexts = {context["requestId"]: context for context in sources.runner.front_door.forwarded}
    found, by_source = [], dict.fromkeys(CARRIED, 0)
    for attributes in messages:
        context = contexts.get(attributes.get("requestId", ""))
        if context is None:
            found.append(f"requestId is not API Gateway's: {attributes}")
            continue
        route = source_of[context["routeKey"]]
        by_source[route] = by_source.get(route, 0) + 1
        expected = {"source": route, "receivedAt": context["requestTimeEpoch"], "requestId": context["requestId"]}
        if "authorizer.principal" in context:
            expected["principal"] = context["authorizer.principal"]
        trusted = {name: value for name, value in attributes.items() if name in TRUSTED}
        if trusted != expected:
            found.append(f"{route}: trusted attributes {trusted}, API Gateway's {expected}")
        others = sorted(name for name in attributes if name not in TRUSTED and not name.startswith("header."))
        if others:
            found.append(f"{route}: attributes a sender added: {others}")
    if len({attributes.get("requestId") for attributes in messages}) != len(messages):
        found.append("one request queued twice")
    for source, answers in statuses.items():
        accepted = sum(200 <= status < 300 for status in answers)
        if by_source.get(source, 0) != accepted:
            found.append(f"{source}: {accepted} requests accepted, {by_source.get(source, 0)} messages queued")
        if accepted == 0:
            found.append(f"{source}: nothing reached the queue, the test would prove nothing (answers {sorted(set(answers))})")
    return found


@pytest.mark.parametrize(("interpolation", "duplicates"), SWITCHES)
def test_no_header_value_changes_a_trusted_attribute(boundary, interpolation, duplicates):
    endpoint, outputs = boundary.endpoint, boundary.outputs
    runner = local_runner.start(
        endpoint, outputs["apigatewayv2_api_id"], poll=False, header_interpolation=interpolation, duplicate_keys=duplicates
    )
    try:
        sources = Sources(runner, outputs)
        queued(sources)  # what an earlier test left
        statuses = send_all(sources)
        found = violations(sources, queued(sources), statuses)
    finally:
        runner.stop()
    assert found == [], f"{len(found)} violations:\n" + "\n".join(found[:12])


@pytest.mark.parametrize(("interpolation", "duplicates"), [("raw", "first"), ("raw", "last")])
def test_nothing_is_stored_under_another_sources_key(boundary, interpolation, duplicates):
    """The consumer runs: every stored item is its route's (the body names the route it was sent to)."""
    endpoint, outputs = boundary.endpoint, boundary.outputs
    runner = local_runner.start(
        endpoint, outputs["apigatewayv2_api_id"], header_interpolation=interpolation, duplicate_keys=duplicates
    )
    try:
        sources = Sources(runner, outputs)
        send_all(sources)
        assert sources.drained()
        table = outputs["dynamodb_table_name"]
        items = sources.dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
        stored = [{name: TypeDeserializer().deserialize(value) for name, value in item.items()} for item in items]
    finally:
        runner.stop()
    ours = [item for item in stored if "sentTo" in item]
    misplaced = [
        f"sent to {item['sentTo']}, stored as {item['eventId']}"
        for item in ours
        if item.get("_source") != item["sentTo"] or not item["eventId"].startswith(item["sentTo"] + "#")
    ]
    assert {item["sentTo"] for item in ours} >= {"orders", "stripe"}  # the check is not vacuous
    assert misplaced == []
