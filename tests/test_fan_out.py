"""Fan-out (functions/consumer/fan_out.py): every item the consumer stores reaches an
EventBridge bus once, through a rule with an SQS target as a user would route it;
duplicates and poison never do, and a failed publish loses nothing (the record
comes back, and its redelivery is published)."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from consumer_config import load_config
from test_consumer import Context, failures, record, stored
from test_pipeline import with_attributes

import fan_out
from records import Item
from store import RetryPolicy

BUS = "webhooks"
PREFIX = "webhook."
RECEIVED_MS = 1_700_000_123_456


@pytest.fixture
def bus(aws, consumer, monkeypatch):
    """A bus with one rule (every event of the prefix) that sends to an SQS queue; the consumer publishes to it."""
    _, sqs, _ = aws
    events = boto3.client("events", region_name="us-east-1")
    bus_arn = events.create_event_bus(Name=BUS)["EventBusArn"]
    target_url = sqs.create_queue(QueueName="routed")["QueueUrl"]
    target_arn = sqs.get_queue_attributes(QueueUrl=target_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="all", EventBusName=BUS, EventPattern=json.dumps({"source": [{"prefix": PREFIX}]}))
    events.put_targets(Rule="all", EventBusName=BUS, Targets=[{"Id": "queue", "Arn": target_arn}])
    monkeypatch.setenv("FAN_OUT_BUS", bus_arn)
    monkeypatch.setenv("FAN_OUT_SOURCE_PREFIX", PREFIX)
    monkeypatch.setitem(consumer._clients, "events", events)
    return events, sqs, target_url


def routed(sqs, url: str) -> list[dict]:
    """The events the rule delivered (each once: the queue is drained)."""
    found = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            found.append(json.loads(message["Body"]))
    return found


def sourced(message_id: str, body: dict, source: str = "orders", headers: dict[str, str] | None = None) -> dict:
    """A record of a named source as its route sends it: source, receive time, carried headers."""
    values = {"source": source, "receivedAt": str(RECEIVED_MS)}
    values |= {f"header.{name}": f"h:{value}" for name, value in (headers or {}).items()}
    return with_attributes(record(message_id, json.dumps(body)), values)


@pytest.fixture
def orders(monkeypatch):
    """Two sources: orders (detail-type from the body's /type), github (from its X-GitHub-Event header)."""
    sources = {
        "orders": {"event_key": "/id", "detail_type": "/type"},
        "github": {"event_key": "/id", "detail_type": "x-github-event"},
    }
    monkeypatch.setenv("SOURCES", json.dumps(sources))


def test_a_mixed_batch_publishes_exactly_the_stored_events_once(consumer, aws, bus, orders, monkeypatch):
    _, sqs, target = bus
    monkeypatch.setenv("WRITE_MODE", "first-write-wins")
    consumer.handler({"Records": [sourced("m0", {"id": "dup", "type": "order.created", "n": 1})]}, Context())
    assert len(routed(sqs, target)) == 1
    batch = [
        sourced("m1", {"id": "a", "type": "order.paid", "price": 0.1, "big": 12345678901234567890123456789}),
        sourced("m2", {"id": "dup", "type": "order.created", "n": 2}),  # a duplicate: another message's item is there
        with_attributes(record("m3", "not json"), {"source": "orders"}),  # poison
        sourced("m4", {"id": "b", "action": "opened"}, "github", {"x-github-event": "pull_request"}),
    ]
    response = consumer.handler({"Records": batch}, Context())
    assert failures(response) == []
    received = sorted(routed(sqs, target), key=lambda event: event["detail"]["eventId"])
    assert [(e["source"], e["detail-type"], e["detail"]["eventId"]) for e in received] == [
        ("webhook.github", "pull_request", "github#b"),
        ("webhook.orders", "order.paid", "orders#a"),
    ]
    # The detail is the stored item, numbers exactly as stored; the time is when API Gateway received it.
    item = stored(aws[0])["orders#a"]
    assert json.loads(json.dumps(received[1]["detail"]), parse_float=Decimal, parse_int=Decimal) == item
    assert received[1]["detail"]["big"] == 12345678901234567890123456789 and received[1]["detail"]["price"] == 0.1
    assert received[1]["time"] == "2023-11-14T22:15:23Z"


def test_a_publish_that_fails_is_retried_and_its_redelivery_published(consumer, aws, bus, orders, monkeypatch):
    """First write wins: the redelivered record finds its own item stored (REPEATED) and is published then;
    a duplicate from another message, with other content, is not."""
    events, sqs, target = bus
    monkeypatch.setenv("WRITE_MODE", "first-write-wins")
    monkeypatch.setenv("TTL_ATTRIBUTE", "expiresAt")  # each attempt stamps a new expiry: not a difference
    monkeypatch.setenv("TTL_DAYS", "1")
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutEvents")
    real = events.put_events
    monkeypatch.setattr(events, "put_events", lambda **kwargs: (_ for _ in ()).throw(throttled))
    first = sourced("m1", {"id": "a", "type": "order.paid"})
    with pytest.raises(consumer.BatchFailed):  # its only record retried: the batch fails, SQS delivers it again
        consumer.handler({"Records": [first]}, Context())
    assert "orders#a" in stored(aws[0])
    assert routed(sqs, target) == []
    monkeypatch.setattr(events, "put_events", real)
    # The first attempt was a while ago: its expiry differs from the one the redelivery stamps.
    later = {":e": int(time.time()) + 5 * 86400}
    aws[0].update_item(Key={"eventId": "orders#a"}, UpdateExpression="SET expiresAt = :e", ExpressionAttributeValues=later)
    again = consumer.handler({"Records": [first, sourced("m2", {"id": "a", "type": "order.refunded"})]}, Context())
    assert failures(again) == []
    assert [(e["detail-type"], e["detail"]["eventId"]) for e in routed(sqs, target)] == [("order.paid", "orders#a")]


def test_one_entry_refused_retriably_retries_only_its_record(consumer, aws, bus, orders, monkeypatch):
    events, sqs, target = bus
    real = events.put_events

    def put_events(Entries: list[dict]) -> dict:
        throttled = [json.loads(entry["Detail"])["eventId"] == "orders#b" for entry in Entries]
        kept = iter(real(Entries=[e for e, t in zip(Entries, throttled, strict=True) if not t])["Entries"])
        return {"Entries": [{"ErrorCode": "ThrottlingException"} if t else next(kept) for t in throttled]}

    monkeypatch.setattr(events, "put_events", put_events)
    response = consumer.handler({"Records": [sourced("m1", {"id": "a"}), sourced("m2", {"id": "b"})]}, Context())
    assert failures(response) == ["m2"]
    published = [(e["detail-type"], e["detail"]["eventId"]) for e in routed(sqs, target)]
    assert published == [(fan_out.DEFAULT_DETAIL_TYPE, "orders#a")]


def test_last_write_wins_publishes_the_latest_of_a_key_and_each_rewrite(consumer, aws, bus, orders):
    _, sqs, target = bus
    batch = [sourced("m1", {"id": "a", "v": 1}), sourced("m2", {"id": "a", "v": 2})]
    assert failures(consumer.handler({"Records": batch}, Context())) == []
    assert [e["detail"]["v"] for e in routed(sqs, target)] == [2]
    consumer.handler({"Records": [sourced("m3", {"id": "a", "v": 2})]}, Context())  # stored again: published again
    assert [e["detail"]["v"] for e in routed(sqs, target)] == [2]


def test_an_item_too_large_for_an_entry_is_published_as_its_key(consumer, aws, bus, orders):
    _, sqs, target = bus
    body = {"id": "big", "type": "order.paid", "blob": "x" * 300_000}  # an item (under 400 KB), over EventBridge's 256 KB
    assert failures(consumer.handler({"Records": [sourced("m1", body)]}, Context())) == []
    (event,) = routed(sqs, target)
    assert event["detail"] == {"eventId": "orders#big", fan_out.OMITTED_FIELD: fan_out.OMITTED_WHY}
    assert event["detail-type"] == "order.paid"


def test_without_fan_out_nothing_is_published_and_no_client_is_made(consumer, aws):
    response = consumer.handler({"Records": [record("m1", json.dumps({"eventId": "a"}))]}, Context())
    assert failures(response) == [] and "events" not in consumer._clients


@pytest.mark.parametrize(
    ("pointer", "attributes", "headers", "expected"),
    [
        ("/type", {"type": "a.b"}, {}, "a.b"),
        ("/data/kind", {"data": {"kind": "k"}}, {}, "k"),
        ("/type", {"type": 3}, {}, fan_out.DEFAULT_DETAIL_TYPE),  # not a string
        ("/type", {"type": "  "}, {}, fan_out.DEFAULT_DETAIL_TYPE),
        ("/type", {"type": "x" * 129}, {}, fan_out.DEFAULT_DETAIL_TYPE),  # over EventBridge's 128
        ("/type", {}, {}, fan_out.DEFAULT_DETAIL_TYPE),
        ("x-github-event", {}, {"x-github-event": "push"}, "push"),
        ("x-github-event", {}, {}, fan_out.DEFAULT_DETAIL_TYPE),
        (None, {"type": "a"}, {"x": "y"}, fan_out.DEFAULT_DETAIL_TYPE),
    ],
)
def test_detail_type(pointer: str | None, attributes: dict[str, Any], headers: dict[str, str], expected: str):
    assert fan_out.detail_type_of(pointer, attributes, headers) == expected


def test_numbers_are_written_as_stored():
    text = fan_out.json_text({"a": Decimal("0.1"), "b": Decimal("1E+2"), "c": [Decimal("-1.5E-7"), True, None], "d": "é"})
    expected = {"a": Decimal("0.1"), "b": 100.0, "c": [Decimal("-1.5E-7"), True, None], "d": "é"}
    assert json.loads(text, parse_float=Decimal) == expected


def test_requests_hold_at_most_ten_entries_and_256_kb():
    small = [(f"m{i}", {"Source": "s", "DetailType": "t", "Detail": "{}"}) for i in range(21)]
    assert [len(group) for group in fan_out.requests(small)] == [10, 10, 1]
    large = [(f"m{i}", {"Source": "s", "DetailType": "t", "Detail": "x" * 100_000}) for i in range(3)]
    assert [len(group) for group in fan_out.requests(large)] == [2, 1]


@pytest.mark.parametrize(
    ("environment", "error"),
    [
        ({"FAN_OUT_SOURCE_PREFIX": "webhook."}, "FAN_OUT_SOURCE_PREFIX needs FAN_OUT_BUS"),
        ({"FAN_OUT_BUS": "b", "FAN_OUT_SOURCE_PREFIX": "aws.partner"}, "must not start with 'aws.'"),
        ({"FAN_OUT_BUS": "b", "SOURCES": json.dumps({"s": {"event_key": "/id", "detail_type": "Type"}})}, "detail_type"),
    ],
)
def test_a_wrong_fan_out_setting_is_a_clear_error(environment: dict[str, str], error: str):
    with pytest.raises(ValueError, match=error):
        load_config({"TABLE_NAME": "t", **environment})


def test_a_header_detail_type_is_carried():
    config = load_config({"TABLE_NAME": "t", "SOURCES": json.dumps({"s": {"event_key": "/id", "detail_type": "x-github-event"}})})
    assert config.sources.by_name["s"].carried_headers == {"x-github-event"}


def test_the_batch_metrics_count_what_was_published(consumer, aws, bus, orders, capsys):
    consumer.handler({"Records": [sourced("m1", {"id": "a"}), sourced("m2", {"id": "b"})]}, Context())
    batch_line = json.loads(capsys.readouterr().out.splitlines()[0])
    metrics = batch_line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    assert batch_line["Published"] == 2 and {"Name": "Published", "Unit": "Count"} in metrics


def test_a_redelivery_behind_another_record_of_its_key_is_published(consumer, aws, bus, orders, monkeypatch):
    """First write wins: m1 was stored and not published; it comes back after a newer m2 of its key,
    so m2 is the one written (refused); m1, superseded in the batch, is still recognised as the stored item."""
    events, sqs, target = bus
    monkeypatch.setenv("WRITE_MODE", "first-write-wins")
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutEvents")
    real = events.put_events
    monkeypatch.setattr(events, "put_events", lambda **kwargs: (_ for _ in ()).throw(throttled))
    first = sourced("m1", {"id": "a", "type": "order.paid"})
    with pytest.raises(consumer.BatchFailed):
        consumer.handler({"Records": [first]}, Context())
    monkeypatch.setattr(events, "put_events", real)
    again = consumer.handler({"Records": [sourced("m2", {"id": "a", "type": "order.refunded"}), first]}, Context())
    assert failures(again) == []
    assert [(e["detail-type"], e["detail"]["eventId"]) for e in routed(sqs, target)] == [("order.paid", "orders#a")]


def test_a_header_detail_type_stays_acceptable_without_fan_out(consumer, aws, orders):
    """Messages queued while fan-out carried the header (then turned off) are stored, not unexpected_attribute."""
    response = consumer.handler({"Records": [sourced("m1", {"id": "b"}, "github", {"x-github-event": "push"})]}, Context())
    assert failures(response) == [] and "github#b" in stored(aws[0])


def test_microsoft_graphs_client_state_is_never_published():
    """Graph's documented notification (learn.microsoft.com/graph/change-notifications-delivery-webhooks):
    its clientState is the source's shared secret, so the published item leaves it out."""
    item = {
        "eventId": "graph#1",
        "value": [
            {"subscriptionId": "s", "clientState": "secretClientValue", "changeType": "created", "resource": "Users/1"},
            {"subscriptionId": "t", "clientState": "secretClientValue", "changeType": "updated"},
        ],
    }
    published = fan_out.published_attributes("microsoft-graph", item, "body")
    assert published == {
        "eventId": "graph#1",
        "value": [
            {"subscriptionId": "s", "changeType": "created", "resource": "Users/1"},
            {"subscriptionId": "t", "changeType": "updated"},
        ],
    }
    assert item["value"][0]["clientState"] == "secretClientValue"  # the stored item is untouched
    # Any other source: the item itself, uncopied.
    assert fan_out.published_attributes("github", item, "body") is item
    assert fan_out.published_attributes(None, item, "body") is item
    # A raw body (the exact text) cannot be cut: it is left out whole.
    raw = {"eventId": "graph#2", "_source": "graph", "body": '{"value":[{"clientState":"secretClientValue"}]}'}
    assert fan_out.published_attributes("microsoft-graph", raw, "body") == {"eventId": "graph#2", "_source": "graph"}


def test_a_detail_type_pointer_cannot_reach_a_secret_left_out(consumer, aws, bus, monkeypatch):
    """A Graph source whose detail_type points at clientState: the event's type is the default, never the secret."""
    _, sqs, target = bus
    secret_arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(Name="graph", SecretString="s3cr3t")["ARN"]
    source = {"event_key": "/value/0/id", "detail_type": "/value/0/clientState"}
    source["signature"] = {"scheme": "microsoft-graph", "secret_arn": secret_arn}
    monkeypatch.setenv("SOURCES", json.dumps({"graph": source}))
    monkeypatch.setattr(consumer, "_signing_secrets", None)
    body = {"value": [{"id": "n1", "clientState": "s3cr3t", "changeType": "created"}]}
    assert failures(consumer.handler({"Records": [sourced("m1", body, "graph")]}, Context())) == []
    (event,) = routed(sqs, target)
    assert event["detail-type"] == fan_out.DEFAULT_DETAIL_TYPE and "s3cr3t" not in json.dumps(event)


def test_an_entry_eventbridge_does_not_answer_is_sent_again():
    """A response with fewer Entries than sent must not fail the batch: the unanswered entries are retried."""

    class Short:
        calls = 0

        def put_events(self, Entries: list[dict]) -> dict:
            self.calls += 1
            return {"Entries": [{"EventId": "e"}] * (len(Entries) - 1 if self.calls == 1 else len(Entries))}

    client = Short()
    entries = [(f"m{i}", {"Source": "s", "DetailType": "t", "Detail": "{}"}) for i in range(3)]
    assert fan_out.publish(client, entries, RetryPolicy(sleep=lambda _: None)) == {} and client.calls == 2


def test_an_entry_of_exactly_256_kb_is_published_as_its_key():
    item = Item("m1", "orders#a", {"eventId": "orders#a", "blob": ""})
    fan = fan_out.FanOut("bus", "webhook.")
    empty = fan_out.entry_for(item, fan_out.Event("orders", "t", None, item.attributes), fan, "eventId", 0)
    room = fan_out.MAX_REQUEST_BYTES - fan_out.entry_bytes(empty)
    exact = Item("m1", "orders#a", {"eventId": "orders#a", "blob": "x" * room})
    entry = fan_out.entry_for(exact, fan_out.Event("orders", "t", None, exact.attributes), fan, "eventId", 0)
    assert json.loads(entry["Detail"]) == {"eventId": "orders#a", fan_out.OMITTED_FIELD: fan_out.OMITTED_WHY}
