"""functions/shared/envelope.py: one received webhook, written to SQS attributes and
read back from an SQS Lambda record, written as an archive line and read back, and
the dead letter's rules; hostile records never make it raise.

Outside references: SQS (moto) carries what to_message_attributes writes, and the
Lambda record is built in the shape AWS documents for an SQS event
(https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html, "Example standard queue
message event": messageAttributes name -> {stringValue, stringListValues,
binaryListValues, dataType}). SQS takes at most 10 message attributes
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html);
moto does not enforce that limit, so the contract's figure is checked against the docs' one.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import boto3
import pytest
from contract import ATTRIBUTES
from envelope import (
    CLAIM_CHECK,
    DEAD_LETTER_ATTRIBUTES,
    DIRECT,
    MAX_MESSAGE_ATTRIBUTES,
    Envelope,
    InvalidArchiveLine,
    TooManyAttributes,
    carried_onto_dead_letter,
    header_value,
    received_seconds,
    string_attribute,
)
from moto import mock_aws

# Archive lines written by the code before the envelope (functions/consumer/archive.py
# archived_message + claim_check.archive_line at commit b7d5289), saved before the change:
# a UTF-8 body with a quote and U+2028, carried headers (one the request lacked, left out),
# a principal and a claim check's delivery (not archived); a body that is not UTF-8; nothing.
LINES_BEFORE_THE_ENVELOPE = (
    '{"attributes":{"principal":"alice","requestId":"req-1"},"body":"{\\"id\\": \\"evt_1\\", \\"name\\": \\"Zo\u00eb\\", '
    '\\"q\\": \\"\\\\\\"quoted\\\\\\" \u2028\\"}","headers":{"stripe-signature":"t=1,v1=ab"},"messageId":"m-text",'
    '"receivedAt":1764500000123,"source":"stripe"}',
    '{"attributes":{"requestId":"req-2"},"bodyBase64":"/wD+IGJpbmFyeQ==","headers":{"x-id":"abc"},"messageId":"m-bin",'
    '"receivedAt":1764500001000,"source":"raw"}',
    '{"attributes":{},"body":"{}","headers":{},"messageId":"m-empty","receivedAt":1700000000500,"source":"s"}',
)
# The records those lines were archived from (the archive takes source, time and bytes from the stages).
RECORD_BEFORE = {
    "messageId": "m-text",
    "body": "",
    "messageAttributes": {
        name: {"stringValue": value, "dataType": "String"}
        for name, value in {
            "source": "stripe",
            "receivedAt": "1764500000123",
            "requestId": "req-1",
            "principal": "alice",
            "header.stripe-signature": "h:t=1,v1=ab",
            "header.x-empty": "h:",
            "delivery": "claim-check",
        }.items()
    },
}
HOSTILE_VALUE = 'a "quoted", \\ back\u0000slash ' + "x" * 100_000


def lambda_record(message: dict[str, Any]) -> dict[str, Any]:
    """A ReceiveMessage message in the shape Lambda's SQS event gives it (AWS's documented example)."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": message["Attributes"]["SentTimestamp"]},
        "messageAttributes": {
            name: {
                "stringValue": value["StringValue"],
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
    }


def through_sqs(body: str, attributes: dict[str, Any]) -> dict[str, Any]:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="envelope")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
        (message,) = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], MessageAttributeNames=["All"])["Messages"]
    return lambda_record(message)


# --- SQS attributes ---------------------------------------------------------------------------------


def test_a_direct_envelope_goes_through_sqs_and_comes_back_the_same():
    sent = Envelope(
        source="stripe",
        body=b'{"id": "evt_1"}',
        headers={"stripe-signature": 't=1,v1="x"', "x-big": "y" * 100_000, "x-prefixed": "h:itself"},
        received_ms=1_764_500_000_123,
        request_id="req-1",
        principal="alice",
        replay_of="m-0",
    )
    record = through_sqs(sent.body.decode(), sent.to_message_attributes())
    assert record["messageAttributes"]["header.x-big"]["stringValue"] == "h:" + "y" * 100_000  # the route's form
    assert Envelope.from_record(record) == replace(sent, message_id=record["messageId"])


def test_a_claim_check_carries_its_delivery_and_no_header_attribute():
    sent = Envelope(source="big", body=b"{}", headers={"x-id": "1"}, received_ms=5, request_id="-", delivery=CLAIM_CHECK)
    attributes = sent.to_message_attributes()
    assert sorted(attributes) == ["delivery", "receivedAt", "requestId", "source"]  # the headers are in the pointer
    back = Envelope.from_record(through_sqs('{"claimCheck": {}}', attributes))
    assert (back.delivery, back.source, back.received_ms, back.headers) == (CLAIM_CHECK, "big", 5, {})


def test_the_attribute_names_are_the_contracts():
    attributes = Envelope(
        source="s", body=b"", headers={"h": "v"}, received_ms=1, request_id="r", principal="p"
    ).to_message_attributes()
    names = {ATTRIBUTES[key] for key in ("source", "received_at", "request_id", "principal")}
    assert set(attributes) == names | {ATTRIBUTES["header_prefix"] + "h"}
    assert attributes[ATTRIBUTES["header_prefix"] + "h"]["StringValue"] == ATTRIBUTES["header_value_prefix"] + "v"


def test_the_limit_is_sqss_ten_and_is_refused_beyond_without_the_values():
    assert MAX_MESSAGE_ATTRIBUTES == 10  # the SQS Developer Guide's figure (module docstring)
    base = Envelope(source="s", body=b"", received_ms=1, request_id="r", principal="p", replay_of="m")  # 5 attributes
    five = {f"x-{n}": f"secret-{n}" for n in range(5)}
    assert len(replace(base, headers=five).to_message_attributes()) == 10
    with pytest.raises(TooManyAttributes, match="11 message attributes, SQS takes at most 10") as refused:
        replace(base, headers={**five, "x-5": "secret-5"}).to_message_attributes()
    assert "header.x-5" in str(refused.value) and "secret" not in str(refused.value)
    # A claim check's headers are not attributes: they do not count.
    assert len(replace(base, headers={**five, "x-5": "s"}, delivery=CLAIM_CHECK).to_message_attributes()) == 6


def test_empty_values_are_left_out_as_sqs_refuses_them():
    assert Envelope(source="s", body=b"", request_id="", principal=None).to_message_attributes() == {
        "source": {"DataType": "String", "StringValue": "s"}
    }


# --- reading a record: missing, garbled, hostile ----------------------------------------------------


@pytest.mark.parametrize(
    "record", [None, "text", 7, [], {}, {"messageAttributes": ["x"]}, {"messageAttributes": "x", "attributes": 3}]
)
def test_a_record_that_is_not_one_reads_as_nothing_known(record):
    envelope = Envelope.from_record(record)
    assert (envelope.source, envelope.body, envelope.headers, envelope.received_ms, envelope.message_id) == (
        None,
        b"",
        {},
        None,
        None,
    )
    assert envelope.delivery == DIRECT


def test_attributes_of_the_wrong_type_are_none_never_an_error():
    record = {
        "messageId": 12,
        "body": {"not": "text"},
        "messageAttributes": {
            "source": {"stringValue": 3, "dataType": "String"},
            "receivedAt": {"stringValue": "\u00b2", "dataType": "String"},  # a digit to str.isdigit, not to SQS
            "requestId": ["r"],
            "principal": None,
            "delivery": {"stringValue": "pigeon", "dataType": "String"},
            "header.x-a": {"stringValue": "no h: prefix", "dataType": "String"},
            "header.x-b": {"binaryValue": "aGk=", "dataType": "Binary"},
            "replayOf": {"dataType": "String"},
        },
        "attributes": {"SentTimestamp": 1_764_500_000_000},  # a number, not SQS's string
    }
    envelope = Envelope.from_record(record)
    assert envelope == Envelope(source=None, body=b"", headers={}, received_ms=None, delivery=None)


def test_hostile_header_values_come_back_exactly():
    record = {
        "messageId": "m",
        "body": "\ud800",  # a lone surrogate (Lambda's JSON can hold one): kept, never raised on
        "messageAttributes": {"header.x-evil": {"stringValue": "h:" + HOSTILE_VALUE, "dataType": "String"}},
    }
    envelope = Envelope.from_record(record)
    assert envelope.headers == {"x-evil": HOSTILE_VALUE}
    assert envelope.body == "\ud800".encode("utf-8", "surrogatepass")


def test_the_receive_time_falls_back_to_sqss_sent_timestamp():
    attribute = {"receivedAt": {"stringValue": "1000", "dataType": "String"}}
    assert Envelope.from_record({"messageAttributes": attribute, "attributes": {"SentTimestamp": "2000"}}).received_ms == 1000
    assert Envelope.from_record({"attributes": {"SentTimestamp": "2000"}}).received_ms == 2000
    assert Envelope.from_record({"attributes": {"SentTimestamp": "1" * 14}}).received_ms is None  # past 2286


def test_bytes_given_are_the_body():
    assert Envelope.from_record({"body": ""}, body=b"\xff\x00").body == b"\xff\x00"  # a claim's: need not be UTF-8
    assert Envelope.from_record({"body": "ignored"}, body=b"given").body == b"given"


def test_the_one_attribute_helpers():
    record = {
        "messageAttributes": {
            "receivedAt": {"stringValue": "1764500000123", "dataType": "String"},
            "header.a": {"stringValue": "h:x", "dataType": "String"},
            "header.b": {"stringValue": "x", "dataType": "String"},
            "n": {"stringValue": 1, "dataType": "Number"},
        }
    }
    assert string_attribute(record, "n") is None and string_attribute(record, "missing") is None
    assert (header_value(record, "a"), header_value(record, "b"), header_value(record, "c")) == ("x", "", "")
    assert received_seconds(record) == 1_764_500_000.123


# --- the archive ------------------------------------------------------------------------------------


@pytest.mark.parametrize("line", LINES_BEFORE_THE_ENVELOPE)
def test_a_line_of_an_earlier_release_reads_and_writes_back_byte_for_byte(line):
    assert Envelope.from_archive_line(line).to_archive_line() == line


def test_the_archive_writes_what_it_wrote_before():
    envelope = replace(Envelope.from_record(RECORD_BEFORE), body=LINE_BODY)
    assert envelope.to_archive_line() == LINES_BEFORE_THE_ENVELOPE[0]


LINE_BODY = json.dumps({"id": "evt_1", "name": "Zo\u00eb", "q": '"quoted" \u2028'}, ensure_ascii=False).encode()


def test_an_archive_line_keeps_bytes_that_are_not_utf8_and_hostile_headers():
    envelope = Envelope(source="s", body=b"\xff\xfe", headers={"x": HOSTILE_VALUE}, received_ms=1, message_id="m")
    line = envelope.to_archive_line()
    assert "\n" not in line and json.loads(line)["bodyBase64"] == base64.b64encode(b"\xff\xfe").decode()
    assert Envelope.from_archive_line(line) == envelope


def test_a_line_with_the_receive_time_as_text_still_reads():
    # What tests wrote before (test_replay_limits): replay read it with int().
    line = '{"attributes":{},"body":"{}","headers":{},"messageId":"m","receivedAt":"1000","source":"s"}'
    assert Envelope.from_archive_line(line).received_ms == 1000


@pytest.mark.parametrize(
    "line",
    ["", "not json", "[]", '"text"', "{}", '{"messageId":"m","source":"s","receivedAt":"x","body":""}', '{"bodyBase64":"%%%"}'],
)
def test_anything_else_is_an_invalid_archive_line(line):
    with pytest.raises(InvalidArchiveLine):
        Envelope.from_archive_line(line)


def test_an_envelope_without_id_source_or_time_is_not_archived():
    with pytest.raises(ValueError, match="message id, source and receive time"):
        Envelope(source="s", body=b"", received_ms=1).to_archive_line()


# --- dead letters -----------------------------------------------------------------------------------


def test_a_dead_letter_carries_what_a_redrive_needs_first_and_not_the_old_marks():
    def string(value: str) -> dict[str, str]:
        return {"stringValue": value, "dataType": "String"}

    attributes = {
        "a-user-attribute": string("u"),
        "principal": string("p"),
        "header.x": string("h:1"),
        "source": string("s"),
        "replayOf": string("m"),
        "blob": {"binaryValue": base64.b64encode(b"\x00").decode(), "dataType": "Binary"},
        "garbled": "not an attribute",
        **{name: string("old") for name in DEAD_LETTER_ATTRIBUTES},
    }
    carried = carried_onto_dead_letter(attributes)
    assert list(carried) == ["header.x", "replayOf", "source", "a-user-attribute", "blob", "principal"]
    assert carried["blob"] == {"DataType": "Binary", "BinaryValue": b"\x00"}
    assert all(name.startswith("ingest.") for name in DEAD_LETTER_ATTRIBUTES)  # the names users alarm on
