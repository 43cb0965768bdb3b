"""Queueing an accepted request: as a claim check (body in S3, pointer in the queue) or directly.

Both answer only once the message is durable; the caller turns any exception
into a 500 so the sender retries, never a partial success. A direct message is
built with the SDK from the Envelope: the body as the message's text, and the
attributes it writes (source, receivedAt, requestId, principal, the carried
headers). A header value is an attribute's value and nothing else, whatever it
holds, so a sender cannot add, drop or change a trusted attribute.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from edge_responses import NO_BODY, NOT_QUEUEABLE, NOT_UTF8, TOO_LARGE
from envelope import MISSING_REQUEST_ID, Envelope

from claim_check import Pointer, claim_key

DEFAULT_CONTENT_TYPE = "application/octet-stream"
# What SQS accepts in a message body and in a string attribute (the XML character set:
# #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF; SendMessage's documentation,
# the set scripts/local_runner/sqs_integration.py refuses too). Anything else is SQS's 400.
NOT_ALLOWED_BY_SQS = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def pointer_for(envelope: Envelope, bucket: str, content_type: str | None) -> Pointer:
    """One claim per request: keyed by API Gateway's request id, else by the body's digest."""
    digest = hashlib.sha256(envelope.body).hexdigest()
    assert envelope.source is not None and envelope.received_ms is not None
    request_id = envelope.request_id if envelope.request_id != MISSING_REQUEST_ID else None
    return Pointer(
        bucket=bucket,
        key=claim_key(envelope.source, envelope.received_ms / 1000, request_id or digest[:20]),
        size=len(envelope.body),
        sha256=digest,
        content_type=content_type or DEFAULT_CONTENT_TYPE,
        headers=envelope.headers,
    )


def store_claim(s3: Any, sqs: Any, queue_url: str, envelope: Envelope, pointer: Pointer) -> dict[str, Any]:
    """The body to S3, then its pointer to the queue: the receipt, once both are durable."""
    s3.put_object(
        Bucket=pointer.bucket,
        Key=pointer.key,
        Body=envelope.body,
        ContentType=pointer.content_type,
        ChecksumSHA256=base64.b64encode(bytes.fromhex(pointer.sha256)).decode(),
    )
    sent = sqs.send_message(QueueUrl=queue_url, MessageBody=pointer.to_json(), MessageAttributes=envelope.to_message_attributes())
    return {"messageId": sent["MessageId"], "size": pointer.size, "sha256": pointer.sha256}


def message_size(body: str, attributes: Mapping[str, Mapping[str, str]]) -> int:
    """What SQS counts against MaximumMessageSize: the body and each attribute's name, type and value, in UTF-8."""
    size = len(body.encode("utf-8"))
    for name, attribute in attributes.items():
        size += sum(len(part.encode("utf-8")) for part in (name, attribute["DataType"], attribute["StringValue"]))
    return size


def direct_message(envelope: Envelope, max_bytes: int) -> tuple[str, dict[str, dict[str, str]]] | dict[str, Any]:
    """(MessageBody, MessageAttributes) of a direct message, or the answer refusing it: SQS
    queues text, takes only its character set, and nothing above the queue's size."""
    if not envelope.body:
        return NO_BODY
    try:
        text = envelope.body.decode("utf-8")  # strict: refuses encoded surrogates and overlong forms too
    except UnicodeDecodeError:
        return NOT_UTF8
    attributes = envelope.to_message_attributes()
    values = [text, *(attribute["StringValue"] for attribute in attributes.values())]
    if any(NOT_ALLOWED_BY_SQS.search(value) for value in values):
        return NOT_QUEUEABLE
    if message_size(text, attributes) > max_bytes:
        return TOO_LARGE
    return text, attributes


def send_direct(sqs: Any, queue_url: str, body: str, attributes: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    sent = sqs.send_message(QueueUrl=queue_url, MessageBody=body, MessageAttributes=dict(attributes))
    return {"messageId": sent["MessageId"]}
