"""The claim check: a webhook body kept in S3, and the small message pointing at it.

One definition of the pointer and the bucket's layout for everything that
writes or reads them: the front function (writes claims), the consumer
(resolves them, spills large items, archives batches) and scripts/replay.py.
The message around a pointer, and the archive's lines, are envelope.py's.

A pointer message is recognised by its delivery message attribute, which only
the front function and replay set: a sender controls the body of a direct
message, never its attributes. The consumer honours the attribute only for a
source configured for claim checks (or archived: its replays may be claim
checks) and reads only a pointer naming its own source's claims
(claims_prefix), so no sender can make the consumer read an object of its
choosing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from contract import BUCKET_PREFIXES

# The bucket's prefixes (contract.json, which the Terraform's IAM and lifecycle
# rules read too): each function may touch only its own.
CLAIMS_PREFIX: str = BUCKET_PREFIXES["claims"]  # bodies waiting in the queue; expire after the queues' retention
ITEMS_PREFIX: str = BUCKET_PREFIXES["items"]  # bodies of items larger than DynamoDB holds; kept with the item
ARCHIVE_PREFIX: str = BUCKET_PREFIXES["archive"]  # the raw archive, one JSON Lines object per batch and source


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
        """Both must hold: a tampered claim of the same length differs in its digest only."""
        return len(body) == self.size and hmac.compare_digest(hashlib.sha256(body).hexdigest(), self.sha256)


SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _text(fields: Mapping[str, Any], name: str, default: str | None = None) -> str:
    value = fields.get(name, default)
    if not isinstance(value, str):
        raise InvalidPointer(f"{name} must be a string")
    return value


def parse_pointer(text: str) -> Pointer:
    """The pointer in a claim-check message's body; InvalidPointer for anything this
    code did not write. Types are strict (size an int, not a float or a bool), and
    no input can make it raise anything else: a size of 1e999 or a body of
    100,000 "[" is refused like any other wrong pointer."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError, OverflowError) as error:
        raise InvalidPointer(f"not a claim-check pointer ({type(error).__name__})") from None
    fields = document.get("claimCheck") if isinstance(document, dict) else None
    if not isinstance(fields, dict):
        raise InvalidPointer("not a claim-check pointer (no claimCheck object)")
    headers = fields.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(n, str) and isinstance(v, str) for n, v in headers.items()):
        raise InvalidPointer("headers must map names to strings")
    size = fields.get("size")
    if not isinstance(size, int) or isinstance(size, bool):
        raise InvalidPointer("size must be a whole number")
    pointer = Pointer(
        bucket=_text(fields, "bucket"),
        key=_text(fields, "key"),
        size=size,
        sha256=_text(fields, "sha256"),
        content_type=_text(fields, "contentType", "application/octet-stream") or "application/octet-stream",
        headers=headers,
    )
    if (
        not pointer.bucket
        or not pointer.key.startswith(CLAIMS_PREFIX)
        or pointer.size < 0
        or not SHA256_HEX.fullmatch(pointer.sha256)
    ):
        raise InvalidPointer("the pointer names no claim in this layout")
    return pointer


def claims_prefix(source: str) -> str:
    """Where a source's claims are: a pointer of source A may name nothing else."""
    return f"{CLAIMS_PREFIX}{source}/"


def day_path(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y/%m/%d")


def claim_key(source: str, received_seconds: float, request_id: str) -> str:
    """One object per request: the request id is unique, so a retried put overwrites only itself."""
    return f"{claims_prefix(source)}{day_path(received_seconds)}/{request_id}"


def item_body_key(source: str, digest: str) -> str:
    """Content-addressed: the same bytes are one object, whichever message or write mode stored them."""
    return f"{ITEMS_PREFIX}{source}/{digest}"


def archive_partition(source: str, received_seconds: float) -> str:
    """Hive-style partitions (source=, date=) that Athena and Glue read as columns."""
    date = datetime.fromtimestamp(received_seconds, UTC).strftime("%Y-%m-%d")
    return f"{ARCHIVE_PREFIX}source={source}/date={date}/"


def archive_key(source: str, received_seconds: float, batch_id: str, part: int = 0) -> str:
    """One object per batch, source and day; a batch whose lines pass the consumer's
    buffer writes several, numbered from 1 after the first."""
    stamp = datetime.fromtimestamp(received_seconds, UTC).strftime("%H%M%S")
    suffix = f"-{part}" if part else ""
    return f"{archive_partition(source, received_seconds)}{stamp}-{batch_id}{suffix}.jsonl"
