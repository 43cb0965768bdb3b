"""Sources: where a message came from, and where its key is.

API Gateway's mapping for each source's route adds a static `source` message
attribute (a sender cannot choose it) and carries each header the source needs
(its key header, its signature headers) as the attribute `header.<name>`, the
value prefixed with "h:" so that a missing header still makes a non-empty
attribute (SQS refuses empty ones, which would refuse the whole request at the
edge instead of dead-lettering it with its reason). A signed source's messages
are verified (signatures.py) before their body is even parsed. With SOURCES
configured, every item's key is
"<source>#<id>": source names cannot hold "#", so two sources sending the same
id never meet. Without SOURCES the consumer keys as it always has (the body's
partition-key attribute, unprefixed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from message_attributes import HEADER_ATTRIBUTE_PREFIX, HEADER_VALUE_PREFIX, RECEIVED_AT_ATTRIBUTE, SOURCE_ATTRIBUTE
from records import Item, Poison, finish_item, parse_body
from signatures import HEADER_NAME, Rejected, SignatureRule, load_signature, verify

KEY_SEPARATOR = "#"
# What the consumer adds to each item; a body holding one of these is poison
# (overwriting it would lose the sender's data, keeping it would let a sender
# claim another source).
SOURCE_FIELD = "_source"
RECEIVED_AT_FIELD = "_receivedAt"
RAW_BODY_FIELD = "body"
# An item too large for DynamoDB holds this instead of its body (payloads.py).
STORED_BODY_FIELD = "_payload"
# Where a resolved claim-check record keeps its exact bytes (an SQS record holds text).
BODY_BYTES = "_bodyBytes"


@dataclass(frozen=True)
class SourceRule:
    """How one source's messages become items."""

    name: str
    event_key: str  # a JSON pointer ("/id") or a lower-case header name
    raw_body: bool = False
    signature: SignatureRule | None = None
    signing_secret_arn: str = ""
    archive: bool = False

    @property
    def keyed_by_header(self) -> bool:
        return not self.event_key.startswith("/")


def load_sources(raw: str) -> dict[str, SourceRule]:
    """SOURCES: {"<name>": {"event_key": "/id" | "<header>", "body": "json" | "raw",
    "signature": {"scheme": ..., "secret_arn": ..., ...} (optional), "archive": true | false}}."""
    document = json.loads(raw)
    if not isinstance(document, dict) or not document:
        raise ValueError("SOURCES must be a non-empty JSON object")
    rules = {}
    for name, settings in document.items():
        if not name or KEY_SEPARATOR in name or not isinstance(settings, dict):
            raise ValueError(f"SOURCES: invalid source {name!r}")
        event_key = settings.get("event_key", "/eventId")
        body = settings.get("body", "json")
        if (
            not isinstance(event_key, str)
            or not (event_key.startswith("/") or HEADER_NAME.fullmatch(event_key))
            or body not in ("json", "raw")
        ):
            raise ValueError(
                f"SOURCES: source {name!r} needs event_key '/pointer' or a lower-case header name and body json or raw"
            )
        if body == "raw" and event_key.startswith("/"):
            raise ValueError(f"SOURCES: source {name!r} stores a raw body, so its key must come from a header")
        signature, secret_arn = None, ""
        if settings.get("signature") is not None:
            signature = load_signature(settings["signature"], f"SOURCES: source {name!r}")
            secret_arn = settings["signature"].get("secret_arn") or ""
            if not secret_arn:
                raise ValueError(f"SOURCES: source {name!r} is signed but names no secret_arn")
        archive = settings.get("archive", False)
        if not isinstance(archive, bool):
            raise ValueError(f"SOURCES: source {name!r} has archive {archive!r}, expected true or false")
        rules[name] = SourceRule(name, event_key, body == "raw", signature, secret_arn, archive)
    return rules


def pointer_value(document: Any, pointer: str) -> Any:
    """RFC 6901: the value at `pointer` ("/a/0/b", with ~1 for "/" and ~0 for "~"), or None."""
    value = document
    for escaped in pointer.split("/")[1:]:
        step = escaped.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and (step == "0" or not step.startswith("0")):
            index = int(step)
            value = value[index] if index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def string_attribute(record: Mapping[str, Any], name: str) -> str | None:
    attribute = (record.get("messageAttributes") or {}).get(name)
    value = attribute.get("stringValue") if isinstance(attribute, Mapping) else None
    return value if isinstance(value, str) else None


def header_value(record: Mapping[str, Any], name: str) -> str:
    """A request header API Gateway carried for this source; "" when the request had none."""
    value = string_attribute(record, HEADER_ATTRIBUTE_PREFIX + name) or ""
    return value.removeprefix(HEADER_VALUE_PREFIX) if value.startswith(HEADER_VALUE_PREFIX) else ""


def body_bytes(record: Mapping[str, Any]) -> bytes:
    """The exact bytes received: a resolved claim's, else the SQS body's."""
    kept = record.get(BODY_BYTES)
    return kept if isinstance(kept, bytes) else (record.get("body") or "").encode("utf-8")


def source_of(record: Mapping[str, Any], sources: Mapping[str, SourceRule]) -> SourceRule | None:
    return sources.get(string_attribute(record, SOURCE_ATTRIBUTE) or "")


def received_seconds(record: Mapping[str, Any]) -> float | None:
    """When the request was received, in Unix seconds: API Gateway's receivedAt
    (kept through any redrive), else SQS's SentTimestamp (a copy made by a
    redrive has a new one)."""
    for value in (string_attribute(record, RECEIVED_AT_ATTRIBUTE), (record.get("attributes") or {}).get("SentTimestamp")):
        if isinstance(value, str) and value.isdigit() and len(value) <= 15:
            return int(value) / 1000
    return None


def received_at(record: Mapping[str, Any]) -> str | None:
    """When the request was received (received_seconds), as ISO 8601 UTC."""
    seconds = received_seconds(record)
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def body_document(rule: SourceRule, body: str, message_id: str) -> dict[str, Any] | Poison:
    """The attributes a body becomes: the JSON object, or the raw text as one attribute."""
    if rule.raw_body:
        return {RAW_BODY_FIELD: body}
    try:
        parsed = parse_body(body)
    except RecursionError:
        return Poison(message_id, "too_deep", "JSON nesting exceeds what can be parsed")
    except ValueError as error:
        return Poison(message_id, "invalid_json", str(error)[:200])
    if not isinstance(parsed, dict):
        return Poison(message_id, "not_an_object", f"body is a JSON {type(parsed).__name__}, expected an object")
    return parsed


def identifier(rule: SourceRule, record: Mapping[str, Any], document: Mapping[str, Any]) -> str | Poison:
    """The message's id within its source: from the key header or the body's pointer."""
    where = "the key header" if rule.keyed_by_header else rule.event_key
    value = header_value(record, rule.event_key) if rule.keyed_by_header else pointer_value(document, rule.event_key)
    # Bodies parse numbers as Decimal (exactly); an integral one keys as its digits.
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = str(int(value))
    if value is None or value == "":
        return Poison(record["messageId"], "missing_key", f"no value at {where}")
    if not isinstance(value, str):
        return Poison(
            record["messageId"],
            "invalid_key",
            f"the value at {where} must be a string or an integral number, got {type(value).__name__}",
        )
    return value


def signature_poison(rule: SourceRule, record: Mapping[str, Any], keys: tuple[bytes, ...], now: float) -> Poison | None:
    """None when the message is what its sender signed (or the source is unsigned)."""
    if rule.signature is None:
        return None
    headers = {name: header_value(record, name) for name in rule.signature.headers}
    received = received_seconds(record)
    try:
        verify(rule.signature, keys, headers, body_bytes(record), now if received is None else received)
    except Rejected as rejected:
        return Poison(record["messageId"], rejected.reason, rejected.detail)
    return None


@dataclass(frozen=True)
class Oversized:
    """A valid message whose item DynamoDB cannot hold: its body goes to S3 and
    the item keeps `attributes` (source, receipt time) and a pointer to it."""

    message_id: str
    source: str
    key: str
    attributes: dict[str, Any]


def to_source_item(
    record: Mapping[str, Any],
    sources: Mapping[str, SourceRule],
    partition_key: str,
    extra: Mapping[str, Any],
    signing_keys: Mapping[str, tuple[bytes, ...]] | None = None,
    now: float = 0.0,
    spill_large: bool = False,
) -> Item | Poison | Oversized:
    """`signing_keys` holds the keys of every signed source among the records (the
    caller keeps back the records of a source whose secret it could not read).
    With `spill_large` (a payload bucket is configured), an item over DynamoDB's
    size limit is Oversized instead of poison."""
    message_id = record["messageId"]
    rule = source_of(record, sources)
    if rule is None:
        return Poison(message_id, "unknown_source", "the message has no source this deployment knows (not sent through its API)")
    rejected = signature_poison(rule, record, (signing_keys or {}).get(rule.name, ()), now)
    if rejected is not None:
        return rejected
    document = body_document(rule, record.get("body") or "", message_id)
    if isinstance(document, Poison):
        return document
    # With spilling on, a body holding _payload could pass for a spilled item.
    reserved = sorted(({SOURCE_FIELD, RECEIVED_AT_FIELD} | ({STORED_BODY_FIELD} if spill_large else set())) & set(document))
    if reserved:
        return Poison(message_id, "reserved_attribute", f"the body holds {', '.join(reserved)}, which the consumer sets")
    key = identifier(rule, record, document)
    if isinstance(key, Poison):
        return key
    own = {**extra, SOURCE_FIELD: rule.name}
    when = received_at(record)
    if when is not None:
        own[RECEIVED_AT_FIELD] = when
    full_key = f"{rule.name}{KEY_SEPARATOR}{key}"
    item = finish_item(message_id, partition_key, full_key, {**document, **own})
    if spill_large and isinstance(item, Poison) and item.reason == "too_large":
        return Oversized(message_id, rule.name, full_key, own)
    return item
