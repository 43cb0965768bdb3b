"""Batched payloads (sources.<name>.split): each element of an array stored as its own item,
atomically with respect to retries. In process against moto; helpers are test_consumer.py's.

Bodies are the senders' documented shapes: SendGrid's Event Webhook posts a JSON array of events
each with sg_event_id (twilio.com/docs/sendgrid/for-developers/tracking-events/event), Adyen a
notificationItems list of NotificationRequestItem with pspReference (docs.adyen.com/development-
resources/webhooks/webhook-types), Microsoft Graph a value list of notifications.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from test_consumer import NO_WAIT, Context, dead_letters, failures, record, stored
from test_consumer_retries import throttle_keys
from test_consumer_sources import carried_headers
from test_fan_out import (
    bus,  # noqa: F401 - the fixture
    routed,
)

from conftest import BUCKET, TABLE, batch_client
from dead_letters import REASON_ATTRIBUTE
from sources import load_sources

SOURCES = {
    "sendgrid": {"event_key": "/sg_event_id", "split": ""},
    "adyen": {"event_key": "/NotificationRequestItem/pspReference", "split": "/notificationItems"},
    "graph": {"event_key": "x-request-id", "split": "/value"},
}

SENDGRID = [
    {"email": "a@example.com", "event": "processed", "sg_event_id": "sg-1", "timestamp": 1513299569},
    {"email": "a@example.com", "event": "delivered", "sg_event_id": "sg-2", "timestamp": 1513299570},
    {"email": "b@example.com", "event": "open", "sg_event_id": "sg-3", "timestamp": 1513299571},
]
ADYEN = {
    "live": "false",
    "notificationItems": [
        {"NotificationRequestItem": {"eventCode": "AUTHORISATION", "pspReference": "7914073381342284", "success": "true"}},
        {"NotificationRequestItem": {"eventCode": "CAPTURE", "pspReference": "8835511210681145", "success": "true"}},
    ],
}


def message(message_id: str, source: str, body: Any, headers: dict[str, str] | None = None) -> dict:
    attributes = {"source": {"stringValue": source, "dataType": "String"}, **carried_headers(headers or {})}
    return record(message_id, json.dumps(body), attributes=attributes)


def process(consumer, aws, records: list[dict], mode: str = "last-write-wins"):
    table, sqs, dlq_url = aws
    settings = {"TABLE_NAME": TABLE, "SOURCES": json.dumps(SOURCES), "WRITE_MODE": mode, "DEAD_LETTER_QUEUE_URL": dlq_url}
    config = consumer.load_config(settings)
    return consumer.process_batch(records, config, table, sqs, NO_WAIT, 0)


def test_each_element_is_an_item_keyed_inside_it(consumer, aws):
    table, _, _ = aws
    result = process(consumer, aws, [message("m1", "sendgrid", SENDGRID), message("m2", "adyen", ADYEN)])
    assert result.failures == []
    items = stored(table)
    assert set(items) == {"sendgrid#sg-1", "sendgrid#sg-2", "sendgrid#sg-3", "adyen#7914073381342284", "adyen#8835511210681145"}
    assert items["sendgrid#sg-2"]["event"] == "delivered" and items["sendgrid#sg-2"]["_source"] == "sendgrid"
    assert items["adyen#8835511210681145"]["NotificationRequestItem"]["eventCode"] == "CAPTURE"
    # A message counts once: stored.
    assert result.counts["Stored"] == 2 and result.counts["Received"] == 2


def test_a_key_from_the_message_is_followed_by_the_elements_index(consumer, aws):
    table, _, _ = aws
    graph = {"value": [{"subscriptionId": "s", "changeType": "created"}, {"subscriptionId": "s", "changeType": "updated"}]}
    process(consumer, aws, [message("m1", "graph", graph, {"x-request-id": "req-9"})])
    assert set(stored(table)) == {"graph#req-9#0", "graph#req-9#1"}


@pytest.mark.parametrize(
    ("source", "body", "reason"),
    [
        ("sendgrid", [*SENDGRID[:2], {"event": "open"}], "missing_key"),  # the third has no sg_event_id
        ("sendgrid", [*SENDGRID[:1], "not an object"], "not_an_object"),
        ("sendgrid", {"events": SENDGRID}, "not_an_array"),  # split "" needs a body that is an array
        ("adyen", {"live": "false"}, "not_an_array"),
        ("sendgrid", [dict(SENDGRID[0], _source="other")], "reserved_attribute"),
    ],
    ids=["missing-key", "not-an-object", "object-body", "no-array", "reserved"],
)
def test_one_element_that_cannot_be_stored_keeps_the_whole_message_from_being_stored(consumer, aws, source, body, reason):
    table, sqs, dlq_url = aws
    result = process(consumer, aws, [message("m1", source, body)])
    assert result.failures == [] and stored(table) == {}
    [letter] = dead_letters(sqs, dlq_url)
    assert letter["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == reason


def test_an_empty_batch_stores_nothing_and_is_done(consumer, aws):
    table, sqs, dlq_url = aws
    result = process(consumer, aws, [message("m1", "sendgrid", [])])
    assert result.failures == [] and stored(table) == {} and dead_letters(sqs, dlq_url) == []


@pytest.mark.parametrize("mode", ["last-write-wins", "first-write-wins"])
def test_a_retried_batch_never_duplicates_or_loses_an_element(consumer, aws, mode, monkeypatch):
    """One element's write fails: the whole message is retried, and its redelivery writes the same
    keys again (the stored ones unchanged, none twice, the missing one now)."""
    table, _, _ = aws
    if mode == "last-write-wins":
        throttle_keys(table, {"sendgrid#sg-2"})
    else:
        real_put = table.put_item
        refused = {"sendgrid#sg-2"}

        def throttled_put(**kwargs: Any) -> Any:
            if kwargs["Item"]["eventId"] in refused:
                raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}, "PutItem")
            return real_put(**kwargs)

        monkeypatch.setattr(table, "put_item", throttled_put)
    first = process(consumer, aws, [message("m1", "sendgrid", SENDGRID)], mode)
    assert first.failures == ["m1"]
    assert set(stored(table)) == {"sendgrid#sg-1", "sendgrid#sg-3"}
    # The throttling is over; SQS delivers m1 again.
    if mode == "last-write-wins":
        del batch_client(table).batch_write_item  # the throttling is over
    else:
        refused.clear()
    second = process(consumer, aws, [message("m1", "sendgrid", SENDGRID)], mode)
    assert second.failures == []
    items = table.scan()["Items"]
    assert sorted(item["eventId"] for item in items) == ["sendgrid#sg-1", "sendgrid#sg-2", "sendgrid#sg-3"]


def test_elements_of_two_messages_in_one_batch_each_fold_to_their_message(consumer, aws):
    table, _, _ = aws
    throttle_keys(table, {"adyen#8835511210681145"})
    result = process(consumer, aws, [message("m1", "sendgrid", SENDGRID), message("m2", "adyen", ADYEN)])
    assert failures({"batchItemFailures": [{"itemIdentifier": f} for f in result.failures]}) == ["m2"]
    assert "adyen#7914073381342284" in stored(table)


@pytest.mark.parametrize(
    "settings",
    [
        {"event_key": "x-id", "body": "raw", "split": ""},
        {"event_key": "/id", "split": "value"},
        {"event_key": "/id", "split": 3},
        {"event_key": "/id", "split": "/value", "legacy_keys": True},
    ],
    ids=["raw-body", "not-a-pointer", "not-a-string", "legacy"],
)
def test_split_settings_are_checked(settings: dict):
    with pytest.raises(ValueError, match=r"split|legacy_keys"):
        load_sources(json.dumps({"s": settings}))


def test_each_stored_element_is_one_fan_out_event(consumer, aws, bus, monkeypatch):  # noqa: F811 - bus is the fixture
    """With fan-out, every element stored is published once, its detail the element's item and its
    detail-type read inside the element (SendGrid's /event)."""
    _, sqs, target = bus
    monkeypatch.setenv("SOURCES", json.dumps({"sendgrid": {"event_key": "/sg_event_id", "split": "", "detail_type": "/event"}}))
    response = consumer.handler({"Records": [message("m1", "sendgrid", SENDGRID)]}, Context())
    assert response == {"batchItemFailures": []}
    events = sorted(routed(sqs, target), key=lambda event: event["detail"]["eventId"])
    assert [(event["detail-type"], event["detail"]["eventId"]) for event in events] == [
        ("processed", "sendgrid#sg-1"),
        ("delivered", "sendgrid#sg-2"),
        ("open", "sendgrid#sg-3"),
    ]


def test_a_split_graph_notification_is_published_without_its_client_state(consumer, aws, bus, monkeypatch):  # noqa: F811
    """Graph's clientState is the source's shared secret: an element of a split Graph body is one
    notification, published without it, and a detail_type pointing at it finds nothing."""
    import boto3

    _, sqs, target = bus
    secret_arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(Name="graph", SecretString="s3cr3t")["ARN"]
    source = {"event_key": "/id", "split": "/value", "detail_type": "/clientState"}
    source["signature"] = {"scheme": "microsoft-graph", "secret_arn": secret_arn}
    monkeypatch.setenv("SOURCES", json.dumps({"graph": source}))
    monkeypatch.setattr(consumer, "_signing_secrets", None)
    body = {"value": [{"id": "n1", "clientState": "s3cr3t", "changeType": "created"}, {"id": "n2", "clientState": "s3cr3t"}]}
    assert consumer.handler({"Records": [message("m1", "graph", body)]}, Context()) == {"batchItemFailures": []}
    events = routed(sqs, target)
    assert sorted(event["detail"]["eventId"] for event in events) == ["graph#n1", "graph#n2"]
    assert "s3cr3t" not in json.dumps(events)


def test_a_later_record_of_a_key_a_retried_batch_rewrites_is_retried_with_it(consumer, aws):
    """Last write wins: m1 = [sg-1 old, sg-2] with sg-2's write throttled is retried whole, and its
    return writes sg-1 again; so m2 = [sg-1 new], later in the batch, is retried with it (acknowledged,
    m1's return would put sg-1 back to old). Both come back; the batch's latest wins again."""
    table, _, _ = aws
    m1 = [{"sg_event_id": "sg-1", "v": "old"}, {"sg_event_id": "sg-2"}]
    m2 = [{"sg_event_id": "sg-1", "v": "new"}]
    throttle_keys(table, {"sendgrid#sg-2"})
    first = process(consumer, aws, [message("m1", "sendgrid", m1), message("m2", "sendgrid", m2)])
    assert sorted(first.failures) == ["m1", "m2"]
    del batch_client(table).batch_write_item  # the throttling is over
    second = process(consumer, aws, [message("m1", "sendgrid", m1), message("m2", "sendgrid", m2)])
    assert second.failures == []
    assert stored(table)["sendgrid#sg-1"]["v"] == "new"


def test_with_the_ordering_guard_an_element_without_a_version_keeps_the_whole_batch_out(consumer, aws):
    table, sqs, dlq_url = aws
    settings = {
        "TABLE_NAME": TABLE,
        "SOURCES": json.dumps(SOURCES),
        "ORDERING_ATTRIBUTE": "ver",
        "DEAD_LETTER_QUEUE_URL": dlq_url,
    }
    body = [{"sg_event_id": "sg-1", "ver": 1}, {"sg_event_id": "sg-2"}]
    result = consumer.process_batch([message("m1", "sendgrid", body)], consumer.load_config(settings), table, sqs, NO_WAIT, 0)
    assert result.failures == [] and stored(table) == {}
    [letter] = dead_letters(sqs, dlq_url)
    assert letter["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == "missing_version"


def test_a_batch_whose_archive_line_fails_is_retried_once_and_counted_once(consumer, aws, front, monkeypatch):
    """An archived split source: the archive comes first, so nothing of the batch is stored when its line
    cannot be written; the message is retried and counted once in Retried (not once per element)."""
    _, s3, _, _ = front
    table, sqs, dlq_url = aws

    def down(**kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "injected"}}, "PutObject")

    monkeypatch.setattr(s3, "put_object", down)
    sources = {"sendgrid": {"event_key": "/sg_event_id", "split": "", "archive": True}}
    settings = {"TABLE_NAME": TABLE, "SOURCES": json.dumps(sources), "DEAD_LETTER_QUEUE_URL": dlq_url, "PAYLOAD_BUCKET": BUCKET}
    result = consumer.process_batch(
        [message("m1", "sendgrid", SENDGRID), message("m2", "sendgrid", [])],
        consumer.load_config(settings),
        table,
        sqs,
        NO_WAIT,
        0,
        s3=s3,
    )
    assert result.failures == ["m1", "m2"] and stored(table) == {}
    assert result.counts["Retried"] == 2
