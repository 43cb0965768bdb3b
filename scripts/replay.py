#!/usr/bin/env python3
"""Send archived webhooks through the pipeline again: one source, one time range.

Reads the raw archive (archive/source=<source>/date=<day>/*.jsonl, written by
the consumer) and re-enqueues each message with the exact bytes, headers and
receive time it had, so the consumer runs the same checks (signatures are
verified against the original receive time) and writes the same event keys:
replaying twice stores each item once (first-write-wins keeps it, last-write-wins
rewrites it with the same content). A message archived twice (a retried batch)
is sent once, and a replayed message is not archived again (its envelope's replay_of).

Dry run unless --execute, and bounded: more matching messages than
--max-messages is an error, nothing is sent (narrow the range, or raise it).
A body too large for the queue is sent as a claim check (the bucket's claims/).

Memory is bounded by one archived message, not the range: archive objects are
listed and read one at a time, as streams, in archive order (oldest batch
first). A first pass counts (keeping only message ids) and stops reading at the
first message over --max-messages; a second pass sends, and stops reading once
every counted message is sent.

Usage:
  python3 scripts/replay.py --bucket B --queue-url URL --source S --from 2026-11-27T10:00:00Z --to 2026-11-27T11:00:00Z
                            [--max-messages 1000] [--execute] [--endpoint-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "functions" / "shared"))

from envelope import CLAIM_CHECK, Envelope

from claim_check import Pointer, archive_partition, claim_key

DEFAULT_MAX_MESSAGES = 1000
# Headroom for the attribute names and types SQS counts against the message size.
ATTRIBUTE_OVERHEAD_BYTES = 64


class TooMany(RuntimeError):
    """More messages match than the run may send."""


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def days(start: datetime, end: datetime) -> Iterator[datetime]:
    day = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        yield day
        day += timedelta(days=1)


def in_range(message: Envelope, source: str, start_ms: int, end_ms: int) -> bool:
    return message.source == source and message.received_ms is not None and start_ms <= message.received_ms < end_ms


def archive_keys(s3: Any, bucket: str, source: str, start: datetime, end: datetime) -> Iterator[str]:
    """The source's archive objects for the days of the range, listed a page at a time as they are needed."""
    paginator = s3.get_paginator("list_objects_v2")
    for day in days(start, end):
        for page in paginator.paginate(Bucket=bucket, Prefix=archive_partition(source, day.timestamp())):
            for entry in page.get("Contents", []):
                yield entry["Key"]


# Large enough that a 6 MB body (8 MB as base64) is read in a few chunks: botocore
# joins a line's chunks by concatenation, quadratic in their number.
READ_CHUNK_BYTES = 1 << 20


def archive_lines(s3: Any, bucket: str, source: str, start: datetime, end: datetime) -> Iterator[str]:
    """Each archived line, one object at a time and streamed: only the current line is held."""
    for key in archive_keys(s3, bucket, source, start, end):
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        try:
            for line in body.iter_lines(chunk_size=READ_CHUNK_BYTES):
                yield line.decode("utf-8")
        finally:
            body.close()  # a pass that stops early leaves no connection open


def select(lines: Iterable[str], source: str, start: datetime, end: datetime) -> Iterator[Envelope]:
    """The source's messages received in [start, end), each message id once, in archive order.
    Holds only the ids already seen."""
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    seen: set[str] = set()
    for line in lines:
        if not line.strip():
            continue
        message = Envelope.from_archive_line(line)
        if in_range(message, source, start_ms, end_ms) and message.message_id not in seen:
            seen.add(message.message_id)
            yield message


def direct_message(message: Envelope) -> dict[str, Any]:
    """As API Gateway's SQS mapping sends it (the body, the carried headers), marked as a replay."""
    replayed = replace(message, replay_of=message.message_id)
    return {"MessageBody": message.body.decode("utf-8"), "MessageAttributes": replayed.to_message_attributes()}


def fits_directly(message: Envelope, max_message_size: int) -> bool:
    try:
        payload = direct_message(message)
    except UnicodeDecodeError:
        return False  # SQS carries text only
    size = len(payload["MessageBody"].encode("utf-8")) + sum(
        len(name) + len(value["StringValue"].encode("utf-8")) + ATTRIBUTE_OVERHEAD_BYTES
        for name, value in payload["MessageAttributes"].items()
    )
    return size <= max_message_size


def claim_message(message: Envelope, bucket: str, s3: Any) -> dict[str, Any]:
    """As the front function sends it: the body in claims/, a pointer in the queue."""
    if message.source is None or message.received_ms is None:  # Envelope.from_archive_line reads both
        raise ValueError(f"archived message {message.message_id} has no source or receive time")
    pointer = Pointer(
        bucket=bucket,
        key=claim_key(message.source, message.received_ms / 1000, f"replay-{message.message_id}"),
        size=len(message.body),
        sha256=hashlib.sha256(message.body).hexdigest(),
        content_type=message.headers.get("content-type", "application/octet-stream"),
        headers=message.headers,
    )
    s3.put_object(Bucket=bucket, Key=pointer.key, Body=message.body, ContentType=pointer.content_type)
    replayed = replace(message, delivery=CLAIM_CHECK, replay_of=message.message_id)
    return {"MessageBody": pointer.to_json(), "MessageAttributes": replayed.to_message_attributes()}


@dataclass
class ReplayResult:
    matched: int
    sent: int = 0
    claim_checks: int = 0
    bytes: int = 0


def replay(
    s3: Any,
    sqs: Any,
    bucket: str,
    queue_url: str,
    source: str,
    start: datetime,
    end: datetime,
    max_messages: int = DEFAULT_MAX_MESSAGES,
    execute: bool = False,
) -> ReplayResult:
    if end <= start:
        raise ValueError("--to must be after --from")
    result = ReplayResult(matched=0)
    for message in select(archive_lines(s3, bucket, source, start, end), source, start, end):
        if result.matched == max_messages:  # stop reading at the first message over the limit
            raise TooMany(f"more than --max-messages {max_messages} messages match: nothing sent")
        result.matched += 1
        result.bytes += len(message.body)
    if not execute or result.matched == 0:
        return result
    limit = int(
        sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["MaximumMessageSize"])["Attributes"]["MaximumMessageSize"]
    )
    for message in select(archive_lines(s3, bucket, source, start, end), source, start, end):
        if fits_directly(message, limit):
            payload = direct_message(message)
        else:
            payload = claim_message(message, bucket, s3)
            result.claim_checks += 1
        sqs.send_message(QueueUrl=queue_url, **payload)
        result.sent += 1
        if result.sent == result.matched:
            break  # every counted message is sent: an archive written since is not part of this run
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", required=True, help="the payload bucket (output s3_bucket_id)")
    parser.add_argument("--queue-url", required=True, help="the buffering queue (output sqs_queue_url)")
    parser.add_argument("--source", required=True, help="the webhook source to replay")
    parser.add_argument("--from", dest="start", required=True, type=parse_time, help="ISO 8601, inclusive (UTC if no offset)")
    parser.add_argument("--to", dest="end", required=True, type=parse_time, help="ISO 8601, exclusive")
    parser.add_argument("--max-messages", type=int, default=DEFAULT_MAX_MESSAGES, help="refuse to send more than this")
    parser.add_argument("--execute", action="store_true", help="send (without it, only count what would be sent)")
    parser.add_argument("--endpoint-url", help="AWS endpoint (e.g. a local moto_server)")
    args = parser.parse_args(argv)

    import boto3

    s3 = boto3.client("s3", endpoint_url=args.endpoint_url)
    sqs = boto3.client("sqs", endpoint_url=args.endpoint_url)
    try:
        result = replay(s3, sqs, args.bucket, args.queue_url, args.source, args.start, args.end, args.max_messages, args.execute)
    except (TooMany, ValueError) as error:
        print(f"replay: {error}", file=sys.stderr)
        return 2
    verb = "sent" if args.execute else "would send (dry run; --execute to send)"
    print(
        f"{result.matched} archived messages of {args.source} in range; {verb} {result.sent if args.execute else result.matched}",
        end="",
    )
    print(f", {result.claim_checks} as claim checks, {result.bytes} body bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
