"""One record on its way through the stages, and what the stages of a batch share.

Memory is bounded by the largest record, not the batch: a Work (the resolved
claim, the body, its text, its envelope) lives only while its record goes through the
stages (stages.py); what stays is the item waiting to be written (at most
DynamoDB's 400 KB, written in chunks: writes.py), the archive lines
(ArchiveBuffer, written at 5 MB) and the original records (small: pointers,
not bodies).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from envelope import Envelope

from archive import ArchiveBuffer
from fan_out import Event
from payloads import Claim
from pipeline import Poison, Reason
from records import Item
from sources import RECEIVED_AT_FIELD, SOURCE_FIELD, STORED_BODY_FIELD, SourceRule, Sources, received_at

# The names the consumer sets on a stamped source's items, sorted (a refusal names them in this order).
RESERVED = tuple(sorted((SOURCE_FIELD, RECEIVED_AT_FIELD)))
RESERVED_WITH_SPILL = tuple(sorted((SOURCE_FIELD, RECEIVED_AT_FIELD, STORED_BODY_FIELD)))


@dataclass
class Work:
    """One record on its way through the stages."""

    record: Mapping[str, Any]  # the original, as SQS delivered it
    claim: Claim | None = None  # a claim check's bytes and headers, once resolved
    rule: SourceRule | None = None
    body: bytes = b""
    text: str | None = None  # None: the bytes are not UTF-8
    item: Item | None = None
    items: list[Item] | None = None  # a split source's: one item per element (split_batches.py)
    spill_attributes: dict[str, Any] | None = None  # set: the body goes to S3, the item keeps these
    spill_key: str = ""
    built_envelope: Envelope | None = field(default=None, repr=False)  # see envelope

    @property
    def message_id(self) -> str:
        return self.record["messageId"]

    @property
    def envelope(self) -> Envelope:
        """The record as received, a claim's bytes and headers in it. Built on first use,
        after read_body (it holds the bytes): most records (an unsigned, unarchived
        source keyed by the body) need none of it."""
        if self.built_envelope is None:
            self.built_envelope = received_envelope(self.record, self.body, self.claim)
        return self.built_envelope


def received_envelope(record: Mapping[str, Any], body: bytes, claim: Claim | None) -> Envelope:
    """A direct record's envelope, or a claim check's with the headers its pointer kept
    (over any the record carries; one the request did not have is "" there, so absent)."""
    envelope = Envelope.from_record(record, body)
    if claim is None:
        return envelope
    headers = {name: value for name, value in {**envelope.headers, **claim.headers}.items() if value}
    return replace(envelope, headers=headers)


@dataclass
class Context:
    """What the stages of one batch share."""

    sources: Sources
    partition_key: str
    extra: Mapping[str, Any]  # attributes every item gets (the TTL)
    payload_bucket: str | None
    s3: Any
    signing_keys: Mapping[str, tuple[bytes, ...]]
    unavailable: Mapping[str, str]  # sources whose signing secret cannot be read, and why
    now: float
    archive: ArchiveBuffer | None
    enqueue: Callable[[Item, int, Event | None], None]  # hands an item (its size, its event) to the writer
    archived: set[str] = field(default_factory=set)  # message ids with a buffered archive line
    version_attribute: str | None = None  # the ordering guard's body attribute: a spilled item keeps it
    fan_out: bool = False  # stored items are published: each item goes with its event

    @property
    def spill_large(self) -> bool:
        return self.payload_bucket is not None


def poison(work: Work, reason: Reason, detail: str) -> Poison:
    return Poison(work.message_id, reason, detail)


def reserved_poison(work: Work, document: Mapping[str, Any], spill_large: bool) -> Poison | None:
    """Poison when the body holds a name the consumer sets on its source's items;
    a legacy source's items get none of them (SourceRule.stamped), so its bodies may."""
    assert work.rule is not None
    if not work.rule.stamped:
        return None
    # With spilling on, a body holding _payload could pass for a spilled item.
    names = RESERVED_WITH_SPILL if spill_large else RESERVED
    if document.keys().isdisjoint(names):  # (one call: every record of a stamped source asks)
        return None
    reserved = [name for name in names if name in document]
    return poison(work, Reason.RESERVED_ATTRIBUTE, f"the body holds {', '.join(reserved)}, which the consumer sets")


def own_attributes(work: Work, context: Context) -> dict[str, Any]:
    """What the consumer adds to the record's item: the TTL, and for a stamped source its name and receive time."""
    assert work.rule is not None
    if not work.rule.stamped:
        return dict(context.extra)
    own = {**context.extra, SOURCE_FIELD: work.rule.name}
    when = received_at(work.record)
    if when is not None:
        own[RECEIVED_AT_FIELD] = when
    return own
