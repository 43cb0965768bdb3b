"""The raw archive: what each archived source sent, exactly, one S3 object per batch.

One object per batch, source and day (JSON Lines), not one per message: S3
bills each PUT, and at batch size 10 that is a tenth of the requests. Each line
holds the exact body (as text when it is UTF-8, else base64), the headers the
source's route carries, the receive time and the message's other attributes
(envelope.Envelope.to_archive_line): all scripts/replay.py needs to send it
again through the same consumer checks.

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

from dataclasses import dataclass, field, replace
from typing import Any

from envelope import Envelope

from claim_check import archive_key, archive_partition

# An object is written once its buffered lines pass this: memory holds at most
# this much per (source, day) besides the record being processed.
FLUSH_BYTES = 5 * 1024 * 1024


def archived_message(envelope: Envelope, source: str, received: float) -> Envelope:
    """A record's envelope as archived: with the source and receive time the stages settled on."""
    return replace(envelope, source=source, received_ms=int(received * 1000))


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

    def add(self, envelope: Envelope, source: str, received: float) -> bool:
        """Buffer one record's line; False when it could not be written (the record must be retried)."""
        message_id = str(envelope.message_id)
        partition = archive_partition(source, received)
        group = self.groups.setdefault(partition, Group(source, received))
        line = (archived_message(envelope, source, received).to_archive_line() + "\n").encode("utf-8")
        group.lines.append(line)
        group.message_ids.append(message_id)
        group.first_seconds = min(group.first_seconds, received)
        group.size += len(line)
        if group.size >= self.flush_bytes:
            self.flush(partition)
        return message_id not in self.failed

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
