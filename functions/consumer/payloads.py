"""Bodies kept in S3: claim checks resolved, and items too large for DynamoDB spilled.

A claim-check message (claim_check.py) carries a pointer instead of the body.
Resolving it gives back the record as if the body had come through the queue:
the exact bytes (BODY_BYTES; never decoded here, so bytes that are not UTF-8
stay exactly as sent), and the headers the front function kept, as the
attributes a direct route carries. A pointer must name its own source's claims
in this deployment's bucket and carry only the source's carried headers. The
resolved record lives only while its record is processed; the original record
is what goes to the dead-letter queue, so a redrive resolves the claim again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from claim_check import CLAIM_CHECK, DELIVERY_ATTRIBUTE, InvalidPointer, Pointer, claims_prefix, item_body_key, parse_pointer
from message_attributes import carried_header
from pipeline import Poison, Reason, Retry
from sources import BODY_BYTES, SourceRule, body_bytes, string_attribute

# Where a resolved record keeps its media type (an SQS record has none).
CONTENT_TYPE = "_contentType"
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


def resolved(record: Mapping[str, Any], pointer: Pointer, body: bytes) -> dict[str, Any]:
    attributes = dict(record.get("messageAttributes") or {})
    for name, value in pointer.headers.items():
        attribute, carried = carried_header(name, value)
        attributes[attribute] = {"stringValue": carried, "dataType": "String"}
    return {
        **record,
        "body": "",  # the bytes are in BODY_BYTES: they need not be UTF-8
        "messageAttributes": attributes,
        BODY_BYTES: body,
        CONTENT_TYPE: pointer.content_type,
    }


def resolve_claim(record: Mapping[str, Any], rule: SourceRule, bucket: str | None, s3: Any) -> Mapping[str, Any] | Poison | Retry:
    """The record with its body, Poison when the claim can never be read, Retry to read it later."""
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
    return resolved(record, pointer, body)


def spill(record: Mapping[str, Any], source: str, raw_body: bool, bucket: str, s3: Any) -> StoredBody | None:
    """Write a body too large for DynamoDB (or not UTF-8) where its item will point; None to retry later.
    The media type is the sender's for a claim check; a direct route does not carry it."""
    body = body_bytes(record)
    digest = hashlib.sha256(body).hexdigest()
    key = item_body_key(source, digest)
    content_type = str(record.get(CONTENT_TYPE) or ("application/octet-stream" if raw_body else "application/json"))
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
    except (ClientError, BotoCoreError):
        return None
    return StoredBody(f"s3://{bucket}/{key}", len(body), digest, content_type)
