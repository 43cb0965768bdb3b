"""The consumer's stages, each acting on one record (pipeline.py runs them).

In order: the source, its attributes (trust.py), its signing secret, the claim
check resolved, the exact bytes, the signature verified, the archive line, the
item judged, a large body spilled (large_bodies.py), and the item queued for
writing (writes.py). Each stage returns None to let the record through, or
Poison / Retry. Every record goes through the same stages, the first releases'
single source's too: what differs between sources is data on their SourceRule
(key prefix, what is stamped, signature, delivery, archive), never a second path.

What a record carries through them, and what the stages of a batch share, is in
work.py; memory is bounded by the largest record (work.py says how).
"""

from __future__ import annotations

from collections.abc import Callable

from event_keys import identifier
from large_bodies import judge_large, spill_body
from work import Context, Work, own_attributes, poison, reserved_poison

from cached_secret import SecretUnavailable
from fan_out import Event, detail_type_of, published_attributes
from payloads import is_claim_check, resolve_claim
from pipeline import Outcome, Poison, Reason, Retry, Stage
from records import MAX_ITEM_BYTES, finish_item
from sources import RAW_BODY_FIELD, body_document, signature_poison
from split_batches import judge_split
from trust import attribute_poison

__all__ = ["Context", "Work", "stages"]


def stages(context: Context) -> list[Stage]:
    """The stages, in order. A new stage is a new function and one line here."""
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


def find_source(work: Work, context: Context) -> Outcome:
    work.rule = context.sources.of(work.record)
    if work.rule is None:
        return poison(work, Reason.UNKNOWN_SOURCE, "the message has no source this deployment knows (not sent through its API)")
    return None


def check_attributes(work: Work) -> Outcome:
    assert work.rule is not None
    return attribute_poison(work.record, work.rule)


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
    work.claim = outcome
    return None


def read_body(work: Work) -> Outcome:
    """The exact bytes, and their text when they are UTF-8."""
    if work.claim is not None:
        work.body = work.claim.body
        try:
            work.text = work.body.decode("utf-8")
        except UnicodeDecodeError:
            work.text = None
        return None
    text = work.record.get("body") or ""
    try:
        work.body = text.encode("utf-8")
    except UnicodeEncodeError:
        return poison(work, Reason.INVALID_UNICODE, "the body holds a lone UTF-16 surrogate (U+D800-U+DFFF)")
    work.text = text
    return None


def verify(work: Work, context: Context) -> Outcome:
    assert work.rule is not None
    if work.rule.signature is None:
        return None
    try:
        return signature_poison(work.rule, work.envelope, context.signing_keys.get(work.rule.name, ()), context.now)
    except SecretUnavailable:  # a sender's published keys could not be fetched: not the sender's fault
        return Retry(work.message_id, "signing keys unavailable")


def archive(work: Work, context: Context) -> Outcome:
    """After verify: only what its sender signed is archived. A replay is already in the archive."""
    assert work.rule is not None
    if not work.rule.archive or context.archive is None or work.envelope.replay_of is not None:
        return None
    received_ms = work.envelope.received_ms
    received = received_ms / 1000 if received_ms else context.now
    context.archived.add(work.message_id)
    if not context.archive.add(work.envelope, work.rule.name, received):
        return Retry(work.message_id, "archive not written")
    return None


def judge(work: Work, context: Context) -> Outcome:
    """The item, or the decision to spill the body: from the byte size first."""
    rule = work.rule
    assert rule is not None
    if rule.split is not None:  # a batch: its elements, each an item (never spilled whole)
        return judge_split(work, context)
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
    key = identifier(rule, work, document)
    if isinstance(key, Poison):
        return key
    own = own_attributes(work, context)
    full_key = rule.key_prefix + key
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


def enqueue(work: Work, context: Context) -> Outcome:
    assert (work.item is not None or work.items is not None) and work.rule is not None
    items = work.items if work.items is not None else [work.item]
    for item in items:
        assert item is not None
        event = None
        if context.fan_out:
            scheme = work.rule.signature.scheme if work.rule.signature else None
            detail = published_attributes(scheme, item.attributes, RAW_BODY_FIELD)
            # From what is published: a pointer cannot reach a secret left out of it.
            detail_type = detail_type_of(work.rule.detail_type, detail, work.envelope.headers)
            event = Event(work.rule.name, detail_type, work.envelope.received_ms, detail)
        # The exact bytes (read_body ran, whatever the source), shared among a batch's elements.
        context.enqueue(item, len(work.body) // len(items), event)
    return None
