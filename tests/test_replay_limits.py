"""scripts/replay.py reads the archive as a stream (issue 20, item 11): it stops
listing and downloading at the first message over --max-messages, and it holds
one archive object at a time, not the whole range. In process against moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from envelope import Envelope
from moto import mock_aws

import replay
from claim_check import archive_key

BUCKET = "payloads"
SOURCE = "orders"
NOW = 1_764_000_000  # 2025-11-24T16:00:00Z: one archive day
OBJECTS = 12


class Recording:
    """A client that passes every call through and writes GetObject and SendMessage to a shared log."""

    def __init__(self, client: Any, log: list[tuple[str, str]]) -> None:
        self._client, self._log = client, log

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_object(self, **kwargs: Any) -> Any:
        self._log.append(("get", kwargs["Key"]))
        return self._client.get_object(**kwargs)

    def send_message(self, **kwargs: Any) -> Any:
        self._log.append(("send", json.loads(kwargs["MessageBody"])["n"]))
        return self._client.send_message(**kwargs)


def archived(n: int, received_seconds: int) -> str:
    """One archive line, as the consumer writes it (Envelope.to_archive_line)."""
    return Envelope(
        source=SOURCE,
        body=json.dumps({"eventId": f"e-{n}", "n": f"{n:02d}"}).encode(),
        headers={"content-type": "application/json"},
        received_ms=received_seconds * 1000,
        message_id=f"m-{n:02d}",
    ).to_archive_line()


@pytest.fixture
def stack() -> Iterator[tuple[Recording, Recording, str, list[tuple[str, str]]]]:
    """OBJECTS archive objects of one message each, a second apart, a queue, and the shared call log."""
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        for n in range(OBJECTS):
            key = archive_key(SOURCE, NOW + n, f"batch-{n:02d}")
            s3.put_object(Bucket=BUCKET, Key=key, Body=(archived(n, NOW + n) + "\n").encode())
        log: list[tuple[str, str]] = []
        yield Recording(s3, log), Recording(sqs, log), sqs.create_queue(QueueName="events")["QueueUrl"], log


def run(stack: tuple, max_messages: int, execute: bool, end_offset: int = OBJECTS) -> replay.ReplayResult:
    s3, sqs, queue_url, _ = stack
    start, end = datetime.fromtimestamp(NOW, UTC), datetime.fromtimestamp(NOW + end_offset, UTC)
    return replay.replay(s3, sqs, BUCKET, queue_url, SOURCE, start, end, max_messages=max_messages, execute=execute)


def gets(log: list[tuple[str, str]]) -> list[str]:
    return [key for kind, key in log if kind == "get"]


def test_more_than_the_limit_stops_reading_at_the_first_message_over_it(stack):
    log = stack[3]
    with pytest.raises(replay.TooMany):
        run(stack, max_messages=3, execute=True)
    # Three within the limit and the fourth that passes it; the other eight are never downloaded.
    assert len(gets(log)) == 4
    assert [entry for entry in log if entry[0] == "send"] == []


def test_the_command_line_refuses_after_reading_only_what_passes_the_limit(stack, monkeypatch, capsys):
    s3, sqs, queue_url, log = stack
    monkeypatch.setattr(boto3, "client", lambda service, **_: {"s3": s3, "sqs": sqs}[service])
    arguments = ["--bucket", BUCKET, "--queue-url", queue_url, "--source", SOURCE, "--max-messages", "3", "--execute"]
    arguments += [
        "--from",
        datetime.fromtimestamp(NOW, UTC).isoformat(),
        "--to",
        datetime.fromtimestamp(NOW + OBJECTS, UTC).isoformat(),
    ]
    assert replay.main(arguments) == 2
    assert "more than --max-messages 3" in capsys.readouterr().err
    assert len(gets(log)) == 4 and not any(kind == "send" for kind, _ in log)


def test_within_the_limit_exactly_those_are_sent_one_object_at_a_time(stack):
    log = stack[3]
    result = run(stack, max_messages=3, execute=True, end_offset=3)  # the range holds three messages
    assert (result.matched, result.sent) == (3, 3)
    sending = log[log.index(("send", "00")) - 1 :]
    # The sending pass downloads an object only after the previous one's message is sent:
    # one archived message in memory at a time.
    assert [kind for kind, _ in sending] == ["get", "send"] * 3
    assert [value for kind, value in sending if kind == "send"] == ["00", "01", "02"]
    queued = boto3.client("sqs", region_name="us-east-1").receive_message(QueueUrl=stack[2], MaxNumberOfMessages=10)
    assert sorted(json.loads(message["Body"])["n"] for message in queued["Messages"]) == ["00", "01", "02"]


def test_the_sending_pass_stops_once_every_counted_message_is_sent(stack):
    """Objects past the last match (a retried batch archived again) are read to count, not to send."""
    s3, _, _, log = stack
    duplicate = archive_key(SOURCE, NOW + OBJECTS, "batch-retried")
    s3.put_object(Bucket=BUCKET, Key=duplicate, Body=(archived(0, NOW) + "\n").encode())  # m-00 again, in a later object
    result = run(stack, max_messages=OBJECTS, execute=True, end_offset=OBJECTS + 1)
    assert (result.matched, result.sent) == (OBJECTS, OBJECTS)
    assert gets(log).count(duplicate) == 1  # counted once, never read again to send
