"""Writing the batch's items to DynamoDB in chunks as the pipeline goes (store.py writes each chunk).

A chunk is written once it holds WRITE_CHUNK_ITEMS items (one BatchWriteItem)
or WRITE_CHUNK_BYTES of bodies, each after the archive lines of its records:
memory holds one chunk of items, not the batch. Writing is not a stage: a chunk
holds other records' items, so it runs outside any one record's catch-all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from consumer_config import Config

from archive import ArchiveBuffer
from fan_out import Event, Publisher
from ordering import with_versions
from pipeline import Poison
from records import Item
from store import BATCH_WRITE_LIMIT, RetryPolicy, WriteRules, Written, write_conditionally, write_last_wins

# A chunk of items is written once it holds this many (one BatchWriteItem) or this many body bytes.
WRITE_CHUNK_ITEMS = BATCH_WRITE_LIMIT
WRITE_CHUNK_BYTES = 4 * 1024 * 1024


def batched(config: Config) -> bool:
    """Whether items are written by BatchWriteItem (last write wins, no ordering guard), which sends
    their wire form; the conditional writers send their values through the table's PutItem."""
    return config.write_mode == "last-write-wins" and config.ordering_attribute is None


def write(items: list[Item], config: Config, table: Any, retry: RetryPolicy, now: float) -> dict[str, Any]:
    if batched(config):
        return write_last_wins(table, items, config.partition_key, retry)
    rules = WriteRules(config.partition_key, config.ttl_attribute, config.ordering_attribute, now, config.fan_out is not None)
    return write_conditionally(table, items, rules, retry)


@dataclass
class Writes:
    """Items written in chunks as the pipeline goes, each chunk after the archive
    lines of its records: memory holds at most one chunk of items.

    One key's records may fall in different chunks, and the in-chunk rules
    (store.latest_per_key, store.first_per_key) see one chunk only. So the batch
    keeps the keys (never the bodies) whose record failed retriably, its write,
    its archive line or its spill (`retried_keys`), and a LATER record of such a key is not
    written: it is returned failed too. Last write wins: acknowledging the later
    record while the earlier one comes back would let the earlier replace it
    ("later in the batch wins" broken); failed together, they come back together
    when SQS can, and the batch's latest wins again. First write wins: the first
    record must be the one written, so nothing after it is, until it is. With the
    ordering guard, versions decide whatever the order of arrival: nothing is
    held back. A key whose earlier record is STORED needs nothing either: the
    later one, stored or retried, comes after it as it should.
    """

    config: Config
    table: Any
    retry: RetryPolicy
    now: float
    archive: ArchiveBuffer | None
    archived: set[str]
    publisher: Publisher | None = None  # fan-out: each chunk's stored items published after its write
    pending: list[Item] = field(default_factory=list)
    pending_bytes: int = 0
    outcomes: dict[str, Any] = field(default_factory=dict)  # message id -> Written | Poison
    unarchived: set[str] = field(default_factory=set)  # pending when their archive line failed: retried
    retried_keys: set[str] = field(default_factory=set)  # keys with a record of this batch retried (see above)
    # Keys of records retried before reaching the writer (a spill not written), each with its
    # place among the pending items: only the items after it are held back.
    retried_marks: list[tuple[int, str]] = field(default_factory=list)
    elements: dict[str, list[str]] = field(default_factory=dict)  # a split record's id -> its elements' (split_batches.py)
    record_keys: dict[str, set[str]] = field(default_factory=dict)  # each record's item keys, in the order records came

    def add(self, item: Item, size: int, event: Event | None = None) -> None:
        """Queue an item (the last stage), with its event when stored items are published.
        Writing is not a stage: a chunk holds other records' items, so it is written
        outside any one record's catch-all (flush_when_full)."""
        if item.record_id is not None:
            self.elements.setdefault(item.record_id, []).append(item.message_id)
        self.record_keys.setdefault(item.record, set()).add(item.key)
        if self.publisher is not None:
            assert event is not None, "fan-out needs each item's event"
            self.publisher.add(item.message_id, event)
        # A conditional writer never sends the wire form: not held while the chunk fills.
        self.pending.append(item if batched(self.config) else replace(item, wire=None))
        self.pending_bytes += size

    def retried(self, key: str) -> None:
        """A record of `key` is retried though it never reached the writer: the items
        of that key queued after it are held back like those after a failed write."""
        self.retried_marks.append((len(self.pending), key))

    def flush_when_full(self) -> None:
        if len(self.pending) >= WRITE_CHUNK_ITEMS or self.pending_bytes >= WRITE_CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        items, self.pending, self.pending_bytes = self.pending, [], 0
        failed: set[str] = set()  # records whose archive line was not written
        if self.archive is not None and any(item.record in self.archived for item in items):
            failed = self.archive.flush_all()  # the archive first: nothing is stored unarchived
        if self.config.ordering_attribute is not None:
            self.retried_marks = []  # versions decide: nothing is held back
            self.unarchived |= {item.record for item in items if item.record in failed}
            items, unordered = with_versions(
                [item for item in items if item.record not in failed], self.config.ordering_attribute
            )
            self.outcomes.update((poison.message_id, poison) for poison in unordered)
        else:
            items = self.to_write(items, failed)
        if items:
            outcomes = write(items, self.config, self.table, self.retry, self.now)
            if self.publisher is not None:  # after the write: nothing is published that was not stored
                outcomes.update(self.publisher.publish_stored(items, outcomes))
            self.outcomes.update(outcomes)
            self.retried_keys |= {item.key for item in items if outcomes.get(item.message_id) == Written.FAILED}

    def to_write(self, items: list[Item], unarchived: set[str]) -> list[Item]:
        """The items to write, in order: not those whose archive line failed, nor any
        item of a key an earlier record of this batch left to be retried (the
        class docstring says why). Those are retried."""
        writable = []
        marks, self.retried_marks = self.retried_marks, []
        for position, item in enumerate(items):
            self.retried_keys |= {key for at, key in marks if at == position}
            if item.record in unarchived:
                self.unarchived.add(item.record)
                self.retried_keys.add(item.key)
            elif item.key in self.retried_keys:
                self.outcomes[item.message_id] = Written.FAILED
            else:
                writable.append(item)
        self.retried_keys |= {key for at, key in marks if at >= len(items)}
        return writable

    def record_outcomes(self) -> dict[str, Any]:
        """Each record's outcome (message id -> Written | Poison): a split record's elements
        folded into one. Any element to retry retries the record (its keys are written again,
        the same ones); else an element DynamoDB refused makes it poison (the others stay
        stored; a redrive writes them all again); else it is stored if any element was."""
        outcomes = {message_id: outcome for message_id, outcome in self.outcomes.items() if message_id not in self.element_ids}
        for record_id, element_ids in self.elements.items():
            folded = [self.outcomes[element] for element in element_ids if element in self.outcomes]
            outcomes[record_id] = fold(record_id, folded)
        if batched(self.config):
            self.retry_after_retried_splits(outcomes)
        return outcomes

    def retry_after_retried_splits(self, outcomes: dict[str, Any]) -> None:
        """Last write wins: a split record that is retried writes ALL its elements again when it
        comes back, the stored ones too. A later record of this batch sharing one of its keys
        must not be acknowledged, or the earlier record's return would replace it; failed
        together, they come back together (the class docstring's rule, for whole records)."""
        retried: set[str] = set()  # keys a retried split record will write again
        for record_id, keys in self.record_keys.items():
            outcome = outcomes.get(record_id)
            if keys & retried and outcome in (Written.STORED, Written.DUPLICATE, Written.REPEATED):
                outcomes[record_id] = outcome = Written.FAILED
            if outcome == Written.FAILED and (record_id in self.elements or keys & retried):
                retried |= keys

    @property
    def element_ids(self) -> set[str]:
        return {element for elements in self.elements.values() for element in elements}


# A split record's outcome is its elements' worst: retry, then poison, then stored, then duplicates.
FOLD_ORDER = (Written.FAILED, Written.STORED, Written.REPEATED, Written.DUPLICATE)


def fold(record_id: str, outcomes: list[Any]) -> Any:
    if Written.FAILED in outcomes or not outcomes:  # none: not written yet (held back), so retried
        return Written.FAILED
    poisoned = [outcome for outcome in outcomes if isinstance(outcome, Poison)]
    if poisoned:
        return Poison(record_id, poisoned[0].reason, poisoned[0].detail)
    return next(outcome for outcome in FOLD_ORDER if outcome in outcomes)
