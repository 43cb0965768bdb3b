"""Defects a review of the per-record pipeline found: each test fails on the pipeline as first
written (commit 829c4c8) and passes now.

- writes in chunks: a retried earlier record of a key must not come back after a later one was
  acknowledged (last write wins), nor let a later one become the first (first write wins);
- without SOURCES the consumer runs the first releases' single source as a source like any
  other (issue 21): its messages' attributes are checked as any source's (this reverses the
  earlier "no attribute is read without SOURCES");
- a large body keyed by a number is read once more only along the key's path;
- a dead letter SQS cannot carry is retried, never the batch's exception;
- an unexpected error names its stage; a large body's surrogate key and an out-of-range
  receivedAt have their own reasons;
- a number outside DynamoDB's documented range that boto3's serializer lets through is
  unsupported_value (the property test of test_consumer.py found 2.47e-135 stored).
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

import pytest
from botocore.exceptions import ClientError
from envelope import DETAIL_ATTRIBUTE
from pointers import exact_number_at, pointer_value
from test_archive_replay import sqs_record
from test_consumer import NO_WAIT, Context, dead_letters, failures, record, stored, to_item
from test_pipeline import BytesS3, claims_in, peak_bytes, reasons

import sources
import stages
from conftest import TABLE, batch_client
from dead_letters import send_batches, send_to_dead_letter_queue
from pipeline import Poison
from records import MAX_ITEM_BYTES, NumberText

THROTTLED = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "injected"}}


def source_record(message_id: str, document: dict, source: str = "a") -> dict:
    return sqs_record(message_id, json.dumps(document), source)


def chunked_batch(key_record: Any) -> list[dict]:
    """26 records: key k's first record opens the first write chunk (25 items), its second is
    alone in the second chunk."""
    fillers = [key_record(f"f{i}", {"id": f"other-{i}"}) for i in range(1, 25)]
    return [key_record("first", {"id": "k", "v": "first"}), *fillers, key_record("second", {"id": "k", "v": "second"})]


@pytest.fixture
def one_source(consumer, monkeypatch):
    monkeypatch.setenv("SOURCES", json.dumps({"a": {"event_key": "/id"}}))
    return consumer


def redeliver(consumer, batch: list[dict], result_failures: list[str], config: Any, table, sqs) -> Any:
    """What SQS does with batchItemFailures: the same messages again, in the batch's order."""
    again = [message for message in batch if message["messageId"] in result_failures]
    return consumer.process_batch(again, config, table, sqs, NO_WAIT, 0)


# --- 1. write modes across write chunks -----------------------------------------------------------


def test_last_write_wins_never_acknowledges_a_later_record_while_an_earlier_one_is_retried(one_source, aws):
    """The first chunk is throttled: 'first' is retried. Had 'second' been acknowledged,
    the redelivered 'first' would replace it, and the batch's later record would be lost."""
    table, sqs, _ = aws
    client = batch_client(table)
    real = client.batch_write_item
    calls: list[int] = []

    def first_chunk_throttled(RequestItems: dict) -> dict:
        calls.append(len(RequestItems[TABLE]))
        if len(calls) <= NO_WAIT.max_attempts:  # every attempt of the first chunk
            raise ClientError(THROTTLED, "BatchWriteItem")
        return real(RequestItems=RequestItems)

    client.batch_write_item = first_chunk_throttled
    batch = chunked_batch(source_record)
    config = one_source.load_config(dict(os.environ))
    result = one_source.process_batch(batch, config, table, sqs, NO_WAIT, 0)
    assert "first" in result.failures and "second" in result.failures
    assert "a#k" not in stored(table)  # 'second' is not written ahead of the 'first' it must follow
    client.batch_write_item = real
    assert redeliver(one_source, batch, result.failures, config, table, sqs).failures == []
    assert stored(table)["a#k"]["v"] == "second"


def test_last_write_wins_retries_only_the_later_record_when_it_alone_failed(one_source, aws):
    """The earlier record stored, the later one throttled: the later comes back and wins then; the
    earlier stays acknowledged (nothing more is retried than needed)."""
    table, sqs, _ = aws
    client = batch_client(table)
    real = client.batch_write_item

    def second_chunk_throttled(RequestItems: dict) -> dict:
        if len(RequestItems[TABLE]) == 1:
            raise ClientError(THROTTLED, "BatchWriteItem")
        return real(RequestItems=RequestItems)

    client.batch_write_item = second_chunk_throttled
    batch = chunked_batch(source_record)
    config = one_source.load_config(dict(os.environ))
    result = one_source.process_batch(batch, config, table, sqs, NO_WAIT, 0)
    assert result.failures == ["second"]
    client.batch_write_item = real
    redeliver(one_source, batch, result.failures, config, table, sqs)
    assert stored(table)["a#k"]["v"] == "second"


def test_first_write_wins_never_writes_a_later_record_while_the_first_is_retried(one_source, aws, monkeypatch):
    """The first record's conditional put is throttled once: if the later one were written
    meanwhile, the first payload would be refused as a duplicate when it came back."""
    table, sqs, _ = aws
    monkeypatch.setenv("WRITE_MODE", "first-write-wins")
    real_put = table.put_item
    throttled: list[str] = []

    def first_put_throttled_once(**kwargs: Any) -> Any:
        if kwargs["Item"]["eventId"] == "a#k" and not throttled:
            throttled.append(kwargs["Item"]["v"])
            raise ClientError(THROTTLED, "PutItem")
        return real_put(**kwargs)

    table.put_item = first_put_throttled_once
    batch = chunked_batch(source_record)
    config = one_source.load_config(dict(os.environ))
    result = one_source.process_batch(batch, config, table, sqs, NO_WAIT, 0)
    assert throttled == ["first"]
    assert sorted(result.failures) == ["first", "second"]
    assert "a#k" not in stored(table)
    assert redeliver(one_source, batch, result.failures, config, table, sqs).failures == []
    assert stored(table)["a#k"]["v"] == "first"


def test_a_record_whose_spill_is_retried_holds_back_the_later_records_of_its_key(claim_consumer, front, aws, monkeypatch):
    """A large body's spill to S3 fails: the record is retried before it reaches the writer. The
    key's later record must not be acknowledged meanwhile; its earlier one may be."""
    _, s3, _, _ = front
    table, sqs, _ = aws
    real = s3.put_object
    spills: list[str] = []

    def spill_fails_once(**kwargs: Any) -> Any:
        if kwargs["Key"].startswith("items/") and not spills:
            spills.append(kwargs["Key"])
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "injected"}}, "PutObject")
        return real(**kwargs)

    monkeypatch.setattr(s3, "put_object", spill_fails_once)
    batch = [
        source_record("earlier", {"eventId": "k", "v": "earlier"}, "big"),
        source_record("large", {"eventId": "k", "v": "large", "pad": "x" * MAX_ITEM_BYTES}, "big"),
        source_record("later", {"eventId": "k", "v": "later"}, "big"),
    ]
    config = claim_consumer.load_config(dict(os.environ))
    result = claim_consumer.process_batch(batch, config, table, sqs, NO_WAIT, 0, None, s3)
    assert spills and result.failures == ["large", "later"]
    assert stored(table)["big#k"]["v"] == "earlier"
    again = [message for message in batch if message["messageId"] in result.failures]
    assert claim_consumer.process_batch(again, config, table, sqs, NO_WAIT, 0, None, s3).failures == []
    assert stored(table)["big#k"]["v"] == "later"


# --- 2. without SOURCES, the legacy source's attributes are checked like any source's ---------


def attributes(values: dict[str, str]) -> dict[str, dict[str, str]]:
    return {name: {"stringValue": value, "dataType": "String"} for name, value in values.items()}


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"receivedAt": "2024-01-01T00:00:00Z"}, "invalid_attribute"),  # API Gateway writes Unix milliseconds
        ({"receivedAt": "²"}, "invalid_attribute"),
        ({"receivedAt": "9" * 15}, "invalid_attribute"),
        ({"receivedAt": ""}, "invalid_attribute"),
        ({"delivery": "express"}, "unexpected_attribute"),
        ({"delivery": "claim-check"}, "unexpected_attribute"),  # the legacy source is direct
        ({"replayOf": "m0"}, "unexpected_attribute"),  # and not archived
        ({"header.x": "h:1"}, "unexpected_attribute"),  # its route carries no header
    ],
    ids=[
        "ISO receivedAt",
        "superscript receivedAt",
        "15-digit receivedAt",
        "empty receivedAt",
        "delivery express",
        "delivery claim-check",
        "replayOf",
        "header.x",
    ],
)
def test_without_sources_an_attribute_the_first_releases_route_cannot_set_is_refused(consumer, aws, values, reason):
    """Without SOURCES the consumer runs the legacy source, whose route sets only principal and
    requestId (modules/api): anything else came from somewhere else and is refused as for any source."""
    table, sqs, dlq_url = aws
    message = record("m1", json.dumps({"eventId": "e1"}), attributes=attributes(values))
    result = consumer.handler({"Records": [message]}, Context())
    assert result == {"batchItemFailures": []}
    assert stored(table) == {} and reasons(sqs, dlq_url) == {"m1": reason}


def test_without_sources_the_first_releases_attributes_pass_and_the_lag_is_measured(consumer, aws):
    """principal and requestId (the first releases' mapping), and the dead letter's own attributes
    of a redriven message, are the legacy source's; its lag comes from SentTimestamp."""
    table, sqs, _ = aws
    values = {"principal": "alice", "requestId": "r-1", "ingest.failure_reason": "missing_key"}
    message = record("m1", json.dumps({"eventId": "e1"}), attributes=attributes(values))
    config = consumer.load_config({"TABLE_NAME": TABLE})
    result = consumer.process_batch([message], config, table, sqs, NO_WAIT, 0)
    [lag] = result.lags_seconds
    assert lag > 0 and result.failures == [] and set(stored(table)) == {"e1"}


# --- 3. a large body keyed by a number ---------------------------------------------------------------


def test_a_large_body_keyed_by_a_number_is_read_without_keeping_every_number(claim_consumer, aws, monkeypatch):
    """The key comes last, after 5.8 MB of numbers: every number kept as its text cost 25 times the body."""
    table, sqs, _ = aws
    monkeypatch.setenv("SOURCES", json.dumps({"big": {"event_key": "/meta/id", "delivery": "claim-check"}}))
    body = ('{"values": [' + ",".join(["1"] * 2_900_000) + '], "meta": {"id": 1.2345e4}}').encode()
    assert 5_500_000 < len(body) < 6_000_000
    s3 = BytesS3()
    peak, result = peak_bytes(claim_consumer, claims_in(s3, {"n1": body}), table, sqs, s3)
    assert result.failures == [] and result.counts["Stored"] == 1
    assert set(stored(table)) == {"big#12345"}  # the same key a small body gets (records.parse_number)
    assert peak < 8 * len(body), f"peak {peak / 1e6:.0f} MB for a {len(body) / 1e6:.1f} MB body"


def number_texts(text: str) -> Any:
    """The outside oracle: Python's own JSON parser, every number kept as its text."""
    return json.loads(text, parse_int=NumberText, parse_float=NumberText)


POINTER_CASES = [
    ('{"id": 17}', "/id"),
    ('{"id": "x", "id": -0.5e-3}', "/id"),  # a repeated name: the last one counts, as in json.loads
    ('{"id": 1, "other": {"id": 2}, "id": 3}', "/id"),
    ('  {\n"a" : [ 10 , {"b" :[1,2, 30]} ,7 ] }  ', "/a/1/b/2"),
    ('{"a/b": {"m~n": 5}, "a": {"b": 6}}', "/a~1b/m~0n"),
    ('{"\\u0069d": 99, "pad": "\\"}{[,]"}', "/id"),  # an escaped name, brackets inside a string
    ('{"list": [1, 2]}', "/list/2"),  # out of range
    ('{"list": [1, 2]}', "/list/01"),  # a leading zero is no index (RFC 6901)
    ('{"id": "17"}', "/id"),  # a string: not a number
    ('{"id": [17]}', "/id"),
    ('{"a": 1}', "/id"),
    ('{"": 4}', "/"),
]


@pytest.mark.parametrize(("text", "pointer"), POINTER_CASES)
def test_the_number_at_a_pointer_is_the_one_json_loads_puts_there(text, pointer):
    expected = pointer_value(number_texts(text), pointer)
    found = exact_number_at(text, pointer)
    assert found == (expected if isinstance(expected, NumberText) else None)
    assert found is None or isinstance(found, NumberText)


def test_the_number_at_a_pointer_matches_json_loads_on_random_documents():
    rng = random.Random(20)

    def value(depth: int) -> Any:
        kind = rng.choice(["int", "float", "str", "list", "dict"] if depth < 4 else ["int", "float", "str"])
        if kind == "int":
            return rng.randint(-(10**20), 10**20)
        if kind == "float":
            return rng.uniform(-1e6, 1e6)
        if kind == "str":
            return rng.choice(["", "1", "a/b", "~", "é", '"]}'])
        if kind == "list":
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {rng.choice(["a", "b", "a/b", "~0", "1"]): value(depth + 1) for _ in range(rng.randint(0, 4))}

    def pointers(document: Any, prefix: str = "") -> list[str]:
        found = [prefix]
        if isinstance(document, dict):
            for name, child in document.items():
                found += pointers(child, f"{prefix}/{name.replace('~', '~0').replace('/', '~1')}")
        elif isinstance(document, list):
            for index, child in enumerate(document):
                found += pointers(child, f"{prefix}/{index}")
        return found

    checked = 0
    for _ in range(300):
        document = {"k": value(0), "a": value(0)}
        text = json.dumps(document, indent=rng.choice([None, 1]))
        for pointer in pointers(document)[1:]:
            expected = pointer_value(number_texts(text), pointer)
            wanted = expected if isinstance(expected, NumberText) else None
            assert exact_number_at(text, pointer) == wanted, (text, pointer)
            checked += wanted is not None
    assert checked > 100


# --- 4. a dead letter SQS cannot carry --------------------------------------------------------------


@pytest.mark.parametrize("with_sources", [False, True], ids=["no sources", "sources"])
def test_a_body_with_a_lone_surrogate_is_retried_not_the_batch(consumer, aws, monkeypatch, with_sources):
    """The JSON of a Lambda event may escape a lone surrogate, so a body can hold one; such a body
    is invalid_unicode, and cannot be encoded for SQS: it is retried (SQS's redrive moves it)."""
    table, sqs, dlq_url = aws
    if with_sources:
        monkeypatch.setenv("SOURCES", json.dumps({"s": {"event_key": "/eventId"}}))
    message_attributes = attributes({"source": "s", "receivedAt": "1700000000000"}) if with_sources else {}
    bad = record("bad", '{"eventId": "b", "x": "\ud800"}', attributes=message_attributes)
    other_bad = record("other-bad", "not json", attributes=message_attributes)
    good = record("good", json.dumps({"eventId": "g"}), attributes=message_attributes)
    assert failures(consumer.handler({"Records": [bad, other_bad, good]}, Context())) == ["bad"]
    assert set(stored(table)) == {"s#g" if with_sources else "g"}
    assert reasons(sqs, dlq_url) == {"other-bad": "invalid_json"}  # the rest of its send batch went


def test_dead_letter_batches_measure_a_surrogate_body_without_raising():
    pair = (record("bad", "\ud800" * 10), Poison("bad", "invalid_unicode", "-"))
    assert send_batches([pair]) == [[pair]]


def test_a_dead_letter_send_that_raises_leaves_its_records_unsent():
    class Refusing:
        def send_message_batch(self, QueueUrl: str, Entries: list) -> dict:
            raise ValueError("cannot serialize")

    pair = (record("m", "x"), Poison("m", "invalid_json", "-"))
    assert send_to_dead_letter_queue(Refusing(), "url", [pair]) == {"m"}


# --- 5. names, reasons ---------------------------------------------------------------------------------


def test_every_stage_has_its_own_name():
    """An unexpected error's detail names the stage ("ValueError in verify"), not "<lambda>"."""
    legacy = sources.load_sources(sources.legacy_setting("eventId"))
    context: Any = stages.Context(legacy, "eventId", {}, None, None, {}, {}, 0.0, None, lambda item, size: None)
    names = [stage.__name__ for stage in stages.stages(context)]  # one list, whatever the sources
    assert names == [
        "find_source",
        "check_attributes",
        "wait_for_secret",
        "resolve",
        "read_body",
        "verify",
        "archive",
        "judge",
        "spill_body",
        "enqueue",
    ]


def test_an_unexpected_error_names_the_stage_it_came_from(one_source, aws, monkeypatch):
    _, sqs, dlq_url = aws

    def broken(*args: Any) -> Any:
        raise ValueError("payload")

    monkeypatch.setattr(stages, "body_document", broken)  # called by the stage judge
    assert one_source.handler({"Records": [source_record("m1", {"id": "x"})]}, Context()) == {"batchItemFailures": []}
    [letter] = dead_letters(sqs, dlq_url)
    assert letter["MessageAttributes"][DETAIL_ATTRIBUTE]["StringValue"] == "ValueError in judge"


@pytest.mark.parametrize("pad", [10, MAX_ITEM_BYTES + 10], ids=["small body", "large body"])
def test_a_key_with_a_lone_surrogate_is_invalid_unicode_whatever_the_body_size(claim_consumer, aws, pad):
    table, sqs, dlq_url = aws
    body = '{"eventId": "\\ud800", "pad": "' + "x" * pad + '"}'
    message = sqs_record("bad", body, "big")
    assert claim_consumer.handler({"Records": [message]}, Context()) == {"batchItemFailures": []}
    assert reasons(sqs, dlq_url) == {"bad": "invalid_unicode"} and stored(table) == {}


@pytest.mark.parametrize(
    ("received_at", "reason"),
    [("9" * 14, "invalid_attribute"), ("9" * 15, "invalid_attribute"), ("9" * 13, None)],
    ids=["14 digits", "15 digits", "13 digits (year 2286)"],
)
def test_received_at_beyond_unix_milliseconds_of_13_digits_is_an_invalid_attribute(one_source, aws, received_at, reason):
    table, sqs, dlq_url = aws
    message = sqs_record("m1", json.dumps({"id": "x"}), "a", received_ms=int(received_at))
    assert one_source.handler({"Records": [message]}, Context()) == {"batchItemFailures": []}
    if reason is None:
        assert stored(table)["a#x"]["_receivedAt"] == "2286-11-20T17:46:39.999Z"
    else:
        assert reasons(sqs, dlq_url) == {"m1": reason} and stored(table) == {}


@pytest.mark.parametrize(
    ("number", "storable"),
    [
        *[("1e-130", True), ("-1E-130", True), ("9.9999999999999999999999999999999999999E+125", True), ("0.0", True)],
        *[("1e-131", False), ("-2.5e-135", False), ("1E+126", False)],
    ],
)
def test_numbers_are_refused_exactly_outside_dynamodbs_documented_range(number, storable):
    """DynamoDB, "Data types: Number": magnitudes from 1E-130 to 9.99...E+125, and zero."""
    item = to_item("m", '{"eventId": "e", "x": ' + number + "}", "eventId")
    assert isinstance(item, Poison) is not storable
    if not storable:
        assert isinstance(item, Poison) and item.reason == "unsupported_value"
