"""The consumer: exact values, poison to the DLQ, duplicates and write modes (retriable failures: test_consumer_retries.py)."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from envelope import REASON_ATTRIBUTE, RECEIVE_COUNT_ATTRIBUTE, SOURCE_ID_ATTRIBUTE

from records import MAX_ITEM_BYTES, Item, Poison, finish_item, parse_body
from store import RetryPolicy, latest_per_key

NO_WAIT = RetryPolicy(max_attempts=4, sleep=lambda _: None)


def record(message_id: str, body: str, receive_count: int = 1, attributes: dict | None = None) -> dict:
    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}",
        "body": body,
        "attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "1700000000000"},
        "messageAttributes": attributes or {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
        "awsRegion": "us-east-1",
    }


def to_item(message_id: str, text: str, partition_key: str) -> Item | Poison:
    """A body as the legacy source's item (keyed by its own attribute), checked as DynamoDB will check it."""
    document = parse_body(text)
    return finish_item(message_id, partition_key, document[partition_key], document)


def body(event_id: Any, **fields: Any) -> str:
    return json.dumps({"eventId": event_id, **fields})


class Context:
    function_name = "consumer-test"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def dead_letters(sqs, dlq_url: str) -> list[dict]:
    messages = []
    while True:
        batch = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            return messages
        for message in batch:
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
        messages.extend(batch)


def stored(table) -> dict[str, dict]:
    return {item["eventId"]: item for item in table.scan()["Items"]}


def failures(response: dict) -> list[str]:
    return [entry["itemIdentifier"] for entry in response["batchItemFailures"]]


# --- values survive exactly ------------------------------------------------------------


def test_floats_big_numbers_nesting_and_unicode_survive_exactly(consumer, aws):
    table, _, _ = aws
    payload = (
        '{"eventId": "évènement-1", "price": 0.1, "total": 12345678901234567890.123456789, '
        '"big": 123456789012345678901234567890, "neg": -1.5e-7, "nested": {"list": [1, 2.5, {"deep": true}], "none": null}, '
        '"emoji": "👍 ✓", "empty": ""}'
    )
    response = consumer.handler({"Records": [record("m1", payload)]}, Context())
    assert response == {"batchItemFailures": []}
    item = stored(table)["évènement-1"]
    assert item["price"] == Decimal("0.1")
    assert item["total"] == Decimal("12345678901234567890.123456789")
    assert item["big"] == Decimal("123456789012345678901234567890")
    assert item["neg"] == Decimal("-1.5e-7")
    assert item["nested"] == {"list": [Decimal(1), Decimal("2.5"), {"deep": True}], "none": None}
    assert item["emoji"] == "👍 ✓"
    assert item["empty"] == ""


def test_empty_batch_returns_empty_failure_list(consumer):
    assert consumer.handler({"Records": []}, Context()) == {"batchItemFailures": []}
    assert consumer.handler({}, Context()) == {"batchItemFailures": []}


# --- poison messages -------------------------------------------------------------------

POISON_CASES = [
    ("not json", "this is not json", "invalid_json"),
    ("NaN", '{"eventId": "a", "x": NaN}', "invalid_json"),
    ("Infinity", '{"eventId": "a", "x": -Infinity}', "invalid_json"),
    ("JSON array", '[{"eventId": "a"}]', "not_an_object"),
    ("JSON string", '"eventId"', "not_an_object"),
    ("JSON number", "42", "not_an_object"),
    ("missing key", '{"id": "a"}', "missing_key"),
    ("null key", '{"eventId": null}', "missing_key"),
    ("empty key", '{"eventId": ""}', "invalid_key"),
    ("numeric key", '{"eventId": 17}', "invalid_key"),
    ("object key", '{"eventId": {"a": 1}}', "invalid_key"),
    ("key over 2048 bytes", json.dumps({"eventId": "é" * 1025}), "invalid_key"),
    ("oversize item", json.dumps({"eventId": "big", "blob": "x" * MAX_ITEM_BYTES}), "too_large"),
    ("33 levels deep", '{"eventId": "deep", "a": ' + "[" * 33 + "]" * 33 + "}", "too_deep"),
    ("39 significant digits", '{"eventId": "n", "x": 123456789012345678901234567890123456789}', "unsupported_value"),
    ("number out of range", '{"eventId": "n", "x": 1e200}', "unsupported_value"),
    # DynamoDB's smallest magnitude is 1E-130 ("Data types: Number"); boto3's serializer admits down to 1E-165.
    ("number under 1E-130", '{"eventId": "n", "x": [1e-130, -2.5e-135]}', "unsupported_value"),
]


@pytest.mark.parametrize(("raw_body", "reason"), [c[1:] for c in POISON_CASES], ids=[c[0] for c in POISON_CASES])
def test_poison_goes_to_dlq_with_its_reason_and_is_not_a_failure(consumer, aws, raw_body, reason):
    table, sqs, dlq_url = aws
    attributes = {"principal": {"stringValue": "alice", "dataType": "String"}}
    batch = [record("good", body("ok-1")), record("bad", raw_body, receive_count=3, attributes=attributes)]
    response = consumer.handler({"Records": batch}, Context())
    assert response == {"batchItemFailures": []}
    assert set(stored(table)) == {"ok-1"}
    [message] = dead_letters(sqs, dlq_url)
    assert message["Body"] == raw_body
    attrs = message["MessageAttributes"]
    assert attrs[REASON_ATTRIBUTE]["StringValue"] == reason
    assert attrs[SOURCE_ID_ATTRIBUTE]["StringValue"] == "bad"
    assert attrs[RECEIVE_COUNT_ATTRIBUTE]["StringValue"] == "3"
    assert attrs["principal"]["StringValue"] == "alice"


def test_32_levels_of_nesting_are_accepted():
    nested = '{"eventId": "deep", "a": ' + "[" * 32 + "]" * 32 + "}"
    assert isinstance(to_item("m", nested, "eventId"), Item)


def test_item_just_under_the_size_limit_is_accepted():
    overhead = len(body("k", blob="")) + 64
    assert isinstance(to_item("m", body("k", blob="x" * (MAX_ITEM_BYTES - overhead)), "eventId"), Item)


def test_poison_without_dlq_is_reported_as_failure(consumer, aws, monkeypatch):
    monkeypatch.delenv("DEAD_LETTER_QUEUE_URL")
    table, sqs, dlq_url = aws
    response = consumer.handler({"Records": [record("good", body("a")), record("bad", "nope")]}, Context())
    assert failures(response) == ["bad"]
    assert dead_letters(sqs, dlq_url) == []
    assert set(stored(table)) == {"a"}


def test_dlq_send_failure_is_reported_not_lost(consumer, aws, monkeypatch):
    table, sqs, _ = aws

    def broken(**_: Any) -> dict:
        raise EndpointConnectionError(endpoint_url="https://sqs.invalid")

    monkeypatch.setattr(sqs, "send_message_batch", broken)
    response = consumer.handler({"Records": [record("good", body("a")), record("bad", "nope")]}, Context())
    assert failures(response) == ["bad"]
    assert set(stored(table)) == {"a"}


def test_partial_dlq_batch_failure_reports_exactly_the_unsent(consumer, aws, monkeypatch):
    _, sqs, _ = aws
    real = sqs.send_message_batch

    def half_failing(QueueUrl: str, Entries: list) -> dict:
        response = real(QueueUrl=QueueUrl, Entries=Entries[:1])
        response["Failed"] = [{"Id": e["Id"], "SenderFault": False, "Code": "InternalError"} for e in Entries[1:]]
        return response

    monkeypatch.setattr(sqs, "send_message_batch", half_failing)
    batch = [record("bad-1", "x"), record("bad-2", "y"), record("good", body("g"))]
    assert failures(consumer.handler({"Records": batch}, Context())) == ["bad-2"]


# --- duplicates and write modes --------------------------------------------------------


def test_duplicates_in_one_batch_last_write_wins(consumer, aws):
    table, _, _ = aws
    batch = [record("m1", body("k", v=1)), record("m2", body("other")), record("m3", body("k", v=3))]
    assert consumer.handler({"Records": batch}, Context()) == {"batchItemFailures": []}
    items = stored(table)
    assert items["k"]["v"] == 3
    assert set(items) == {"k", "other"}


def test_first_write_wins_keeps_the_first_payload(consumer, aws, monkeypatch):
    table, _, _ = aws
    monkeypatch.setenv("WRITE_MODE", "first-write-wins")
    first = consumer.handler({"Records": [record("m1", body("k", v=1)), record("m2", body("k", v=2))]}, Context())
    second = consumer.handler({"Records": [record("m3", body("k", v=3))]}, Context())
    assert first == second == {"batchItemFailures": []}
    assert stored(table)["k"]["v"] == 1


def test_last_write_wins_across_batches(consumer, aws):
    table, _, _ = aws
    consumer.handler({"Records": [record("m1", body("k", v=1))]}, Context())
    consumer.handler({"Records": [record("m2", body("k", v=2))]}, Context())
    assert stored(table)["k"]["v"] == 2


def test_latest_per_key_maps_every_message_id():
    items = [Item("m1", "a", {}), Item("m2", "b", {}), Item("m3", "a", {"v": 3})]
    merged = latest_per_key(items)
    assert merged["a"] == (Item("m3", "a", {"v": 3}), ["m1", "m3"])
    assert merged["b"][1] == ["m2"]


def test_ttl_is_stamped_when_configured(consumer, aws, monkeypatch):
    table, _, _ = aws
    monkeypatch.setenv("TTL_ATTRIBUTE", "expiresAt")
    monkeypatch.setenv("TTL_DAYS", "7")
    consumer.handler({"Records": [record("m1", body("k"))]}, Context())
    assert abs(int(stored(table)["k"]["expiresAt"]) - (time.time() + 7 * 86400)) < 60


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "TABLE_NAME"),
        ({"TABLE_NAME": "t", "WRITE_MODE": "yolo"}, "WRITE_MODE"),
        ({"TABLE_NAME": "t", "TTL_ATTRIBUTE": "x"}, "together"),
        ({"TABLE_NAME": "t", "TTL_ATTRIBUTE": "x", "TTL_DAYS": "-1"}, "positive"),
    ],
)
def test_bad_configuration_is_a_clear_error(consumer, environ, message):
    with pytest.raises(ValueError, match=message):
        consumer.load_config(environ)


class RecordingEnvironment(dict):
    """An environment that notes every name read from it."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.read: set[str] = set()

    def get(self, name: str, default: Any = None) -> Any:
        self.read.add(name)
        return super().get(name, default)

    def __getitem__(self, name: str) -> Any:
        self.read.add(name)
        return super().__getitem__(name)


def test_the_configuration_reads_only_the_names_its_cache_is_keyed_by(consumer):
    """current_config parses once for the values of CONFIG_NAMES: a name read but not listed would go stale."""
    import consumer_config

    environ = RecordingEnvironment({"TABLE_NAME": "t", "TTL_ATTRIBUTE": "x", "TTL_DAYS": "1", "FAN_OUT_BUS": "bus"})
    consumer.load_config(environ)
    assert environ.read and environ.read <= set(consumer_config.CONFIG_NAMES)


def test_a_warm_consumer_parses_its_configuration_once_and_again_when_it_changes(consumer):
    import consumer_config

    first = {"TABLE_NAME": "t", "SOURCES": json.dumps({"shop": {"event_key": "/id"}})}
    config = consumer_config.current_config(first)
    assert consumer_config.current_config(dict(first)) is config  # the same values: not parsed again
    changed = {**first, "SOURCES": json.dumps({"shop": {"event_key": "/id"}, "mail": {"event_key": "/id"}})}
    assert set(consumer_config.current_config(changed).sources.by_name) == {"shop", "mail"}
    with pytest.raises(ValueError, match="TABLE_NAME"):  # a wrong value is an error on every batch, never cached
        consumer_config.current_config({**first, "TABLE_NAME": ""})
    with pytest.raises(ValueError, match="TABLE_NAME"):
        consumer_config.current_config({**first, "TABLE_NAME": ""})
