"""A message's id within its source (its item's key without the source's prefix).

From the body (a JSON pointer, pointers.py), a carried header, or, for a signed
source, the signed content itself (SIGNED_CONTENT_KEY): a digest of exactly the
bytes the signature covers. A key taken from a signature header is its
canonical spelling (signatures.event_key_from_header). A string keys as it is,
an integral number as its digits; a legacy source (SourceRule.number_keys off)
takes a non-empty string only, as the first releases did.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from contract import SIGNED_CONTENT_KEY
from pointers import pointer_value
from work import Work

import signatures
from pipeline import Poison, Reason
from records import NUMBER, NumberText, parse_number
from sources import SourceRule


def carried_values(rule: SourceRule, work: Work) -> dict[str, str]:
    """The source's carried headers by name, "" for one the request did not have."""
    headers = work.envelope.headers
    return {name: headers.get(name, "") for name in rule.carried_headers}


def identifier(rule: SourceRule, work: Work, document: Mapping[str, Any]) -> str | Poison:
    """The message's id within its source: from the key header, the body's pointer,
    or the signed content (run after the signature verified)."""
    if rule.event_key == SIGNED_CONTENT_KEY and rule.signature is not None:
        return signatures.signed_content_digest(rule.signature, carried_values(rule, work), work.body)
    where = "the key header" if rule.keyed_by_header else rule.event_key
    if not rule.keyed_by_header:
        value = pointer_value(document, rule.event_key)
    elif rule.signature is not None:
        value = signatures.event_key_from_header(rule.signature, rule.event_key, carried_values(rule, work), work.body)
    else:
        value = work.envelope.headers.get(rule.event_key, "")
    return key_text(work.message_id, where, value, rule.number_keys)


def key_text(message_id: str, where: str, value: Any, number_keys: bool = True) -> str | Poison:
    """The id a value found at `where` makes: a string, or an integral number's digits
    (without number_keys, a legacy source's rule: a non-empty string only)."""
    if number_keys:
        if isinstance(value, NumberText):
            value = parse_number(value)
        # Bodies parse numbers as Decimal (exactly); an integral one keys as its digits
        # (one of more digits than a key may hold is left a Decimal: invalid_key, not a huge int).
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value() and value.adjusted() < 2048:
            value = str(int(value))
        if value == "":
            value = None
    if value is None:
        return Poison(message_id, Reason.MISSING_KEY, f"no value at {where}")
    if not isinstance(value, str) or not value:
        return Poison(message_id, Reason.INVALID_KEY, f"the value at {where} must be {key_kinds(number_keys, value)}")
    return value


def key_kinds(number_keys: bool, value: Any) -> str:
    """What a key must be, and what this value is instead (never the value: it is the sender's)."""
    wanted = "a string or an integral number" if number_keys else "a non-empty string"
    if value == "":
        return f"{wanted}, got an empty string"
    number = isinstance(value, (Decimal, NumberText)) or value is NUMBER
    return f"{wanted}, got {'a number' if number else type(value).__name__}"
