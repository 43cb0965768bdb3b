"""The claim check: a webhook body kept in S3, and the small message pointing at it.

One definition of the pointer and the bucket's layout for everything that
writes or reads them: the front function (writes claims), the consumer
(resolves them, spills large items, archives batches) and scripts/replay.py.

A pointer message is recognised by its `delivery` message attribute, which only
the front function and replay set: a sender controls the body of a direct
message, never its attributes, so no sender can make the consumer read an
object of its choosing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DELIVERY_ATTRIBUTE = "delivery"
CLAIM_CHECK = "claim-check"
# Set by scripts/replay.py to the archived message's id: a replayed message is
# already in the archive, and archiving it again would make the next replay send it twice.
REPLAY_ATTRIBUTE = "replayOf"

# The bucket's prefixes: each function may touch only its own (IAM and lifecycle by prefix).
CLAIMS_PREFIX = "claims/"  # bodies waiting in the queue; expire after the queues' retention
ITEMS_PREFIX = "items/"  # bodies of items larger than DynamoDB holds; kept with the item
ARCHIVE_PREFIX = "archive/"  # the raw archive, one JSON Lines object per batch and source


class InvalidPointer(ValueError):
    """A pointer message whose body is not a pointer this code wrote."""


@dataclass(frozen=True)
class Pointer:
    """Where a body is, and what it must be when read back."""

    bucket: str
    key: str
    size: int
    sha256: str  # hex digest of the exact bytes
    content_type: str
    headers: Mapping[str, str]  # the request headers the source needs, by lower-case name

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def to_json(self) -> str:
        return json.dumps(
            {
                "claimCheck": {
                    "bucket": self.bucket,
                    "key": self.key,
                    "size": self.size,
                    "sha256": self.sha256,
                    "contentType": self.content_type,
                    "headers": dict(self.headers),
                }
            },
            separators=(",", ":"),
            sort_keys=True,
        )

    def matches(self, body: bytes) -> bool:
        return len(body) == self.size and hashlib.sha256(body).hexdigest() == self.sha256


def parse_pointer(text: str) -> Pointer:
    try:
        fields = json.loads(text)["claimCheck"]
        headers = fields.get("headers") or {}
        if not all(isinstance(name, str) and isinstance(value, str) for name, value in headers.items()):
            raise InvalidPointer("headers must map names to strings")
        pointer = Pointer(
            bucket=str(fields["bucket"]),
            key=str(fields["key"]),
            size=int(fields["size"]),
            sha256=str(fields["sha256"]),
            content_type=str(fields.get("contentType") or "application/octet-stream"),
            headers=headers,
        )
    except InvalidPointer:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise InvalidPointer(f"not a claim-check pointer ({type(error).__name__})") from None
    if not pointer.bucket or not pointer.key.startswith(CLAIMS_PREFIX) or pointer.size < 0 or len(pointer.sha256) != 64:
        raise InvalidPointer("the pointer names no claim in this layout")
    return pointer


def day_path(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y/%m/%d")


def claim_key(source: str, received_seconds: float, request_id: str) -> str:
    """One object per request: the request id is unique, so a retried put overwrites only itself."""
    return f"{CLAIMS_PREFIX}{source}/{day_path(received_seconds)}/{request_id}"


def item_body_key(source: str, digest: str) -> str:
    """Content-addressed: the same bytes are one object, whichever message or write mode stored them."""
    return f"{ITEMS_PREFIX}{source}/{digest}"


def archive_partition(source: str, received_seconds: float) -> str:
    """Hive-style partitions (source=, date=) that Athena and Glue read as columns."""
    date = datetime.fromtimestamp(received_seconds, UTC).strftime("%Y-%m-%d")
    return f"{ARCHIVE_PREFIX}source={source}/date={date}/"


def archive_key(source: str, received_seconds: float, batch_id: str) -> str:
    stamp = datetime.fromtimestamp(received_seconds, UTC).strftime("%H%M%S")
    return f"{archive_partition(source, received_seconds)}{stamp}-{batch_id}.jsonl"


def archive_line(message: Mapping[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
