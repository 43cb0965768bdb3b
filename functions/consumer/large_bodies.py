"""Bodies too large for an item: judged only as far as needed, then spilled to S3.

Whether a body is too large is decided from its UTF-8 size before any
DynamoDB value is built (stages.judge): with a payload bucket, a body over
DynamoDB's item limit is only scanned (records.scan_body: is it an object, its
key, the reserved names) and spilled to S3 as it is, whatever its nesting or
numbers; its item keeps the key, what the consumer adds (work.own_attributes)
and a pointer to the body (payloads.spill). This holds for every source, the
legacy one too (keyed unprefixed, nothing stamped).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from event_keys import identifier, key_text
from pointers import exact_number_at, pointer_token, pointer_value
from work import Context, Work, own_attributes, poison, reserved_poison

from payloads import spill
from pipeline import Outcome, Poison, Reason, Retry
from records import NUMBER, finish_item, parse_number, scan_body
from sources import STORED_BODY_FIELD


def judge_large(work: Work, context: Context) -> Outcome:
    """A body too large for an item: checked only as far as needed, never converted."""
    rule = work.rule
    assert rule is not None
    document: Mapping[str, Any] = {}
    key: str | Poison | None = None
    version: Any = None
    if not rule.raw_body:
        scanned = scan_large(work, context)
        if isinstance(scanned, Poison):
            return scanned
        document, key, version = scanned
    if key is None:
        key = identifier(rule, work, document)
    del document
    if isinstance(key, Poison):
        return key
    full_key = rule.key_prefix + key
    # The pointer item's values from the body, checked before anything is spilled.
    versioned = {context.version_attribute: version} if version is not None and context.version_attribute is not None else {}
    try:
        checked = finish_item(work.message_id, context.partition_key, full_key, versioned)
    except UnicodeEncodeError:  # as judge: JSON may escape a lone surrogate into the key or the version
        return poison(work, Reason.INVALID_UNICODE, "the key or the version holds a lone UTF-16 surrogate (U+D800-U+DFFF)")
    if isinstance(checked, Poison):
        return checked  # the key itself is wrong (too long)
    work.spill_attributes, work.spill_key = {**own_attributes(work, context), **versioned}, full_key
    return None


def scan_large(work: Work, context: Context) -> Poison | tuple[Mapping[str, Any], str | Poison | None, Any]:
    """A large JSON body scanned (never converted): (its document, or {} once a number key
    was read from the text; that key, or None to read it from the document; its version)."""
    rule = work.rule
    assert rule is not None
    try:
        scanned = scan_body(work.text or "")
    except RecursionError:
        return poison(work, Reason.TOO_DEEP, "JSON nesting exceeds what can be parsed")
    except ValueError as error:
        return poison(work, Reason.INVALID_JSON, str(error)[:200])
    if not isinstance(scanned, dict):
        return poison(work, Reason.NOT_AN_OBJECT, f"body is a JSON {type(scanned).__name__}, expected an object")
    if (rejected := reserved_poison(work, scanned, True)) is not None:
        return rejected
    version = spilled_version(work, scanned, context.version_attribute)
    if isinstance(version, Poison):
        return version
    event_key = rule.event_key
    if rule.number_keys and not rule.keyed_by_header and pointer_value(scanned, event_key) is NUMBER:
        # The key is a number (rare): its exact text, read again along the pointer alone
        # once this document is dropped (keeping every number's text would cost 50 times the body).
        del scanned
        return {}, key_text(work.message_id, event_key, exact_number_at(work.text or "", event_key)), version
    return scanned, None, version


def spilled_version(work: Work, scanned: Mapping[str, Any], attribute: str | None) -> Any:
    """The ordering guard's version of a body that is spilled, kept on its pointer item
    (the guard compares items, and the body is in S3): a string as it is, a number
    read exactly from the text (the scan keeps no number's value); None when the
    guard is off or the body has none (ordering.with_versions then says missing_version)."""
    if attribute is None or attribute not in scanned:
        return None
    value = scanned[attribute]
    if value is NUMBER:
        text = exact_number_at(work.text or "", "/" + pointer_token(attribute))
        return parse_number(str(text)) if text is not None else None
    if isinstance(value, str):
        return value
    return poison(work, Reason.INVALID_VERSION, f"{attribute!r} must be a number or a non-empty string (ordering guard)")


def spill_body(work: Work, context: Context) -> Outcome:
    """A body too large for an item (or raw bytes that are not UTF-8) goes to S3; the item points at it."""
    if work.spill_attributes is None:
        return None
    assert work.rule is not None and context.payload_bucket is not None
    content_type = work.claim.content_type if work.claim is not None else None
    stored = spill(work.body, content_type, work.rule.name, work.rule.raw_body, context.payload_bucket, context.s3)
    if stored is None:
        return Retry(work.message_id, "spill not written")
    attributes = {**work.spill_attributes, STORED_BODY_FIELD: stored.attribute()}
    item = finish_item(work.message_id, context.partition_key, work.spill_key, attributes)
    if isinstance(item, Poison):
        return item
    work.item = item
    return None
