"""The consumer as a per-record pipeline (issue 20): one hostile record never
touches another, what a route cannot produce is refused, only verified traffic is
archived, bodies are stored exactly, memory is bounded by the largest record."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tracemalloc
from typing import Any

import pytest
from botocore.exceptions import ClientError
from envelope import (
    DEAD_LETTER_ATTRIBUTES,
    DROPPED_ATTRIBUTE,
    REASON_ATTRIBUTE,
    RECEIVE_COUNT_ATTRIBUTE,
    SOURCE_ID_ATTRIBUTE,
    received_seconds,
)
from test_archive_replay import archive_objects, sqs_record
from test_claim_check import big_json
from test_consumer import NO_WAIT, Context, dead_letters, failures, record, stored
from test_consumer_signatures import STRIPE_SECRET
from test_signatures import NOW, sign_stripe

import stages
from claim_check import CLAIMS_PREFIX, InvalidPointer, Pointer, parse_pointer
from conftest import BUCKET, TABLE
from dead_letters import dead_letter_entry
from pipeline import Poison

# --- helpers ---------------------------------------------------------------------------------


def attributes(values: dict[str, str]) -> dict[str, dict[str, str]]:
    return {name: {"stringValue": value, "dataType": "String"} for name, value in values.items()}


def with_attributes(message: dict, values: dict[str, str]) -> dict:
    message["messageAttributes"].update(attributes(values))
    return message


def claim_record(message_id: str, source: str, pointer_body: str, extra: dict[str, str] | None = None) -> dict:
    """A claim-check message as the front function sends it (attributes as the event hands them over)."""
    return with_attributes(sqs_record(message_id, pointer_body, source), {"delivery": "claim-check", **(extra or {})})


def put_claim(s3, source: str, name: str, body: bytes, headers: dict[str, str] | None = None) -> str:
    """A claim in the bucket and the pointer to it, as the front function writes them."""
    key = f"{CLAIMS_PREFIX}{source}/2026/09/21/{name}"
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    pointer = Pointer(BUCKET, key, len(body), hashlib.sha256(body).hexdigest(), "application/json", headers or {})
    return pointer.to_json()


def reasons(sqs, dlq_url: str) -> dict[str, str]:
    return {
        letter["MessageAttributes"][SOURCE_ID_ATTRIBUTE]["StringValue"]: letter["MessageAttributes"][REASON_ATTRIBUTE][
            "StringValue"
        ]
        for letter in dead_letters(sqs, dlq_url)
    }


@pytest.fixture
def archiving(claim_consumer, monkeypatch):
    """Claim-check sources big (archived) and stripe (signed, archived), direct source plain,
    and a raw claim-check source forms keyed by a header."""
    sources = json.loads(os.environ["SOURCES"])
    sources["big"]["archive"] = True
    sources["stripe"]["archive"] = True
    sources["plain"] = {"event_key": "/eventId"}
    sources["forms"] = {"event_key": "x-delivery", "body": "raw", "delivery": "claim-check"}
    monkeypatch.setenv("SOURCES", json.dumps(sources))
    return claim_consumer


def good(message_id: str, source: str = "big") -> dict:
    return sqs_record(message_id, json.dumps({"eventId": message_id}), source)


# --- item 1: a hostile record is poison with its reason, the others are stored ---------------

HOSTILE = [
    # A pointer whose size overflows a float: json gives inf, int() raises OverflowError.
    (
        "size 1e999",
        lambda: claim_record(
            "bad",
            "big",
            json.dumps({"claimCheck": {"bucket": BUCKET, "key": "claims/big/x", "size": 0, "sha256": "0" * 64}}).replace(
                '"size": 0', '"size": 1e999'
            ),
        ),
        "claim_check_invalid",
    ),
    # 100,000 "[": json raises RecursionError.
    ("nested pointer", lambda: claim_record("bad", "big", "[" * 100_000), "claim_check_invalid"),
    # U+00B2: str.isdigit() is true, int() refuses it (the archive step read it).
    ("receivedAt superscript two", lambda: with_attributes(good("bad"), {"receivedAt": "²"}), "invalid_attribute"),
]


@pytest.mark.parametrize(("make", "reason"), [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_a_hostile_record_is_dead_lettered_with_its_reason_and_the_batch_is_stored(archiving, aws, make, reason):
    table, sqs, dlq_url = aws
    batch = [good("g1"), make(), good("g2")]
    assert archiving.handler({"Records": batch}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"big#g1", "big#g2"}
    assert reasons(sqs, dlq_url) == {"bad": reason}


STAGES = ["find_source", "resolve", "read_body", "verify", "archive", "judge", "spill_body", "enqueue"]


@pytest.mark.parametrize("stage", STAGES)
def test_an_exception_in_any_stage_poisons_only_its_record_and_never_quotes_it(archiving, aws, monkeypatch, stage):
    table, sqs, dlq_url = aws
    real = getattr(stages, stage)

    def explode_on_bad(work: Any, *args: Any) -> Any:
        if work.message_id == "bad":
            raise ValueError("the secret payload itself")
        return real(work, *args)

    monkeypatch.setattr(stages, stage, explode_on_bad)
    assert archiving.handler({"Records": [good("g1"), good("bad"), good("g2")]}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"big#g1", "big#g2"}
    [letter] = dead_letters(sqs, dlq_url)
    assert letter["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == "unexpected_error"
    assert "secret payload" not in letter["MessageAttributes"]["ingest.failure_detail"]["StringValue"]


@pytest.mark.parametrize(
    "fields",
    [
        {"size": 1e999},
        {"size": 5.0},
        {"size": True},
        {"size": "27"},
        {"size": -1},
        {"bucket": 7},
        {"key": ["claims/big/x"]},
        {"key": "items/big/x"},
        {"sha256": "A" * 64},
        {"sha256": "0" * 63},
        {"headers": ["x"]},
        {"headers": {"x": 1}},
    ],
    ids=repr,
)
def test_a_pointer_of_the_wrong_type_is_refused_as_invalid(fields):
    pointer = {"bucket": BUCKET, "key": "claims/big/x", "size": 27, "sha256": "0" * 64, **fields}
    with pytest.raises(InvalidPointer):
        parse_pointer(json.dumps({"claimCheck": pointer}).replace("Infinity", "1e999"))


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, "{" * 100_000, "[]", '"x"', "null", '{"claimCheck": 1}', "not json"],
    ids=["100000 [", "100000 {", "list", "string", "null", "claimCheck 1", "not json"],
)
def test_a_body_that_is_no_pointer_is_refused_as_invalid(text):
    with pytest.raises(InvalidPointer):
        parse_pointer(text)


# --- item 3: attributes a route does not set ---------------------------------------------------


def test_a_direct_source_claiming_to_be_a_claim_check_is_refused_without_reading_s3(archiving, front, aws, monkeypatch):
    _, s3, _, _ = front
    table, sqs, dlq_url = aws
    pointer = put_claim(s3, "plain", "x", b'{"eventId": "from-s3"}')
    reads: list[str] = []
    real = s3.get_object
    monkeypatch.setattr(s3, "get_object", lambda **kwargs: reads.append(kwargs["Key"]) or real(**kwargs))
    assert archiving.handler({"Records": [claim_record("bad", "plain", pointer), good("g1")]}, Context()) == {
        "batchItemFailures": []
    }
    assert reads == [] and set(stored(table)) == {"big#g1"}
    assert reasons(sqs, dlq_url) == {"bad": "unexpected_attribute"}


def test_a_pointer_to_another_sources_claims_is_refused(archiving, front, aws):
    _, s3, _, _ = front
    table, sqs, dlq_url = aws
    pointer = put_claim(s3, "stripe", "x", b'{"eventId": "stripes-claim"}')  # a claim of stripe, sent as big's
    assert archiving.handler({"Records": [claim_record("bad", "big", pointer), good("g1")]}, Context()) == {
        "batchItemFailures": []
    }
    assert set(stored(table)) == {"big#g1"}
    assert reasons(sqs, dlq_url) == {"bad": "claim_check_invalid"}


def test_a_claims_headers_are_its_pointers_over_any_attribute_of_the_same_header(archiving, front, aws):
    """The front function keeps a claim's headers in its pointer ("" for one the request did
    not have); a header attribute on the message (which the route's carried set allows) never
    takes their place, not even where the pointer's is empty."""
    _, s3, _, _ = front
    table, sqs, dlq_url = aws
    forged = {"header.x-delivery": "h:forged"}
    kept = put_claim(s3, "forms", "kept", b"a=1", {"x-delivery": "real"})
    empty = put_claim(s3, "forms", "empty", b"a=2", {"x-delivery": ""})
    batch = [claim_record("kept", "forms", kept, forged), claim_record("empty", "forms", empty, forged)]
    assert archiving.handler({"Records": batch}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"forms#real"}
    assert reasons(sqs, dlq_url) == {"empty": "missing_key"}


@pytest.mark.parametrize(
    ("extra", "source"),
    [
        ({"foo": "bar"}, "big"),
        ({"header.x-admin": "h:yes"}, "big"),  # a header big's route does not carry
        ({"replayOf": "m0"}, "plain"),  # replays exist only for archived sources
        ({"delivery": "direct"}, "big"),  # a value no producer writes
    ],
    ids=["foo", "uncarried header", "replayOf on an unarchived source", "delivery value"],
)
def test_an_attribute_the_route_cannot_produce_is_poison(archiving, aws, extra, source):
    table, sqs, dlq_url = aws
    bad = with_attributes(good("bad", source), extra)
    assert archiving.handler({"Records": [bad, good("g1")]}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"big#g1"}
    assert reasons(sqs, dlq_url) == {"bad": "unexpected_attribute"}


# Without SOURCES no attribute is checked, as in earlier releases: test_pipeline_review.py.


def redriven(message: dict) -> dict:
    """A message read from the dead-letter queue, as the event source mapping hands it over after a redrive."""
    return {
        "messageId": "redriven-1",
        "body": message["MessageBody"],
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str((NOW + 7200) * 1000)},
        "messageAttributes": {
            name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
            for name, value in message["MessageAttributes"].items()
        },
    }


def test_a_redriven_dead_letter_is_stored_with_the_attributes_the_queue_added(archiving, aws):
    table, _, _ = aws
    original = with_attributes(good("late"), {"principal": "alice"})
    letter = dead_letter_entry("0", original, Poison("late", "rejected_by_dynamodb", "an outage"))
    assert set(DEAD_LETTER_ATTRIBUTES) & set(letter["MessageAttributes"])
    assert archiving.handler({"Records": [redriven(letter)]}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"big#late"}


# --- item 4: only what verified is archived -----------------------------------------------------


def test_a_forged_delivery_is_dead_lettered_and_leaves_nothing_in_the_archive(archiving, front, aws):
    _, s3, _, _ = front
    table, sqs, dlq_url = aws
    body = json.dumps({"id": "evt_forged", "amount": 100})
    forged = sqs_record("forged", body, "stripe", headers=sign_stripe(body, "whsec_not-the-secret", NOW, ""))
    assert archiving.handler({"Records": [forged]}, Context()) == {"batchItemFailures": []}
    assert reasons(sqs, dlq_url) == {"forged": "signature_invalid"}
    assert archive_objects(s3) == {}
    genuine = sqs_record("genuine", body, "stripe", headers=sign_stripe(body, STRIPE_SECRET, NOW, ""))
    assert archiving.handler({"Records": [genuine]}, Context()) == {"batchItemFailures": []}
    [lines] = archive_objects(s3).values()
    assert [line["messageId"] for line in lines] == ["genuine"]
    assert set(stored(table)) == {"stripe#evt_forged"}  # the genuine delivery, whose id the forger copied


# --- item 7: a dead-lettered replay keeps replayOf and delivery ----------------------------------


def test_a_dead_lettered_replay_keeps_replay_of_and_delivery_when_the_budget_is_full():
    """A replayed claim check of a Standard Webhooks source: its three signature headers, the
    route's four attributes, delivery and replayOf are more than a dead letter has room for."""
    headers = {f"header.webhook-{name}": f"h:{name}" for name in ("id", "timestamp", "signature")}
    message = claim_record("m1", "hooks", "{}", {"replayOf": "m0", "principal": "alice", **headers})
    assert len(message["messageAttributes"]) == 9
    kept = dead_letter_entry("0", message, Poison("m1", "claim_check_missing", "-"))["MessageAttributes"]
    assert len(kept) == 10
    assert kept["replayOf"]["StringValue"] == "m0" and kept["delivery"]["StringValue"] == "claim-check"
    assert kept["source"]["StringValue"] == "hooks" and "receivedAt" in kept
    assert set(headers) <= set(kept)  # a redrive verifies the signature again
    assert kept[REASON_ATTRIBUTE]["StringValue"] == "claim_check_missing"
    named = set(kept[DROPPED_ATTRIBUTE]["StringValue"].split(","))
    assert named == set(message["messageAttributes"]) - set(kept) | ({*DEAD_LETTER_ATTRIBUTES} - set(kept) - {DROPPED_ATTRIBUTE})


# --- item 8: bodies that are not UTF-8 ------------------------------------------------------------

NOT_UTF8 = b"\xff\xfe field=caf\xe9 \x80\x81"


def test_a_raw_claim_that_is_not_utf8_is_stored_exactly_in_the_bucket(archiving, front, aws):
    _, s3, _, _ = front
    table, _, _ = aws
    pointer = put_claim(s3, "forms", "f1", NOT_UTF8, headers={"x-delivery": "d-1"})
    assert archiving.handler({"Records": [claim_record("m1", "forms", pointer)]}, Context()) == {"batchItemFailures": []}
    item = stored(table)["forms#d-1"]
    assert "body" not in item
    key = item["_payload"]["uri"].removeprefix(f"s3://{BUCKET}/")
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == NOT_UTF8
    assert item["_payload"]["sha256"] == hashlib.sha256(NOT_UTF8).hexdigest()


def test_a_json_claim_that_is_not_utf8_is_poison_never_altered(archiving, front, aws):
    _, s3, _, _ = front
    table, sqs, dlq_url = aws
    pointer = put_claim(s3, "big", "b1", b'{"eventId": "caf\xe9"}')  # Latin-1, not UTF-8
    assert archiving.handler({"Records": [claim_record("bad", "big", pointer), good("g1")]}, Context()) == {
        "batchItemFailures": []
    }
    assert set(stored(table)) == {"big#g1"} and reasons(sqs, dlq_url) == {"bad": "invalid_utf8"}


# --- item 19: the claim's digest decides ---------------------------------------------------------


def test_a_same_size_tamper_of_a_claim_is_a_mismatch(archiving, front, aws):
    _, s3, _, _ = front
    table, sqs, dlq_url = aws
    sent = b'{"eventId": "pay", "amount": 100}'
    pointer = put_claim(s3, "big", "t1", sent)
    tampered = sent.replace(b"100", b"999")
    assert len(tampered) == len(sent)
    s3.put_object(Bucket=BUCKET, Key=json.loads(pointer)["claimCheck"]["key"], Body=tampered)
    assert archiving.handler({"Records": [claim_record("bad", "big", pointer)]}, Context()) == {"batchItemFailures": []}
    assert stored(table) == {} and reasons(sqs, dlq_url) == {"bad": "claim_check_mismatch"}


def test_a_pointer_matches_only_the_same_size_and_digest():
    body = b"exactly these bytes"
    pointer = Pointer(BUCKET, "claims/big/x", len(body), hashlib.sha256(body).hexdigest(), "text/plain", {})
    assert pointer.matches(body)
    assert not pointer.matches(b"exactly those bytes")  # same size, another digest
    padded = Pointer(BUCKET, "claims/big/x", len(body) + 1, pointer.sha256, "text/plain", {})
    assert not padded.matches(body)  # same digest, another size


# --- item 20: first write wins, with sources -----------------------------------------------------


def test_first_write_wins_with_sources_keeps_the_first_body_and_receipt(archiving, aws, monkeypatch):
    table, _, _ = aws
    monkeypatch.setenv("WRITE_MODE", "first-write-wins")
    first = sqs_record("m1", json.dumps({"eventId": "k", "amount": 1}), "plain", received_ms=(NOW + 1) * 1000)
    later = sqs_record("m2", json.dumps({"eventId": "k", "amount": 2}), "plain", received_ms=(NOW + 90) * 1000)
    assert archiving.handler({"Records": [first]}, Context()) == {"batchItemFailures": []}
    assert archiving.handler({"Records": [later]}, Context()) == {"batchItemFailures": []}
    item = stored(table)["plain#k"]
    assert item["amount"] == 1
    assert item["_receivedAt"].endswith(":21.000Z")  # NOW + 1 s; the later delivery's is NOW + 90 s


def test_write_modes_hold_across_write_chunks(consumer, aws, monkeypatch):
    """More records than one chunk: the key's first record is in the first chunk, its last in the second."""
    table, sqs, _ = aws
    batch = [record("m0", json.dumps({"eventId": "k", "v": 0}))]
    batch += [record(f"f{i}", json.dumps({"eventId": f"fill-{i}"})) for i in range(30)]
    batch += [record("m1", json.dumps({"eventId": "k", "v": 1}))]
    for mode, expected in (("first-write-wins", 0), ("last-write-wins", 1)):
        table.delete_item(Key={"eventId": "k"})
        config = consumer.load_config({"TABLE_NAME": TABLE, "WRITE_MODE": mode})
        assert consumer.process_batch(batch, config, table, sqs, NO_WAIT, 0).failures == []
        assert stored(table)["k"]["v"] == expected, mode


# --- item 23: RFC 6901 and the reserved names ----------------------------------------------------


def test_a_pointer_with_tilde_zero_one_reads_the_member_named_tilde_one(consumer, aws, monkeypatch):
    """RFC 6901, section 4: "~01" is "~1" (~1 is unescaped first), never "/"."""
    table, _, _ = aws
    monkeypatch.setenv("SOURCES", json.dumps({"odd": {"event_key": "/~01"}}))
    message = record("m1", json.dumps({"~1": "tilde-one", "/": "slash"}), attributes=attributes({"source": "odd"}))
    assert consumer.handler({"Records": [message]}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"odd#tilde-one"}


@pytest.mark.parametrize("field", ["_receivedAt", "_source"])
def test_a_body_holding_a_field_the_consumer_sets_is_poison(archiving, aws, field):
    table, sqs, dlq_url = aws
    bad = sqs_record("bad", json.dumps({"eventId": "e", field: "2020-01-01T00:00:00.000Z"}), "plain")
    assert archiving.handler({"Records": [bad]}, Context()) == {"batchItemFailures": []}
    assert stored(table) == {} and reasons(sqs, dlq_url) == {"bad": "reserved_attribute"}


# --- item 24: SQS's limit on a whole SendMessageBatch --------------------------------------------

SQS_BATCH_LIMIT = 256 * 1024  # SendMessageBatch: the sum of the messages, attributes included


def test_dead_letters_are_sent_in_batches_sqs_accepts(consumer, aws, monkeypatch):
    _, sqs, dlq_url = aws
    real = sqs.send_message_batch

    def like_sqs(QueueUrl: str, Entries: list) -> dict:
        size = sum(
            len(entry["MessageBody"].encode())
            + sum(
                len(name) + len(value["DataType"]) + len(value.get("StringValue", "").encode())
                for name, value in entry["MessageAttributes"].items()
            )
            for entry in Entries
        )
        if size > SQS_BATCH_LIMIT:
            raise ClientError(
                {"Error": {"Code": "AWS.SimpleQueueService.BatchRequestTooLong", "Message": "too long"}}, "SendMessageBatch"
            )
        return real(QueueUrl=QueueUrl, Entries=Entries)

    monkeypatch.setattr(sqs, "send_message_batch", like_sqs)
    batch = [record(f"bad-{i}", "not json " + "x" * 60_000) for i in range(8)] + [record("g", json.dumps({"eventId": "g"}))]
    assert failures(consumer.handler({"Records": batch}, Context())) == []
    assert set(reasons(sqs, dlq_url)) == {f"bad-{i}" for i in range(8)}


# --- item 2: memory bounded by the largest record ------------------------------------------------


class BytesS3:
    """An S3 client holding objects in a dict: tracemalloc then sees our allocations, not an emulator's."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def get_object(self, Bucket: str, Key: str) -> dict:
        return {"Body": io.BytesIO(self.objects[Key])}

    def put_object(self, Bucket: str, Key: str, Body: bytes, ContentType: str = "") -> dict:
        self.objects[Key] = len(Body)  # type: ignore[assignment]  # the size is enough, and keeps no copy
        return {}


def claims_in(s3: BytesS3, bodies: dict[str, bytes]) -> list[dict]:
    batch = []
    for name, body in bodies.items():
        key = f"{CLAIMS_PREFIX}big/2026/09/21/{name}"
        s3.objects[key] = body
        pointer = Pointer(BUCKET, key, len(body), hashlib.sha256(body).hexdigest(), "application/json", {})
        batch.append(claim_record(name, "big", pointer.to_json()))
    return batch


def peak_bytes(consumer, batch: list[dict], table, sqs, s3: BytesS3) -> tuple[int, Any]:
    config = consumer.load_config(dict(os.environ))
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = consumer.process_batch(batch, config, table, sqs, NO_WAIT, NOW + 5, None, s3, "bench")
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return peak, result


def test_a_large_body_of_numbers_is_spilled_without_building_its_dynamodb_form(archiving, aws):
    """5.8 MB of numbers cost over 1 GB when converted to DynamoDB types before being found too large."""
    table, sqs, _ = aws
    body = ('{"eventId": "numbers", "values": [' + ",".join(["1.5"] * 1_450_000) + "]}").encode()
    assert 5_500_000 < len(body) < 6_000_000
    s3 = BytesS3()
    peak, result = peak_bytes(archiving, claims_in(s3, {"n1": body}), table, sqs, s3)
    assert result.failures == [] and result.counts["Stored"] == 1
    assert peak < 10 * len(body), f"peak {peak / 1e6:.0f} MB for a {len(body) / 1e6:.1f} MB body"
    assert stored(table)["big#numbers"]["_payload"]["size"] == len(body)


def test_ten_6_mb_claims_with_the_archive_on_need_memory_for_one_not_ten(archiving, aws):
    table, sqs, _ = aws
    s3 = BytesS3()
    bodies = {f"c{i}": big_json(f"evt-{i}", 6_000_000) for i in range(10)}
    batch = claims_in(s3, bodies)
    peak, result = peak_bytes(archiving, batch, table, sqs, s3)
    one = 6_000_000
    assert peak < 4 * one, f"peak {peak / 1e6:.0f} MB for ten claims of {one / 1e6:.0f} MB"
    assert result.failures == [] and result.counts["Stored"] == 10
    archived = [key for key in s3.objects if key.startswith("archive/")]
    assert len(archived) >= 2  # lines written as the buffer filled, not all held to the end


# --- item 2: the archive written as it fills, never after the items --------------------------


def test_a_failed_archive_object_retries_exactly_its_records_and_stores_nothing_of_them(archiving, front, aws, monkeypatch):
    """Three 3 MB records: the first two fill an archive object (5 MB) and are written as the
    third arrives; that object fails, the last one succeeds. The first two are retried and
    not stored; the third is archived and stored."""
    _, s3, _, _ = front
    table, sqs, dlq_url = aws
    real = s3.put_object
    archive_puts: list[str] = []

    def first_archive_object_fails(**kwargs: Any) -> Any:
        if kwargs["Key"].startswith("archive/"):
            archive_puts.append(kwargs["Key"])
            if len(archive_puts) == 1:
                raise ClientError({"Error": {"Code": "SlowDown", "Message": "injected"}}, "PutObject")
        return real(**kwargs)

    monkeypatch.setattr(s3, "put_object", first_archive_object_fails)
    batch = [sqs_record(f"r{i}", big_json(f"e{i}", 3_000_000).decode(), "big") for i in range(3)]
    response = archiving.handler({"Records": batch}, Context())
    assert failures(response) == ["r0", "r1"]
    assert set(stored(table)) == {"big#e2"} and dead_letters(sqs, dlq_url) == []
    assert len(archive_puts) == 2 and archive_puts[0] != archive_puts[1]  # two objects, two names
    [lines] = archive_objects(s3).values()
    assert [line["messageId"] for line in lines] == ["r2"]


# --- item 1: numeric attributes take ASCII digits only ----------------------------------------


@pytest.mark.parametrize(
    "value",
    ["\u00b2", "\u0661" + "\u0660" * 12, "1e12", "-1", "", "1" * 16, "1" * 14],
    ids=["superscript two", "Arabic-Indic digits", "exponent", "negative", "empty", "16 digits", "14 digits (past 2286)"],
)
def test_a_timestamp_that_is_not_ascii_digits_is_not_a_time(value):
    assert received_seconds(record("m", "{}") | {"attributes": {"SentTimestamp": value}}) is None


def test_a_receive_count_that_is_not_ascii_digits_does_not_stop_the_dead_letter():
    message = record("m", "x") | {"attributes": {"ApproximateReceiveCount": "³"}}
    entry = dead_letter_entry("0", message, Poison("m", "invalid_json", "-"))
    assert entry["MessageAttributes"][RECEIVE_COUNT_ATTRIBUTE] == {"DataType": "Number", "StringValue": "1"}


def test_a_key_of_a_billion_digits_is_invalid_not_expanded(archiving, aws):
    table, sqs, dlq_url = aws
    bad = sqs_record("bad", '{"eventId": 1e999999999}', "big")
    assert archiving.handler({"Records": [bad, good("g1")]}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"big#g1"} and reasons(sqs, dlq_url) == {"bad": "invalid_key"}
