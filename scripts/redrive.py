#!/usr/bin/env python3
"""Move messages from a dead-letter queue back to their source queue, once fixed.

Two ways, chosen automatically:
- StartMessageMoveTask (the SQS API behind the console's "Start DLQ redrive"):
  SQS moves the messages itself, at an optional rate; this script waits and
  reports progress.
- a receive/send/delete fallback, for endpoints without that API (emulators):
  a message is deleted from the DLQ only after its copy was sent, so a crash
  or error can duplicate a message (the consumer is idempotent) but never lose one.

Usage:
  python3 scripts/redrive.py --dlq-url URL [--source-url URL] [--dry-run] [--rate N] [--mode auto|move-task|copy]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

# Attributes the consumer adds when it dead-letters a message: dropped on the
# way back, so a message that fails again gets a fresh reason.
CONSUMER_ATTRIBUTE_PREFIX = "ingest."
UNSUPPORTED_CODES = frozenset({"UnsupportedOperation", "InvalidAction", "NotImplemented", "InternalFailure", "500"})


@dataclass
class RedriveResult:
    mode: str
    moved: int
    failed: int = 0
    remaining: int = 0


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


def move_with_task(sqs: Any, dlq_url: str, source_url: str, rate: int | None, poll: Callable[[], None]) -> RedriveResult:
    arguments: dict[str, Any] = {"SourceArn": queue_arn(sqs, dlq_url), "DestinationArn": queue_arn(sqs, source_url)}
    if rate:
        arguments["MaxNumberOfMessagesPerSecond"] = rate
    handle = sqs.start_message_move_task(**arguments)["TaskHandle"]
    while True:
        tasks = sqs.list_message_move_tasks(SourceArn=arguments["SourceArn"], MaxResults=1)["Results"]
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


def copy_back(sqs: Any, dlq_url: str, source_url: str, limit: int | None = None) -> RedriveResult:
    """Receive from the DLQ, send to the source, delete only what was sent."""
    moved = failed = 0
    while limit is None or moved < limit:
        batch = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=10 if limit is None else min(10, limit - moved),
            MessageAttributeNames=["All"],
            WaitTimeSeconds=1,
            VisibilityTimeout=60,
        ).get("Messages", [])
        if not batch:
            break
        entries = []
        for index, message in enumerate(batch):
            attributes = {
                name: {key: value for key, value in attribute.items() if key in ("DataType", "StringValue", "BinaryValue")}
                for name, attribute in (message.get("MessageAttributes") or {}).items()
                if not name.startswith(CONSUMER_ATTRIBUTE_PREFIX)
            }
            entry: dict[str, Any] = {"Id": str(index), "MessageBody": message["Body"]}
            if attributes:
                entry["MessageAttributes"] = attributes
            entries.append(entry)
        try:
            response = sqs.send_message_batch(QueueUrl=source_url, Entries=entries)
        except ClientError as error:
            # Nothing was deleted: the batch reappears in the DLQ after its visibility timeout.
            print(f"send failed ({error.response['Error'].get('Code')}); stopping with nothing lost", file=sys.stderr)
            failed += len(batch)
            break
        sent = {int(entry["Id"]) for entry in response.get("Successful", [])}
        failed += len(batch) - len(sent)
        if sent:
            sqs.delete_message_batch(
                QueueUrl=dlq_url,
                Entries=[{"Id": str(i), "ReceiptHandle": batch[i]["ReceiptHandle"]} for i in sorted(sent)],
            )
        moved += len(sent)
        if len(sent) < len(batch):
            break  # something is wrong with the destination: stop rather than spin
    return RedriveResult("copy", moved=moved, failed=failed, remaining=queue_depth(sqs, dlq_url))


def is_unsupported(error: Exception) -> bool:
    if isinstance(error, ClientError):
        response = error.response
        code = str(response.get("Error", {}).get("Code", ""))
        return code in UNSUPPORTED_CODES or response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (404, 500, 501)
    return isinstance(error, NotImplementedError)


def redrive(sqs: Any, dlq_url: str, source_url: str | None, mode: str = "auto", rate: int | None = None, dry_run: bool = False,
            poll: Callable[[], None] = lambda: time.sleep(5)) -> RedriveResult:  # fmt: skip
    source_url = source_url or source_queue_url(sqs, dlq_url)
    waiting = queue_depth(sqs, dlq_url)
    print(f"{waiting} message(s) in {dlq_url} -> {source_url}", flush=True)
    if dry_run or waiting == 0:
        return RedriveResult("dry-run" if dry_run else mode, moved=0, remaining=waiting)
    if mode in ("auto", "move-task"):
        try:
            return move_with_task(sqs, dlq_url, source_url, rate, poll)
        except (ClientError, NotImplementedError) as error:
            if mode == "move-task" or not is_unsupported(error):
                raise
            print("StartMessageMoveTask is not available here: copying message by message", flush=True)
    return copy_back(sqs, dlq_url, source_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dlq-url", required=True, help="URL of the dead-letter queue (output sqs_dead_letter_queue_url)")
    parser.add_argument("--source-url", help="queue to move the messages to (default: the DLQ's only source queue)")
    parser.add_argument("--mode", choices=["auto", "move-task", "copy"], default="auto")
    parser.add_argument("--rate", type=int, help="move task: most messages per second (1-500)")
    parser.add_argument("--dry-run", action="store_true", help="only count what would be moved")
    parser.add_argument("--endpoint-url", help="AWS endpoint (e.g. a local moto_server)")
    args = parser.parse_args(argv)
    if args.rate is not None and not 1 <= args.rate <= 500:
        parser.error("--rate must be between 1 and 500 (SQS's limit)")
    import boto3

    sqs = boto3.client("sqs", endpoint_url=args.endpoint_url)
    result = redrive(sqs, args.dlq_url, args.source_url, args.mode, args.rate, args.dry_run)
    print(f"{result.mode}: moved {result.moved}, failed {result.failed}, {result.remaining} left in the DLQ")
    return 0 if result.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
