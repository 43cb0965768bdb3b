"""The raw archive: what each archived source sent, exactly, one S3 object per batch.

One object per batch, source and day (JSON Lines), not one per message: S3
bills each PUT, and at batch size 10 that is a tenth of the requests. Each line
holds the exact body (as text when it is UTF-8, else base64), the headers the
source's route carries, the receive time and the message's other attributes:
all scripts/replay.py needs to send it again through the same consumer checks.

Only what verified is archived (the stage runs after the signature check):
a forged delivery leaves nothing under archive/. Lines are buffered per
(source, day) and an object is written when its buffer passes
FLUSH_BYTES (a batch of large claims then writes several objects, numbered)
or at the end of the batch, and always before the items of its records are
written: a record whose line could not be written is retried, never stored
unarchived. A retried record is archived again; replay sends each message id
once and the table keeps one item per event key.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from claim_check import DELIVERY_ATTRIBUTE, REPLAY_ATTRIBUTE, archive_key, archive_line, archive_partition
from message_attributes import HEADER_ATTRIBUTE_PREFIX, RECEIVED_AT_ATTRIBUTE, SOURCE_ATTRIBUTE
from sources import header_value, string_attribute

# An object is written once its buffered lines pass this: memory holds at most
# this much per (source, day) besides the record being processed.
FLUSH_BYTES = 5 * 1024 * 1024
NOT_ARCHIVED_ATTRIBUTES = (SOURCE_ATTRIBUTE, RECEIVED_AT_ATTRIBUTE, DELIVERY_ATTRIBUTE, REPLAY_ATTRIBUTE)


def archived_message(record: Mapping[str, Any], source: str, received: float, body: bytes) -> dict[str, Any]:
    headers, attributes = {}, {}
    for name in record.get("messageAttributes") or {}:
        value = string_attribute(record, name)
        if value is None or name in NOT_ARCHIVED_ATTRIBUTES:
            continue
        if name.startswith(HEADER_ATTRIBUTE_PREFIX):
            header = name.removeprefix(HEADER_ATTRIBUTE_PREFIX)
            if carried := header_value(record, header):  # a header the request did not have is left out
                headers[header] = carried
        else:
            attributes[name] = value
    message: dict[str, Any] = {
        "messageId": record["messageId"],
        "source": source,
        "receivedAt": int(received * 1000),
        "headers": headers,
        "attributes": attributes,
    }
    try:
        message["body"] = body.decode("utf-8")
    except UnicodeDecodeError:
        message["bodyBase64"] = base64.b64encode(body).decode("ascii")
    return message


@dataclass
class Group:
    """The buffered lines of one (source, day)."""

    source: str
    first_seconds: float
    lines: list[bytes] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)
    size: int = 0


@dataclass
class ArchiveBuffer:
    """Archive lines waiting to be written, per (source, day), bounded by FLUSH_BYTES each."""

    bucket: str
    s3: Any
    batch_id: str
    flush_bytes: int = FLUSH_BYTES
    groups: dict[str, Group] = field(default_factory=dict)
    parts: dict[str, int] = field(default_factory=dict)  # objects written per (source, day) in this batch
    failed: set[str] = field(default_factory=set)  # message ids whose line could not be written

    def add(self, record: Mapping[str, Any], source: str, body: bytes, received: float) -> bool:
        """Buffer one record's line; False when it could not be written (the record must be retried)."""
        partition = archive_partition(source, received)
        group = self.groups.setdefault(partition, Group(source, received))
        line = (archive_line(archived_message(record, source, received, body)) + "\n").encode("utf-8")
        group.lines.append(line)
        group.message_ids.append(record["messageId"])
        group.first_seconds = min(group.first_seconds, received)
        group.size += len(line)
        if group.size >= self.flush_bytes:
            self.flush(partition)
        return record["messageId"] not in self.failed

    def flush(self, partition: str) -> None:
        group = self.groups.pop(partition)
        part = self.parts.get(partition, 0)
        self.parts[partition] = part + 1
        key = archive_key(group.source, group.first_seconds, self.batch_id, part)
        try:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=b"".join(group.lines), ContentType="application/x-ndjson")
        except Exception:  # whatever failed, these lines are not written: their records are retried
            self.failed.update(group.message_ids)

    def flush_all(self) -> set[str]:
        """Write every buffered line; the message ids whose line could not be written, ever, in this batch."""
        for partition in list(self.groups):
            self.flush(partition)
        return self.failed
