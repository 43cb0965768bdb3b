"""Bodies kept in S3: claim checks resolved, and items too large for DynamoDB spilled.

A claim-check message (claim_check.py) carries a pointer instead of the body.
Resolving it gives back what a direct message carries itself: the exact bytes
(never decoded here, so bytes that are not UTF-8 stay exactly as sent) and the
headers the front function kept (work.py puts them on the record's Envelope).
A pointer must name its own source's claims in this deployment's bucket and
carry only the source's carried headers. The resolved claim lives only while
its record is processed; the original record is what goes to the dead-letter
queue, so a redrive resolves the claim again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from envelope import CLAIM_CHECK, DELIVERY_ATTRIBUTE, string_attribute

from claim_check import InvalidPointer, claims_prefix, item_body_key, parse_pointer
from pipeline import Poison, Reason, Retry
from sources import SourceRule

MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


@dataclass(frozen=True)
class StoredBody:
    """The pointer a spilled item holds instead of its body."""

    uri: str
    size: int
    sha256: str
    content_type: str

    def attribute(self) -> dict[str, Any]:
        return {"uri": self.uri, "size": self.size, "sha256": self.sha256, "contentType": self.content_type}


def is_claim_check(record: Mapping[str, Any]) -> bool:
    return string_attribute(record, DELIVERY_ATTRIBUTE) == CLAIM_CHECK


@dataclass(frozen=True)
class Claim:
    """A claim check resolved: what the front function kept in S3 and in the pointer."""

    body: bytes  # the exact bytes, checked against the pointer's size and digest
    headers: Mapping[str, str]  # the source's carried headers, "" for one the request did not have
    content_type: str  # the sender's (a direct route carries none)


def resolve_claim(record: Mapping[str, Any], rule: SourceRule, bucket: str | None, s3: Any) -> Claim | Poison | Retry:
    """The claim, Poison when it can never be read, Retry to read it later."""
    message_id = record["messageId"]
    try:
        pointer = parse_pointer(record.get("body") or "")
    except InvalidPointer as error:
        return Poison(message_id, Reason.CLAIM_CHECK_INVALID, str(error))
    if bucket is None or pointer.bucket != bucket:
        return Poison(message_id, Reason.CLAIM_CHECK_INVALID, "the pointer names a bucket this deployment does not use")
    if not pointer.key.startswith(claims_prefix(rule.name)):
        return Poison(message_id, Reason.CLAIM_CHECK_INVALID, "the pointer names a claim of another source")
    if not set(pointer.headers) <= rule.carried_headers:
        return Poison(message_id, Reason.CLAIM_CHECK_INVALID, "the pointer carries a header its source's route does not")
    try:
        body = s3.get_object(Bucket=pointer.bucket, Key=pointer.key)["Body"].read()
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code"))
        if code in MISSING_CODES:
            return Poison(message_id, Reason.CLAIM_CHECK_MISSING, "the claimed body is gone (expired or deleted)")
        return Retry(message_id, f"S3 {code}")  # throttled, denied, down: the record comes back
    except BotoCoreError as error:
        return Retry(message_id, type(error).__name__)
    if not pointer.matches(body):
        detail = "the stored body's size or SHA-256 differs from the pointer's"
        return Poison(message_id, Reason.CLAIM_CHECK_MISMATCH, detail)
    return Claim(body, pointer.headers, pointer.content_type)


def spill(body: bytes, content_type: str | None, source: str, raw_body: bool, bucket: str, s3: Any) -> StoredBody | None:
    """Write a body too large for DynamoDB (or not UTF-8) where its item will point; None to retry later.
    The media type is the sender's for a claim check (Claim.content_type); a direct route does not carry it."""
    digest = hashlib.sha256(body).hexdigest()
    key = item_body_key(source, digest)
    content_type = content_type or ("application/octet-stream" if raw_body else "application/json")
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
    except (ClientError, BotoCoreError):
        return None
    return StoredBody(f"s3://{bucket}/{key}", len(body), digest, content_type)
