"""The consumer's stages, each acting on one record (pipeline.py runs them).

In order, with SOURCES: the source, its attributes (trust.py), its signing
secret, the claim check resolved, the exact bytes, the signature verified, the
archive line, the item judged, a large body spilled, and the item queued for
writing. Without SOURCES: the attributes, the item judged, queued. Each stage
returns None to let the record through, or Poison / Retry.

Memory is bounded by the largest record, not the batch: a Work (the resolved
body, its text, its document) lives only while its record goes through the
stages; what stays is the item waiting to be written (at most DynamoDB's
400 KB, written in chunks: Writes), the archive lines (ArchiveBuffer, written
at 5 MB) and the original records (small: pointers, not bodies).

Whether a body is too large for an item is decided from its UTF-8 size before
any DynamoDB value is built: with a payload bucket, a body over DynamoDB's
item limit is only scanned (records.scan_body: is it an object, its key, the
reserved names) and spilled to S3 as it is, whatever its nesting or numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from archive import ArchiveBuffer
from claim_check import REPLAY_ATTRIBUTE
from payloads import is_claim_check, resolve_claim, spill
from pipeline import Outcome, Poison, Reason, Retry, Stage
from records import MAX_ITEM_BYTES, NUMBER, Item, finish_item, parse_number, scan_body, to_item
from sources import (
    BODY_BYTES,
    KEY_SEPARATOR,
    RECEIVED_AT_FIELD,
    SOURCE_FIELD,
    STORED_BODY_FIELD,
    SourceRule,
    body_document,
    exact_number_at,
    identifier,
    key_text,
    pointer_value,
    received_at,
    received_seconds,
    signature_poison,
    source_of,
    string_attribute,
)
from trust import attribute_poison


@dataclass
class Work:
    """One record on its way through the stages."""

    record: Mapping[str, Any]  # the original, as SQS delivered it
    view: Mapping[str, Any] | None = None  # the record with a claim's body and headers
    rule: SourceRule | None = None
    body: bytes = b""
    text: str | None = None  # None: the bytes are not UTF-8
    item: Item | None = None
    spill_attributes: dict[str, Any] | None = None  # set: the body goes to S3, the item keeps these
    spill_key: str = ""

    @property
    def message_id(self) -> str:
        return self.record["messageId"]

    @property
    def current(self) -> Mapping[str, Any]:
        return self.view if self.view is not None else self.record


@dataclass
class Context:
    """What the stages of one batch share."""

    sources: Mapping[str, SourceRule] | None
    partition_key: str
    extra: Mapping[str, Any]  # attributes every item gets (the TTL)
    payload_bucket: str | None
    s3: Any
    signing_keys: Mapping[str, tuple[bytes, ...]]
    unavailable: Mapping[str, str]  # sources whose signing secret cannot be read, and why
    now: float
    archive: ArchiveBuffer | None
    enqueue: Callable[[Item, int], None]  # hands an item (and its size) to the writer
    archived: set[str] = field(default_factory=set)  # message ids with a buffered archive line
    version_attribute: str | None = None  # the ordering guard's body attribute: a spilled item keeps it

    @property
    def spill_large(self) -> bool:
        return self.payload_bucket is not None


def poison(work: Work, reason: Reason, detail: str) -> Poison:
    return Poison(work.message_id, reason, detail)


def stages(context: Context) -> list[Stage]:
    """The stages, in order. A new stage is a new function and one line here.

    Without SOURCES no attribute is checked (trust.py says why)."""
    if context.sources is None:
        return [with_context(judge_unnamed, context), with_context(enqueue, context)]
    return [
        with_context(find_source, context),
        check_attributes,
        with_context(wait_for_secret, context),
        with_context(resolve, context),
        read_body,
        with_context(verify, context),
        with_context(archive, context),
        with_context(judge, context),
        with_context(spill_body, context),
        with_context(enqueue, context),
    ]


def with_context(function: Callable[[Work, Context], Outcome], context: Context) -> Stage:
    """The stage with its batch's context, under the function's own name: an
    unexpected error's detail names the stage it came from (pipeline.run)."""

    def stage(work: Work) -> Outcome:
        return function(work, context)

    stage.__name__ = stage.__qualname__ = function.__name__
    return stage


def check_attributes(work: Work) -> Outcome:
    assert work.rule is not None
    return attribute_poison(work.record, work.rule)


def find_source(work: Work, context: Context) -> Outcome:
    assert context.sources is not None
    work.rule = source_of(work.record, context.sources)
    if work.rule is None:
        return poison(work, Reason.UNKNOWN_SOURCE, "the message has no source this deployment knows (not sent through its API)")
    return None


def wait_for_secret(work: Work, context: Context) -> Outcome:
    assert work.rule is not None
    if work.rule.name in context.unavailable:
        return Retry(work.message_id, "signing secret unavailable")
    return None


def resolve(work: Work, context: Context) -> Outcome:
    assert work.rule is not None
    if not is_claim_check(work.record):
        return None
    outcome = resolve_claim(work.record, work.rule, context.payload_bucket, context.s3)
    if isinstance(outcome, (Poison, Retry)):
        return outcome
    work.view = outcome
    return None


def read_body(work: Work) -> Outcome:
    """The exact bytes, and their text when they are UTF-8."""
    kept = work.current.get(BODY_BYTES)
    if isinstance(kept, bytes):
        work.body = kept
        try:
            work.text = kept.decode("utf-8")
        except UnicodeDecodeError:
            work.text = None
        return None
    text = work.current.get("body") or ""
    try:
        work.body = text.encode("utf-8")
    except UnicodeEncodeError:
        return poison(work, Reason.INVALID_UNICODE, "the body holds a lone UTF-16 surrogate (U+D800-U+DFFF)")
    work.text = text
    return None


def verify(work: Work, context: Context) -> Outcome:
    assert work.rule is not None
    return signature_poison(work.rule, work.current, work.body, context.signing_keys.get(work.rule.name, ()), context.now)


def archive(work: Work, context: Context) -> Outcome:
    """After verify: only what its sender signed is archived. A replay is already in the archive."""
    assert work.rule is not None
    if not work.rule.archive or context.archive is None or string_attribute(work.record, REPLAY_ATTRIBUTE) is not None:
        return None
    received = received_seconds(work.record) or context.now
    context.archived.add(work.message_id)
    if not context.archive.add(work.current, work.rule.name, work.body, received):
        return Retry(work.message_id, "archive not written")
    return None


def reserved_poison(work: Work, document: Mapping[str, Any], spill_large: bool) -> Poison | None:
    # With spilling on, a body holding _payload could pass for a spilled item.
    names = {SOURCE_FIELD, RECEIVED_AT_FIELD} | ({STORED_BODY_FIELD} if spill_large else set())
    reserved = sorted(names & set(document))
    if reserved:
        return poison(work, Reason.RESERVED_ATTRIBUTE, f"the body holds {', '.join(reserved)}, which the consumer sets")
    return None


def own_attributes(work: Work, context: Context) -> dict[str, Any]:
    assert work.rule is not None
    own = {**context.extra, SOURCE_FIELD: work.rule.name}
    when = received_at(work.record)
    if when is not None:
        own[RECEIVED_AT_FIELD] = when
    return own


def judge(work: Work, context: Context) -> Outcome:
    """The item, or the decision to spill the body: from the byte size first."""
    rule = work.rule
    assert rule is not None
    large = context.spill_large and len(work.body) > MAX_ITEM_BYTES
    if work.text is None:
        if not rule.raw_body or not context.spill_large:
            return poison(work, Reason.INVALID_UTF8, "the body is not UTF-8 (JSON is); it was not stored")
        large = True  # raw bytes that are not text: kept exactly in S3, never altered in an item
    if large:
        return judge_large(work, context)
    document = body_document(rule, work.text or "", work.message_id)
    if isinstance(document, Poison):
        return document
    if (rejected := reserved_poison(work, document, context.spill_large)) is not None:
        return rejected
    key = identifier(rule, work.current, document, work.body)
    if isinstance(key, Poison):
        return key
    own = own_attributes(work, context)
    full_key = f"{rule.name}{KEY_SEPARATOR}{key}"
    try:
        item = finish_item(work.message_id, context.partition_key, full_key, {**document, **own})
    except UnicodeEncodeError:
        return poison(work, Reason.INVALID_UNICODE, "a string or name holds a lone UTF-16 surrogate (U+D800-U+DFFF)")
    if context.spill_large and isinstance(item, Poison) and item.reason == Reason.TOO_LARGE:
        work.spill_attributes, work.spill_key = own, full_key  # the attribute names' overhead tipped it over
        return None
    if isinstance(item, Poison):
        return item
    work.item = item
    return None


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
        key = identifier(rule, work.current, document, work.body)
    del document
    if isinstance(key, Poison):
        return key
    full_key = f"{rule.name}{KEY_SEPARATOR}{key}"
    try:
        checked = finish_item(work.message_id, context.partition_key, full_key, {})
    except UnicodeEncodeError:  # as judge: JSON may escape a lone surrogate into the key
        return poison(work, Reason.INVALID_UNICODE, "the key holds a lone UTF-16 surrogate (U+D800-U+DFFF)")
    if isinstance(checked, Poison):
        return checked  # the key itself is wrong (too long)
    work.spill_attributes, work.spill_key = own_attributes(work, context), full_key
    if version is not None and context.version_attribute is not None:
        work.spill_attributes[context.version_attribute] = version
    return None


def scan_large(work: Work, context: Context) -> Poison | tuple[Mapping[str, Any], str | Poison | None, Any]:
    """A large JSON body scanned (never converted): (its document, or {} once a number key
    was read from the text; that key, or None to read it from the document; its version)."""
    assert work.rule is not None
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
    event_key = work.rule.event_key
    if not work.rule.keyed_by_header and pointer_value(scanned, event_key) is NUMBER:
        # The key is a number (rare): its exact text, read again along the pointer alone
        # once this document is dropped (keeping every number's text would cost 50 times the body).
        del scanned
        return {}, key_text(work.record, event_key, exact_number_at(work.text or "", event_key)), version
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
        escaped = attribute.replace("~", "~0").replace("/", "~1")
        text = exact_number_at(work.text or "", "/" + escaped)
        return parse_number(str(text)) if text is not None else None
    if isinstance(value, str):
        return value
    return poison(work, Reason.INVALID_VERSION, f"{attribute!r} must be a number or a non-empty string (ordering guard)")


def spill_body(work: Work, context: Context) -> Outcome:
    """A body too large for an item (or raw bytes that are not UTF-8) goes to S3; the item points at it."""
    if work.spill_attributes is None:
        return None
    assert work.rule is not None and context.payload_bucket is not None
    stored = spill(work.current, work.rule.name, work.rule.raw_body, context.payload_bucket, context.s3)
    if stored is None:
        return Retry(work.message_id, "spill not written")
    attributes = {**work.spill_attributes, STORED_BODY_FIELD: stored.attribute()}
    item = finish_item(work.message_id, context.partition_key, work.spill_key, attributes)
    if isinstance(item, Poison):
        return item
    work.item = item
    return None


def judge_unnamed(work: Work, context: Context) -> Outcome:
    """Without SOURCES: the body's own key, unprefixed, as the first releases did."""
    item = to_item(work.message_id, work.record.get("body") or "", context.partition_key, context.extra)
    if isinstance(item, Poison):
        return item
    work.item = item
    return None


def enqueue(work: Work, context: Context) -> Outcome:
    assert work.item is not None
    context.enqueue(work.item, len(work.body) if work.body else len((work.record.get("body") or "").encode("utf-8", "replace")))
    return None
