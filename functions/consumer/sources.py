"""Sources: where a message came from, and where its key is.

API Gateway's mapping for each source's route adds a static `source` message
attribute (a sender cannot choose it) and carries each header the source needs
(its key header, its signature headers) as the attribute `header.<name>`, the
value prefixed with "h:" so that a missing header still makes a non-empty
attribute (SQS refuses empty ones, which would refuse the whole request at the
edge instead of dead-lettering it with its reason). trust.py checks that a
message carries only the attributes its source's route can produce; a signed
source's messages are verified (signatures.py) before their body is even
parsed. With SOURCES configured, every item's key is "<source>#<id>": source
names cannot hold "#", so two sources sending the same id never meet. Without
SOURCES the consumer keys as it always has (the body's partition-key
attribute, unprefixed).

The id comes from the body (a JSON pointer), a header, or, for a signed
source, the signed content itself (SIGNED_CONTENT_KEY): a digest of exactly the
bytes the signature covers, for senders whose id header is not signed
(GitHub's X-GitHub-Delivery). A key taken from a signature header is its
canonical spelling (signatures.event_key_from_header), so re-spelling a valid
signature (hex letter case, base64 padding bits) cannot make a new item.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from contract import SIGNED_CONTENT_KEY

import signatures
from message_attributes import HEADER_ATTRIBUTE_PREFIX, HEADER_VALUE_PREFIX, RECEIVED_AT_ATTRIBUTE, SOURCE_ATTRIBUTE
from pipeline import Reason
from records import (
    NUMBER,
    NumberText,
    Poison,
    element_start,
    exact_value,
    json_whitespace_end,
    member_start,
    parse_body,
    parse_number,
)
from signatures import HEADER_NAME, Rejected, SignatureRule, load_signature, verify

KEY_SEPARATOR = "#"
# SIGNED_CONTENT_KEY (contract.json): key the event by a digest of the content its signature covers (signed sources only).
DELIVERIES = ("direct", "claim-check")
# What a numeric attribute may hold: ASCII digits only ("²".isdigit() is true, int() refuses it).
DIGITS = re.compile(r"[0-9]{1,15}")
# A time in Unix milliseconds: 13 digits reach the year 2286; more would be refused by
# datetime (15 digits) or be no receive time API Gateway or SQS ever wrote.
UNIX_MILLISECONDS = re.compile(r"[0-9]{1,13}")
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
    event_key: str  # a JSON pointer ("/id"), a lower-case header name, or SIGNED_CONTENT_KEY
    raw_body: bool = False
    signature: SignatureRule | None = None
    signing_secret_arn: str = ""
    archive: bool = False
    claim_check: bool = False  # delivery "claim-check": the front function sends its messages

    @property
    def keyed_by_header(self) -> bool:
        return not self.event_key.startswith("/") and self.event_key != SIGNED_CONTENT_KEY

    @property
    def carried_headers(self) -> frozenset[str]:
        """The headers the source's route carries: its key header and its signature's
        (root main.tf local carried_headers; the front function keeps the same in a pointer)."""
        key_header = (self.event_key,) if self.keyed_by_header else ()
        return frozenset(key_header + (self.signature.headers if self.signature else ()))


def load_sources(raw: str) -> dict[str, SourceRule]:
    """SOURCES: {"<name>": {"event_key": "/id" | "<header>" | "@signed-content", "body": "json" | "raw",
    "signature": {"scheme": ..., "secret_arn": ..., ...} (optional), "archive": true | false,
    "delivery": "direct" | "claim-check" (absent: direct)}}.

    "@signed-content" needs a signature. `delivery` says whether the source's
    messages may be claim checks (an archived source's replays may be too)."""
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
            or not (event_key.startswith("/") or event_key == SIGNED_CONTENT_KEY or HEADER_NAME.fullmatch(event_key))
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
        if event_key == SIGNED_CONTENT_KEY and signature is None:
            raise ValueError(f"SOURCES: source {name!r} keys by {SIGNED_CONTENT_KEY}, which needs a signature")
        archive = settings.get("archive", False)
        if not isinstance(archive, bool):
            raise ValueError(f"SOURCES: source {name!r} has archive {archive!r}, expected true or false")
        delivery = settings.get("delivery", "direct")
        if delivery not in DELIVERIES:
            raise ValueError(f"SOURCES: source {name!r} has delivery {delivery!r}, expected direct or claim-check")
        rules[name] = SourceRule(name, event_key, body == "raw", signature, secret_arn, archive, delivery == "claim-check")
    return rules


def pointer_steps(pointer: str) -> list[str]:
    """RFC 6901: a pointer's reference tokens ("/a/0/b"), unescaped: ~1 first, then ~0,
    so "~01" is "~1", not "/" (RFC 6901, section 4)."""
    return [escaped.replace("~1", "/").replace("~0", "~") for escaped in pointer.split("/")[1:]]


def array_index(step: str) -> int | None:
    """The array index a reference token names: ASCII digits without a leading zero."""
    return int(step) if DIGITS.fullmatch(step) and (step == "0" or not step.startswith("0")) else None


def pointer_value(document: Any, pointer: str) -> Any:
    """RFC 6901: the value at `pointer` ("/a/0/b", with ~1 for "/" and ~0 for "~"), or None."""
    value = document
    for step in pointer_steps(pointer):
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and (index := array_index(step)) is not None:
            value = value[index] if index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def exact_number_at(text: str, pointer: str) -> NumberText | None:
    """The exact text of the number at `pointer` in a JSON text json.loads accepts, or
    None when no number is there (nothing, a string, a container).

    For a large body keyed by a number (rare): scan_body made every number one
    shared object, so the key's text is not in its document. Parsing it again
    keeping every number's text costs tens of bytes a number (+300 MB for 6 MB of
    them); this walks the text along the pointer instead, each value beside the
    path parsed with scan_body's shared number and dropped at once, so it costs
    what scan_body did. As json.loads, a name repeated in an object counts at its
    last occurrence."""
    index = json_whitespace_end(text, 0)
    for step in pointer_steps(pointer):
        opening = text[index : index + 1]
        if opening == "{":
            found = member_start(text, index, step)
        elif opening == "[" and (position := array_index(step)) is not None:
            found = element_start(text, index, position)
        else:
            return None
        if found is None:
            return None
        index = found
    value, _ = exact_value(text, index)
    return value if isinstance(value, NumberText) else None


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
        if isinstance(value, str) and UNIX_MILLISECONDS.fullmatch(value):
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
        return Poison(message_id, Reason.TOO_DEEP, "JSON nesting exceeds what can be parsed")
    except ValueError as error:
        return Poison(message_id, Reason.INVALID_JSON, str(error)[:200])
    if not isinstance(parsed, dict):
        return Poison(message_id, Reason.NOT_AN_OBJECT, f"body is a JSON {type(parsed).__name__}, expected an object")
    return parsed


def carried_values(rule: SourceRule, record: Mapping[str, Any]) -> dict[str, str]:
    """The source's carried headers by name, "" for one the request did not have."""
    return {name: header_value(record, name) for name in rule.carried_headers}


def identifier(rule: SourceRule, record: Mapping[str, Any], document: Mapping[str, Any], body: bytes) -> str | Poison:
    """The message's id within its source: from the key header, the body's pointer,
    or the signed content (run after the signature verified)."""
    if rule.event_key == SIGNED_CONTENT_KEY and rule.signature is not None:
        return signatures.signed_content_digest(rule.signature, carried_values(rule, record), body)
    where = "the key header" if rule.keyed_by_header else rule.event_key
    if not rule.keyed_by_header:
        value = pointer_value(document, rule.event_key)
    elif rule.signature is not None:
        value = signatures.event_key_from_header(rule.signature, rule.event_key, carried_values(rule, record), body)
    else:
        value = header_value(record, rule.event_key)
    return key_text(record, where, value)


def key_text(record: Mapping[str, Any], where: str, value: Any) -> str | Poison:
    """The id a value found at `where` makes: a string, or an integral number's digits."""
    if isinstance(value, NumberText):
        value = parse_number(value)
    # Bodies parse numbers as Decimal (exactly); an integral one keys as its digits
    # (one of more digits than a key may hold is left a Decimal: invalid_key, not a huge int).
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value() and value.adjusted() < 2048:
        value = str(int(value))
    if value is None or value == "":
        return Poison(record["messageId"], Reason.MISSING_KEY, f"no value at {where}")
    if not isinstance(value, str) or value is NUMBER:
        return Poison(
            record["messageId"],
            Reason.INVALID_KEY,
            f"the value at {where} must be a string or an integral number, got {type(value).__name__}",
        )
    return value


def signature_poison(
    rule: SourceRule, record: Mapping[str, Any], body: bytes, keys: tuple[bytes, ...], now: float
) -> Poison | None:
    """None when the message is what its sender signed (or the source is unsigned)."""
    if rule.signature is None:
        return None
    headers = {name: header_value(record, name) for name in rule.signature.headers}
    received = received_seconds(record)
    try:
        verify(rule.signature, keys, headers, body, now if received is None else received)
    except Rejected as rejected:
        return Poison(record["messageId"], rejected.reason, rejected.detail)
    return None
