"""The raw archive and scripts/replay.py, in process against moto: one JSON
Lines object per batch and source with the exact bytes, written before anything
is stored; replay of a time range restores deleted items once, signed ones too."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from test_claim_check import big_json, queued
from test_consumer import Context, dead_letters, stored
from test_consumer_signatures import STRIPE_SECRET
from test_signatures import NOW, sign_stripe

import replay
from claim_check import ARCHIVE_PREFIX
from conftest import BUCKET


@pytest.fixture
def archiving(claim_consumer, monkeypatch):
    sources = json.loads(os.environ["SOURCES"])
    sources["big"]["archive"] = True
    sources["stripe"]["archive"] = True
    sources["plain"] = {"event_key": "/eventId"}
    monkeypatch.setenv("SOURCES", json.dumps(sources))
    return claim_consumer


def sqs_record(message_id: str, body: str, source: str, received_ms: int = (NOW + 1) * 1000, headers: dict | None = None) -> dict:
    attributes = {
        "source": {"stringValue": source, "dataType": "String"},
        "receivedAt": {"stringValue": str(received_ms), "dataType": "String"},
        "requestId": {"stringValue": f"req-{message_id}", "dataType": "String"},
    }
    for name, value in (headers or {}).items():
        attributes[f"header.{name}"] = {"stringValue": f"h:{value}", "dataType": "String"}
    return {
        "messageId": message_id,
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(received_ms)},
        "messageAttributes": attributes,
    }


def archive_objects(s3) -> dict[str, list[dict]]:
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=ARCHIVE_PREFIX).get("Contents", [])
    return {
        entry["Key"]: [json.loads(line) for line in s3.get_object(Bucket=BUCKET, Key=entry["Key"])["Body"].read().splitlines()]
        for entry in listing
    }


def test_one_object_per_batch_and_source_with_the_exact_bytes(archiving, front, aws):
    _, s3, _, _ = front
    table, _, _ = aws
    stripe_body = json.dumps({"id": "evt_1", "name": "Zoë"}, ensure_ascii=False)
    signed = sign_stripe(stripe_body, STRIPE_SECRET, NOW, "")
    batch = [
        sqs_record("a1", json.dumps({"eventId": "e1"}), "big"),
        sqs_record("a2", json.dumps({"eventId": "e2"}), "big"),
        sqs_record("s1", stripe_body, "stripe", headers=signed),
        sqs_record("p1", json.dumps({"eventId": "e3"}), "plain"),
    ]
    assert archiving.handler({"Records": batch}, Context()) == {"batchItemFailures": []}
    objects = archive_objects(s3)
    date = datetime.fromtimestamp(NOW + 1, UTC).strftime("%Y-%m-%d")
    assert sorted(key.rsplit("/", 1)[0] for key in objects) == [
        f"archive/source=big/date={date}",
        f"archive/source=stripe/date={date}",
    ]
    lines = {line["messageId"]: line for lines in objects.values() for line in lines}
    assert set(lines) == {"a1", "a2", "s1"}  # plain is not archived
    assert lines["s1"]["body"].encode() == stripe_body.encode()
    assert lines["s1"]["headers"] == signed and lines["s1"]["receivedAt"] == (NOW + 1) * 1000
    assert lines["s1"]["attributes"] == {"requestId": "req-s1"}
    assert set(stored(table)) == {"big#e1", "big#e2", "stripe#evt_1", "plain#e3"}
    archiving.handler({"Records": [sqs_record("a3", json.dumps({"eventId": "e4"}), "big")]}, Context())
    assert len(archive_objects(s3)) == 3  # the next batch, its own object


def test_an_archive_that_cannot_be_written_keeps_its_records_in_the_queue(archiving, front, aws, monkeypatch):
    _, s3, _, _ = front
    table, sqs, dlq_url = aws

    def down(**kwargs):
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "injected"}}, "PutObject")

    monkeypatch.setattr(s3, "put_object", down)
    batch = [sqs_record("a1", json.dumps({"eventId": "e1"}), "big"), sqs_record("p1", json.dumps({"eventId": "e3"}), "plain")]
    assert archiving.handler({"Records": batch}, Context()) == {"batchItemFailures": [{"itemIdentifier": "a1"}]}
    assert set(stored(table)) == {"plain#e3"} and dead_letters(sqs, dlq_url) == []


def run_replay(s3, sqs, queue_url, source: str, execute: bool = True, max_messages: int = 100) -> replay.ReplayResult:
    return replay.replay(
        s3,
        sqs,
        BUCKET,
        queue_url,
        source,
        datetime.fromtimestamp(NOW - 60, UTC),
        datetime.fromtimestamp(NOW + 60, UTC),
        max_messages=max_messages,
        execute=execute,
    )


def test_replaying_a_range_restores_deleted_items_once(archiving, front, aws):
    _, s3, sqs, queue_url = front
    table, _, _ = aws
    stripe_body = json.dumps({"id": "evt_9", "amount": 5})
    batch = [
        sqs_record("a1", json.dumps({"eventId": "e1"}), "big"),
        sqs_record("a2", big_json("e-large", 300_000).decode(), "big"),  # over the queue's 256 KiB
        sqs_record("late", json.dumps({"eventId": "outside"}), "big", received_ms=(NOW + 3600) * 1000),
        sqs_record("s1", stripe_body, "stripe", headers=sign_stripe(stripe_body, STRIPE_SECRET, NOW, "")),
    ]
    archiving.handler({"Records": batch}, Context())
    archiving.handler({"Records": batch[:1]}, Context())  # a1 archived twice, as after a retried batch
    before = stored(table)
    for key in before:
        table.delete_item(Key={"eventId": key})

    archived = archive_objects(s3)
    dry = run_replay(s3, sqs, queue_url, "big", execute=False)
    assert (dry.matched, dry.sent) == (2, 0) and queued(sqs, queue_url) == []
    with pytest.raises(replay.TooMany):
        run_replay(s3, sqs, queue_url, "big", max_messages=1)
    assert queued(sqs, queue_url) == []

    for _ in range(2):  # twice: the second run changes nothing
        big = run_replay(s3, sqs, queue_url, "big")
        signed = run_replay(s3, sqs, queue_url, "stripe")
        assert (big.sent, big.claim_checks, signed.sent) == (2, 1, 1)
        records = queued(sqs, queue_url)
        assert len(records) == 3
        assert archiving.handler({"Records": records}, Context()) == {"batchItemFailures": []}
    assert archive_objects(s3) == archived  # replayed messages are not archived again
    after = stored(table)
    assert set(after) == {"big#e1", "big#e-large", "stripe#evt_9"}
    assert after["big#e-large"]["filler"] == before["big#e-large"]["filler"]
    assert after["stripe#evt_9"]["_receivedAt"] == before["stripe#evt_9"]["_receivedAt"]


def test_replay_refuses_a_backwards_range(front):
    _, s3, sqs, queue_url = front
    with pytest.raises(ValueError, match="after"):
        replay.replay(s3, sqs, BUCKET, queue_url, "big", datetime.fromtimestamp(NOW, UTC), datetime.fromtimestamp(NOW - 1, UTC))
