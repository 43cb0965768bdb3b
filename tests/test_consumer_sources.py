"""The consumer with SOURCES: keys per source that never collide, the source and
the time SQS received the message on every item, raw bodies, poison per source."""

from __future__ import annotations

import json

import pytest
from pointers import pointer_value
from test_consumer import Context, dead_letters, record, stored

from sources import load_sources

SOURCES = {
    "orders": {"event_key": "/eventId"},
    "stripe": {"event_key": "/id"},
    "github": {"event_key": "x-github-delivery"},
    "twilio": {"event_key": "i-twilio-idempotency-token", "body": "raw"},
}


def carried_headers(headers: dict[str, str]) -> dict:
    """Headers as API Gateway's mapping carries them: header.<name> = "h:" + the value
    (a missing header arrives as "h:" alone)."""
    return {f"header.{name}": {"stringValue": f"h:{value}", "dataType": "String"} for name, value in headers.items()}


def from_source(message_id: str, body: str, source: str | None, event_key: str | None = None) -> dict:
    attributes = {}
    if source is not None:
        attributes["source"] = {"stringValue": source, "dataType": "String"}
        key_header = SOURCES.get(source, {}).get("event_key", "/")
        if not key_header.startswith("/"):
            attributes.update(carried_headers({key_header: event_key or ""}))
    return record(message_id, body, attributes=attributes)


@pytest.fixture
def with_sources(consumer, monkeypatch):
    monkeypatch.setenv("SOURCES", json.dumps(SOURCES))
    return consumer


def test_the_same_id_from_two_sources_is_two_items(with_sources, aws):
    table, _, _ = aws
    response = with_sources.handler(
        {
            "Records": [
                from_source("m1", json.dumps({"eventId": "evt_1", "n": 1}), "orders"),
                from_source("m2", json.dumps({"id": "evt_1", "object": "event"}), "stripe"),
                from_source("m3", json.dumps({"action": "opened"}), "github", event_key="evt_1"),
            ]
        },
        Context(),
    )
    assert response == {"batchItemFailures": []}
    items = stored(table)
    assert set(items) == {"orders#evt_1", "stripe#evt_1", "github#evt_1"}
    assert {key: item["_source"] for key, item in items.items()} == {
        "orders#evt_1": "orders",
        "stripe#evt_1": "stripe",
        "github#evt_1": "github",
    }
    # SentTimestamp 1700000000000 ms, as ISO 8601 UTC
    assert {item["_receivedAt"] for item in items.values()} == {"2023-11-14T22:13:20.000Z"}
    assert items["github#evt_1"]["action"] == "opened"


def test_a_raw_body_is_stored_exactly_under_its_header_key(with_sources, aws):
    table, _, _ = aws
    form = "Body=hello%20world&From=%2B15550001111&MessageSid=SM123"
    with_sources.handler({"Records": [from_source("m1", form, "twilio", event_key="SM123")]}, Context())
    assert stored(table)["twilio#SM123"]["body"] == form


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (from_source("m1", json.dumps({"eventId": "x"}), None), "unknown_source"),  # not through the API
        (from_source("m1", json.dumps({"eventId": "x"}), "payments"), "unknown_source"),
        (from_source("m1", json.dumps({"object": "event"}), "stripe"), "missing_key"),
        (from_source("m1", json.dumps({"id": {"nested": 1}}), "stripe"), "invalid_key"),
        (from_source("m1", json.dumps({"action": "x"}), "github"), "missing_key"),  # no header value
        (from_source("m1", "not json", "orders"), "invalid_json"),
        (from_source("m1", json.dumps({"eventId": "x", "_source": "stripe"}), "orders"), "reserved_attribute"),
    ],
)
def test_what_cannot_be_keyed_is_poison_with_its_reason(with_sources, aws, message, reason):
    table, sqs, dlq_url = aws
    with_sources.handler({"Records": [message]}, Context())
    [dead] = dead_letters(sqs, dlq_url)
    assert dead["MessageAttributes"]["ingest.failure_reason"]["StringValue"] == reason
    assert stored(table) == {}


def test_an_integer_id_is_keyed_as_its_decimal_text(with_sources, aws):
    table, _, _ = aws
    with_sources.handler({"Records": [from_source("m1", json.dumps({"id": 12345}), "stripe")]}, Context())
    assert set(stored(table)) == {"stripe#12345"}


# RFC 6901, section 5: the example document and what each pointer evaluates to.
RFC_6901_DOCUMENT = json.loads(
    r'{"foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8}'
)


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        ("", RFC_6901_DOCUMENT),
        ("/foo", ["bar", "baz"]),
        ("/foo/0", "bar"),
        ("/", 0),
        ("/a~1b", 1),
        ("/c%d", 2),
        ("/e^f", 3),
        ("/g|h", 4),
        ("/i\\j", 5),
        ('/k"l', 6),
        ("/ ", 7),
        ("/m~0n", 8),
    ],
)
def test_json_pointer_follows_rfc_6901(pointer, expected):
    assert pointer_value(RFC_6901_DOCUMENT, pointer) == expected


@pytest.mark.parametrize("pointer", ["/missing", "/foo/2", "/foo/01", "/foo/-", "/foo/0/x"])
def test_json_pointer_to_nothing_is_none(pointer):
    assert pointer_value(RFC_6901_DOCUMENT, pointer) is None


@pytest.mark.parametrize(
    "raw",
    [
        "{}",
        "[]",
        json.dumps({"a#b": {"event_key": "/id"}}),
        json.dumps({"a": {"event_key": "X-Id"}}),
        json.dumps({"a": {"event_key": "/id", "body": "raw"}}),
        json.dumps({"a": {"event_key": "x-id", "body": "xml"}}),
    ],
)
def test_a_wrong_sources_setting_is_a_clear_error(raw):
    with pytest.raises(ValueError, match="SOURCES"):
        load_sources(raw)
