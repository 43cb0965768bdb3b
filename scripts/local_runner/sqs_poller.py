"""Plays an SQS event source mapping: receive a batch, invoke the consumer,
delete only what its batchItemFailures says succeeded (as Lambda does with
ReportBatchItemFailures), leave the rest to come back after the visibility timeout.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .aws import REGION
from .lambda_runtime import LocalFunction


@dataclass
class PollerStats:
    batches: int = 0
    records: int = 0
    deleted: int = 0
    failed: int = 0
    errors: int = 0


def sqs_event_record(message: Mapping[str, Any], queue_arn: str) -> dict:
    attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        attributes[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": base64.b64encode(value["BinaryValue"]).decode() if value.get("BinaryValue") is not None else None,
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value["DataType"],
        }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def succeeded_receipts(records: list[dict], response: Any, report_failures: bool) -> list[str]:
    """Receipt handles to delete, as Lambda decides from the function's response."""
    if not report_failures:
        return [record["receiptHandle"] for record in records]
    failures = (response or {}).get("batchItemFailures") if isinstance(response, Mapping) else None
    if not failures:
        return [record["receiptHandle"] for record in records]  # empty or null: all succeeded
    known = {record["messageId"] for record in records}
    failed_ids = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not identifier or identifier not in known:
            return []  # a malformed itemIdentifier fails the whole batch
        failed_ids.add(identifier)
    return [record["receiptHandle"] for record in records if record["messageId"] not in failed_ids]


class Poller:
    """Plays one event source mapping: receive, invoke, delete what succeeded."""

    def __init__(self, mapping: Mapping[str, Any], function: LocalFunction, sqs: Any, wait_seconds: int = 1) -> None:
        self.mapping = mapping
        self.function = function
        self.sqs = sqs
        self.queue_arn = mapping["EventSourceArn"]
        account, name = self.queue_arn.split(":")[4:6]
        self.queue_url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        self.batch_size = mapping.get("BatchSize", 10)
        self.window = mapping.get("MaximumBatchingWindowInSeconds", 0)
        self.concurrency = (mapping.get("ScalingConfig") or {}).get("MaximumConcurrency") or 2
        self.report_failures = "ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or [])
        self.timeout = function.timeout_seconds
        self.wait_seconds = wait_seconds
        self.stats = PollerStats()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def receive_batch(self) -> list[dict]:
        messages: list[dict] = []
        deadline = time.monotonic() + self.window
        while len(messages) < self.batch_size and not self._stop.is_set():
            received = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(10, self.batch_size - len(messages)),
                WaitTimeSeconds=self.wait_seconds if not messages else 0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages.extend(received)
            if (not received and (messages or self.window == 0)) or time.monotonic() >= deadline:
                break
        return [sqs_event_record(message, self.queue_arn) for message in messages]

    def poll_once(self) -> int:
        records = self.receive_batch()
        if not records:
            return 0
        try:
            response = self.function.invoke({"Records": records})
        except Exception:
            response, delete = None, []  # the whole batch returns after the visibility timeout
            with self._lock:
                self.stats.errors += 1
        else:
            delete = succeeded_receipts(records, response, self.report_failures)
        for start in range(0, len(delete), 10):
            entries = [{"Id": str(i), "ReceiptHandle": handle} for i, handle in enumerate(delete[start : start + 10])]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        with self._lock:
            self.stats.batches += 1
            self.stats.records += len(records)
            self.stats.deleted += len(delete)
            self.stats.failed += len(records) - len(delete)
        return len(records)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                with self._lock:
                    self.stats.errors += 1
                self._stop.wait(0.5)

    def start(self, workers: int | None = None) -> None:
        for index in range(workers or min(self.concurrency, 4)):
            thread = threading.Thread(target=self.run, name=f"poller-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.wait_seconds + self.timeout + 5)
