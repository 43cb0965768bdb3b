#!/usr/bin/env python3
"""Move messages from a dead-letter queue back to their source queue, once fixed.

Two ways, chosen automatically:
- StartMessageMoveTask (the SQS API behind the console's "Start DLQ redrive"):
  SQS moves the messages itself, at an optional rate; this script waits and
  reports progress.
- a receive/send/delete copy, for endpoints without that API (emulators) and
  whenever messages are filtered by reason or source: a message is deleted from the DLQ
  only after its copy was sent, so a crash or error can duplicate a message
  (the consumer is idempotent) but never lose one.

A copy moves at most the messages that were in the DLQ when it started: a
message that fails again comes back to the DLQ as a new message, and is left
for the next run instead of going round for ever.

Usage:
  python3 scripts/redrive.py --dlq-url URL [--source-url URL] [--dry-run] [--rate N] [--mode auto|move-task|copy]
                             [--reason R ...] [--exclude-reason R ...]
                             [--webhook-source S ...] [--exclude-webhook-source S ...]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "functions" / "shared"))

# DEAD_LETTER_ATTRIBUTES: what the consumer adds when it dead-letters a message, dropped
# on the way back, so a message that fails again gets a fresh reason. REASON_ATTRIBUTE is one
# of them; SOURCE_ATTRIBUTE names the webhook source a message came from.
from envelope import DEAD_LETTER_ATTRIBUTES, REASON_ATTRIBUTE, SOURCE_ATTRIBUTE

# What a message SQS moved itself after maxReceiveCount (no reason attached) matches.
NO_REASON = "none"
# The source of a deployment without sources.
DEFAULT_SOURCE = "default"
# Messages a copy examined but does not move stay invisible while it runs, so it
# does not meet them again; they are made visible again when it ends.
HOLD_SECONDS = 600
UNSUPPORTED_CODES = frozenset({"UnsupportedOperation", "InvalidAction", "NotImplemented", "InternalFailure", "500"})


@dataclass
class RedriveResult:
    mode: str
    moved: int
    failed: int = 0
    remaining: int = 0
    skipped: int = 0  # left in the DLQ by a filter, or arrived after the run started


@dataclass(frozen=True)
class DeadLetterFilter:
    """Which dead letters to move: by the consumer's failure reason (REASON_ATTRIBUTE), and by
    the webhook source the message came from (SOURCE_ATTRIBUTE)."""

    only: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    exclude_sources: frozenset[str] = frozenset()

    @property
    def active(self) -> bool:
        return bool(self.only or self.exclude or self.sources or self.exclude_sources)

    def matches(self, message: dict) -> bool:
        attributes = message.get("MessageAttributes") or {}
        reason = attributes.get(REASON_ATTRIBUTE, {}).get("StringValue") or NO_REASON
        source = attributes.get(SOURCE_ATTRIBUTE, {}).get("StringValue") or DEFAULT_SOURCE
        return (
            (not self.only or reason in self.only)
            and reason not in self.exclude
            and (not self.sources or source in self.sources)
            and source not in self.exclude_sources
        )


def queue_depth(sqs: Any, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def queue_arn(sqs: Any, queue_url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def source_queue_url(sqs: Any, dlq_url: str) -> str:
    """The one queue whose redrive policy targets this DLQ."""
    urls = sqs.list_dead_letter_source_queues(QueueUrl=dlq_url).get("queueUrls", [])
    if len(urls) != 1:
        raise SystemExit(f"found {len(urls)} source queues for {dlq_url}; name one with --source-url")
    return urls[0]


def start_move_task(sqs: Any, dlq_url: str, source_url: str, rate: int | None) -> tuple[str, str]:
    """(task handle, DLQ ARN). Raises what StartMessageMoveTask raises."""
    arguments: dict[str, Any] = {"SourceArn": queue_arn(sqs, dlq_url), "DestinationArn": queue_arn(sqs, source_url)}
    if rate:
        arguments["MaxNumberOfMessagesPerSecond"] = rate
    return sqs.start_message_move_task(**arguments)["TaskHandle"], arguments["SourceArn"]


def follow_move_task(sqs: Any, source_arn: str, handle: str, poll: Callable[[], None]) -> RedriveResult:
    while True:
        tasks = sqs.list_message_move_tasks(SourceArn=source_arn, MaxResults=1)["Results"]
        task = next((t for t in tasks if t.get("TaskHandle") == handle), tasks[0] if tasks else {})
        moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
        total = int(task.get("ApproximateNumberOfMessagesToMove", moved))
        status = task.get("Status", "UNKNOWN")
        print(f"move task {status}: {moved}/{total} moved", flush=True)
        if status in ("COMPLETED", "CANCELLED", "FAILED"):
            if status != "COMPLETED":
                raise SystemExit(f"move task ended {status}: {task.get('FailureReason', 'no reason given')}")
            return RedriveResult("move-task", moved=moved, remaining=max(0, total - moved))
        poll()


def move_with_task(sqs: Any, dlq_url: str, source_url: str, rate: int | None, poll: Callable[[], None]) -> RedriveResult:
    handle, source_arn = start_move_task(sqs, dlq_url, source_url, rate)
    return follow_move_task(sqs, source_arn, handle, poll)


def sent_at_ms(message: dict) -> int:
    return int((message.get("Attributes") or {}).get("SentTimestamp", 0))


def release(sqs: Any, queue_url: str, receipt_handles: list[str]) -> None:
    """Make held messages visible again at once (best effort: else they return after HOLD_SECONDS)."""
    for start in range(0, len(receipt_handles), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
            for i, handle in enumerate(receipt_handles[start : start + 10])
        ]
        with contextlib.suppress(ClientError):
            sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)


def copy_entry(index: int, message: dict) -> dict[str, Any]:
    attributes = {
        name: {key: value for key, value in attribute.items() if key in ("DataType", "StringValue", "BinaryValue")}
        for name, attribute in (message.get("MessageAttributes") or {}).items()
        if name not in DEAD_LETTER_ATTRIBUTES
    }
    entry: dict[str, Any] = {"Id": str(index), "MessageBody": message["Body"]}
    if attributes:
        entry["MessageAttributes"] = attributes
    return entry


def copy_back(
    sqs: Any,
    dlq_url: str,
    source_url: str,
    limit: int | None = None,
    reasons: DeadLetterFilter = DeadLetterFilter(),
    started_ms: int | None = None,
) -> RedriveResult:
    """Receive from the DLQ, send to the source, delete only what was sent.

    Moves at most `limit` messages (default: the DLQ's depth now), only those
    sent to the DLQ before `started_ms` (default: now) and matching `reasons`.
    """
    started_ms = int(time.time() * 1000) if started_ms is None else started_ms
    limit = queue_depth(sqs, dlq_url) if limit is None else limit
    moved = failed = 0
    seen: set[str] = set()
    held: list[str] = []
    try:
        while moved < limit:
            batch = sqs.receive_message(
                QueueUrl=dlq_url,
                MaxNumberOfMessages=10,
                AttributeNames=["SentTimestamp"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=1,
                VisibilityTimeout=HOLD_SECONDS,
            ).get("Messages", [])
            fresh = [message for message in batch if message["MessageId"] not in seen]
            if not fresh:
                held.extend(message["ReceiptHandle"] for message in batch)
                break  # the DLQ is empty, or only messages already looked at are left
            seen.update(message["MessageId"] for message in batch)
            chosen = [m for m in fresh if sent_at_ms(m) <= started_ms and reasons.matches(m)][: limit - moved]
            held.extend(m["ReceiptHandle"] for m in batch if m not in chosen)
            if not chosen:
                continue
            try:
                response = sqs.send_message_batch(QueueUrl=source_url, Entries=[copy_entry(i, m) for i, m in enumerate(chosen)])
            except ClientError as error:
                # Nothing was deleted: the batch reappears in the DLQ after its visibility timeout.
                print(f"send failed ({error.response['Error'].get('Code')}); stopping with nothing lost", file=sys.stderr)
                failed += len(chosen)
                break
            sent = {int(entry["Id"]) for entry in response.get("Successful", [])}
            failed += len(chosen) - len(sent)
            if sent:
                sqs.delete_message_batch(
                    QueueUrl=dlq_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": chosen[i]["ReceiptHandle"]} for i in sorted(sent)],
                )
            moved += len(sent)
            if len(sent) < len(chosen):
                break  # something is wrong with the destination: stop rather than spin
    finally:
        release(sqs, dlq_url, held)
    skipped = len(seen) - moved - failed
    return RedriveResult("copy", moved=moved, failed=failed, remaining=queue_depth(sqs, dlq_url), skipped=skipped)


def is_unsupported(error: Exception) -> bool:
    if isinstance(error, ClientError):
        response = error.response
        code = str(response.get("Error", {}).get("Code", ""))
        return code in UNSUPPORTED_CODES or response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (404, 500, 501)
    return isinstance(error, NotImplementedError)


def redrive(
    sqs: Any,
    dlq_url: str,
    source_url: str | None,
    mode: str = "auto",
    rate: int | None = None,
    dry_run: bool = False,
    poll: Callable[[], None] = lambda: time.sleep(5),
    reasons: DeadLetterFilter = DeadLetterFilter(),
) -> RedriveResult:
    started_ms = int(time.time() * 1000)
    source_url = source_url or source_queue_url(sqs, dlq_url)
    waiting = queue_depth(sqs, dlq_url)
    print(f"{waiting} message(s) in {dlq_url} -> {source_url}", flush=True)
    if dry_run or waiting == 0:
        return RedriveResult("dry-run" if dry_run else mode, moved=0, remaining=waiting)
    if reasons.active and mode == "move-task":
        raise SystemExit("a move task moves every message: filtering by reason needs --mode copy (or auto)")
    if mode in ("auto", "move-task") and not reasons.active:
        # Only an unsupported *start* falls back: once a task runs, an error while
        # following it must not start a second mover beside it.
        try:
            handle, source_arn = start_move_task(sqs, dlq_url, source_url, rate)
        except (ClientError, NotImplementedError) as error:
            if mode == "move-task" or not is_unsupported(error):
                raise
            print("StartMessageMoveTask is not available here: copying message by message", flush=True)
        else:
            return follow_move_task(sqs, source_arn, handle, poll)
    return copy_back(sqs, dlq_url, source_url, limit=waiting, reasons=reasons, started_ms=started_ms)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dlq-url", required=True, help="URL of the dead-letter queue (output sqs_dead_letter_queue_url)")
    parser.add_argument("--source-url", help="queue to move the messages to (default: the DLQ's only source queue)")
    parser.add_argument("--mode", choices=["auto", "move-task", "copy"], default="auto")
    parser.add_argument("--rate", type=int, help="move task: most messages per second (1-500)")
    parser.add_argument("--dry-run", action="store_true", help="only count what would be moved")
    parser.add_argument(
        "--reason", action="append", default=[], help=f"move only messages with this {REASON_ATTRIBUTE} ('{NO_REASON}': none)"
    )
    parser.add_argument("--exclude-reason", action="append", default=[], help="leave messages with this reason in the DLQ")
    parser.add_argument(
        "--webhook-source",
        action="append",
        default=[],
        help=f"move only messages of this source ('{DEFAULT_SOURCE}' without sources)",
    )
    parser.add_argument("--exclude-webhook-source", action="append", default=[], help="leave messages of this source in the DLQ")
    parser.add_argument("--endpoint-url", help="AWS endpoint (e.g. a local moto_server)")
    args = parser.parse_args(argv)
    if args.rate is not None and not 1 <= args.rate <= 500:
        parser.error("--rate must be between 1 and 500 (SQS's limit)")
    import boto3

    sqs = boto3.client("sqs", endpoint_url=args.endpoint_url)
    reasons = DeadLetterFilter(
        frozenset(args.reason),
        frozenset(args.exclude_reason),
        frozenset(args.webhook_source),
        frozenset(args.exclude_webhook_source),
    )
    result = redrive(sqs, args.dlq_url, args.source_url, args.mode, args.rate, args.dry_run, reasons=reasons)
    print(
        f"{result.mode}: moved {result.moved}, failed {result.failed}, skipped {result.skipped}, "
        f"{result.remaining} left in the DLQ"
    )
    return 0 if result.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
