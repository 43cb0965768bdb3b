"""Signatures carried in the JSON body instead of a header: what each signs and its candidates,
or Rejected with a reason. signatures.py verifies with what these return (as with
signature_parts.py, whose header schemes these sit beside).

- mailgun: one HMAC over the body's signature.timestamp followed by signature.token;
- adyen: every NotificationRequestItem signs some of its own fields ("items" with "signature");
- microsoft-graph: every change notification carries the subscription's clientState ("items"
  with "secret_field": a shared secret compared, nothing hashed).

The pointers and fields are contract.json's. A body is sender-controlled: anything not shaped
as the sender documents (not JSON, a field of another type, no items) is Rejected, never another
exception.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from contract import SIGNATURES
from signature_parts import Parts, base64_signature, hex_signature, text_bytes, timestamp_of

from json_pointer import pointer_value
from signature_rules import INVALID, Rejected, SignatureRule

# A batch never holds more items than this (Adyen sends up to a few dozen; Graph up to 1,000).
MAX_ITEMS = 1000


def json_document(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise Rejected(INVALID, "the body is not JSON") from error


def signed_text(value: object) -> str:
    """A field as the sender signs it: text as is, a whole number in decimal, true/false, "" when absent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) or (isinstance(value, int) and abs(value) < 10**30):
        return str(value)
    raise Rejected(INVALID, "a signed field is neither text nor a whole number")


def text_field(document: Any, pointer: str) -> str:
    value = pointer_value(document, pointer)
    if not isinstance(value, str) or not value:
        raise Rejected(INVALID, f"the body has no {pointer}")
    return value


def mailgun_parts(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> Parts:
    """(timestamp + token, [the hex signature], the timestamp) from the body's signature object."""
    fields = SIGNATURES["schemes"][rule.scheme]["body_fields"]
    document = json_document(body)
    timestamp, token = (text_field(document, fields[name]) for name in ("timestamp", "token"))
    seconds = timestamp_of(timestamp)  # ASCII digits only, before they become signed bytes
    return text_bytes(timestamp + token), [hex_signature(text_field(document, fields["signature"]))], seconds


def items_of(rule: SignatureRule, body: bytes) -> list[Any]:
    """The batch's items (Adyen's NotificationRequestItems, Graph's notifications): at least one."""
    facts = SIGNATURES["schemes"][rule.scheme]["items"]
    elements = pointer_value(json_document(body), facts["array"])
    if not isinstance(elements, list) or not elements:
        raise Rejected(INVALID, f"the body has no {facts['array']} items")
    if len(elements) > MAX_ITEMS:
        raise Rejected(INVALID, f"the body holds more than {MAX_ITEMS} items")
    items = [pointer_value(element, facts["item"]) if "item" in facts else element for element in elements]
    if not all(isinstance(item, dict) for item in items):
        raise Rejected(INVALID, "an item of the body is not an object")
    return items


def compares_secret(rule: SignatureRule) -> bool:
    """Whether each item carries the secret itself (secret_field: Graph) rather than an HMAC (signature)."""
    return "secret_field" in SIGNATURES["schemes"][rule.scheme]["items"]


def item_parts(rule: SignatureRule, body: bytes) -> list[tuple[bytes, list[bytes]]]:
    """For each item: (what it signs, [its signature]); (b"", [its shared secret]) where the
    item carries the secret itself."""
    facts = SIGNATURES["schemes"][rule.scheme]["items"]
    parts = []
    for item in items_of(rule, body):
        if compares_secret(rule):
            parts.append((b"", [text_bytes(text_field(item, facts["secret_field"]))]))
            continue
        signed = facts["separator"].join(signed_text(pointer_value(item, field)) for field in facts["fields"])
        parts.append((text_bytes(signed), [base64_signature(text_field(item, facts["signature"]))]))
    return parts


def item_signed_content(rule: SignatureRule, body: bytes) -> bytes:
    """What identifies a batch: the distinct signed field strings of its items, sorted, one per line
    (adyen: a replay that reorders, repeats or drops nothing signed is the same; one that drops an
    item is another), or the body itself where nothing is signed (microsoft-graph)."""
    signed = sorted({signed for signed, _ in item_parts(rule, body)})
    return b"\n".join(signed) if any(signed) else body
