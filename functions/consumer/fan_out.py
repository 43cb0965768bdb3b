"""Fan-out: each item the consumer stores is published once to an EventBridge bus.

Published after its write, from the item itself: nothing is published that was
not stored, and a duplicate (first write wins, or an older version) is not
published again, unless the stored item is this record's own (store.Written.
REPEATED: a redelivery after a write whose publishing failed). A failed
publish makes the record retriable (SQS delivers it again, and the write
repeats); an entry EventBridge refuses as malformed can never be published, so
its record is dead-lettered `fan_out_rejected` (its item stays stored).

Each event: `source` = the configured prefix + the webhook source's name,
`detail-type` = the source's `detail_type` (a JSON pointer into the stored
item, or a carried header), else DEFAULT_DETAIL_TYPE; `detail` = the stored
item as JSON, numbers exactly as stored; `time` = when API Gateway received it.
An item whose JSON would not fit EventBridge's 256 KB entry is published as a
reference (its key and OMITTED_FIELD): read the item from the table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from contract import SIGNATURES

from json_pointer import pointer_steps, pointer_value
from pipeline import Poison, Reason
from records import Item
from store import RetryPolicy, Written

# EventBridge PutEvents: 10 entries per request, 256 KB per request (and so per entry).
MAX_ENTRIES_PER_REQUEST = 10
MAX_REQUEST_BYTES = 256 * 1024
TIME_BYTES = 14  # what EventBridge counts for an entry's Time
MAX_DETAIL_TYPE_CHARACTERS = 128
DEFAULT_DETAIL_TYPE = "webhook"
OMITTED_FIELD = "_detailOmitted"
OMITTED_WHY = "larger than an EventBridge entry: read the item by its key"
# Entry error codes that no retry can cure: the record is dead-lettered, its item stays stored.
REJECTED_ENTRY_CODES = frozenset({"MalformedDetail", "InvalidArgument", "ValidationException"})


@dataclass(frozen=True)
class FanOut:
    """Where stored events go: a bus (name or ARN) and the prefix of each event's source."""

    bus: str
    source_prefix: str


@dataclass(frozen=True)
class Event:
    """What an item needs besides its attributes to become an event (stages.enqueue sets it)."""

    source: str  # the webhook source's name
    detail_type: str
    received_ms: int | None
    detail: Mapping[str, Any]  # what is published: the item, or a copy with a secret left out


def detail_type_of(pointer_or_header: str | None, attributes: Mapping[str, Any], headers: Mapping[str, str]) -> str:
    """The event's detail-type: a string at the pointer in the item, or a carried header's value;
    DEFAULT_DETAIL_TYPE when the setting is absent, the value missing, not a string, empty or too long."""
    if pointer_or_header is None:
        return DEFAULT_DETAIL_TYPE
    pointer = pointer_or_header.startswith("/")
    value = pointer_value(attributes, pointer_or_header) if pointer else headers.get(pointer_or_header)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_DETAIL_TYPE_CHARACTERS:
        return DEFAULT_DETAIL_TYPE
    return value


def json_text(value: Any) -> str:
    """An item's attributes as JSON, numbers written exactly as stored (Decimal, never a float)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(name))}:{json_text(member)}" for name, member in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(json_text(element) for element in value) + "]"
    if isinstance(value, Decimal):
        return str(value)  # JSON's grammar: 1E+2, -0.5 (parse_body admits no NaN or Infinity)
    return json.dumps(value, ensure_ascii=False)


def published_attributes(scheme: str | None, attributes: dict[str, Any], raw_body_field: str) -> dict[str, Any]:
    """The item as published, for a source whose body carries its shared secret (Microsoft Graph's
    clientState in each notification: contract.json items.secret_field): without it, whether the
    item is the whole body or one notification of it (split), and a raw body (kept as text in
    `raw_body_field`, where the secret cannot be cut out) without the body; for every other source
    the item itself (published as it is, not copied)."""
    facts = SIGNATURES["schemes"].get(scheme or "", {}).get("items", {})
    if "secret_field" not in facts:
        return attributes
    array_steps, field_steps = pointer_steps(facts["array"]), pointer_steps(facts["secret_field"])
    elements = pointer_value(attributes, facts["array"])
    if isinstance(elements, list):
        return replaced(attributes, array_steps, [without(element, field_steps) for element in elements])
    # A raw body (nothing of it is published: the secret cannot be cut out of text), or one element of
    # a split body (split_batches.py: one notification, published without its own secret).
    kept = {name: value for name, value in attributes.items() if name != raw_body_field and name not in array_steps[:1]}
    return without(kept, field_steps)


def without(value: Any, steps: tuple[str, ...]) -> Any:
    """`value` without the member at `steps` (object members only), copied along that path."""
    if not isinstance(value, dict) or not steps:
        return value
    if len(steps) == 1:
        return {name: member for name, member in value.items() if name != steps[0]}
    return {**value, steps[0]: without(value.get(steps[0]), steps[1:])} if steps[0] in value else value


def replaced(value: dict[str, Any], steps: tuple[str, ...], new: Any) -> dict[str, Any]:
    """`value` with the member at `steps` (object members only) replaced by `new`, copied along that path."""
    if len(steps) == 1:
        return {**value, steps[0]: new}
    child = value.get(steps[0])
    return {**value, steps[0]: replaced(child, steps[1:], new)} if isinstance(child, dict) else value


def entry_bytes(entry: Mapping[str, Any]) -> int:
    """EventBridge's size of an entry: its Time, Source, DetailType and Detail in UTF-8."""
    return TIME_BYTES + sum(len(str(entry.get(field, "")).encode("utf-8")) for field in ("Source", "DetailType", "Detail"))


def entry_for(item: Item, event: Event, fan_out: FanOut, partition_key: str, now: float) -> dict[str, Any]:
    """The PutEvents entry of a stored item: the item as its detail, or a reference when too large."""
    entry: dict[str, Any] = {
        "EventBusName": fan_out.bus,
        "Source": fan_out.source_prefix + event.source,
        "DetailType": event.detail_type,
        "Time": datetime.fromtimestamp(event.received_ms / 1000 if event.received_ms else now, UTC),
        "Detail": json_text(event.detail),
    }
    if entry_bytes(entry) >= MAX_REQUEST_BYTES:  # AWS: an entry under 256 KB
        entry["Detail"] = json.dumps({partition_key: item.key, OMITTED_FIELD: OMITTED_WHY})
    return entry


def to_publish(items: list[Item], outcomes: Mapping[str, Any]) -> list[Item]:
    """The items a chunk stored, one per key: the last one stored (or found already stored as it is).

    Last write wins marks the records a later one superseded STORED too: only the
    latest was written, so only it is published."""
    latest: dict[str, Item] = {}
    for item in items:
        if outcomes.get(item.message_id) in (Written.STORED, Written.REPEATED):
            latest.pop(item.key, None)
            latest[item.key] = item
    return list(latest.values())


def requests(entries: list[tuple[str, dict[str, Any]]]) -> list[list[tuple[str, dict[str, Any]]]]:
    """Entries grouped into PutEvents requests: at most 10 and 256 KB each."""
    groups: list[list[tuple[str, dict[str, Any]]]] = []
    size = 0
    for message_id, entry in entries:
        bytes_ = entry_bytes(entry)
        if not groups or len(groups[-1]) == MAX_ENTRIES_PER_REQUEST or size + bytes_ >= MAX_REQUEST_BYTES:
            groups.append([])
            size = 0
        groups[-1].append((message_id, entry))
        size += bytes_
    return groups


def put_once(client: Any, group: list[tuple[str, dict[str, Any]]]) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Poison]]:
    """One PutEvents request: (the entries to try again, the ones refused for good)."""
    try:
        response = client.put_events(Entries=[entry for _, entry in group])
    except (ClientError, BotoCoreError):
        return group, {}  # throttled, denied or unreachable: all of them again (or later, from SQS)
    again: list[tuple[str, dict[str, Any]]] = []
    refused: dict[str, Poison] = {}
    results = list(response.get("Entries") or [])
    results += [{"ErrorCode": "NoResult"}] * (len(group) - len(results))  # an entry with no answer: sent again
    for (message_id, entry), result in zip(group, results, strict=False):
        code = result.get("ErrorCode")
        if not code:
            continue
        if code in REJECTED_ENTRY_CODES:
            refused[message_id] = Poison(message_id, Reason.FAN_OUT_REJECTED, f"{code}: {result.get('ErrorMessage', '')}"[:200])
        else:
            again.append((message_id, entry))
    return again, refused


def publish(client: Any, entries: list[tuple[str, dict[str, Any]]], retry: RetryPolicy) -> dict[str, Any]:
    """Put the entries (message id, entry), retrying what failed within the invocation's time.

    Returns the outcome of each record not published: Written.FAILED (SQS delivers
    it again) or Poison (EventBridge refused its entry). A published one is absent."""
    outcomes: dict[str, Any] = {}

    def publish_once(pending: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
        again: list[tuple[str, dict[str, Any]]] = []
        for group in requests(pending):
            failed, refused = put_once(client, group)
            again += failed
            outcomes.update(refused)
        return again

    unpublished = retry.until_done(entries, publish_once)
    outcomes.update((message_id, Written.FAILED) for message_id, _ in unpublished)
    return outcomes


@dataclass
class Publisher:
    """A batch's publishing: each chunk's stored items, after their write (writes.Writes.flush)."""

    client: Any
    fan_out: FanOut
    partition_key: str
    retry: RetryPolicy
    now: float
    events: dict[str, Event] = field(default_factory=dict)  # message id -> its event, until its chunk is written
    published: int = 0

    def add(self, message_id: str, event: Event) -> None:
        self.events[message_id] = event

    def publish_stored(self, items: list[Item], outcomes: Mapping[str, Any]) -> dict[str, Any]:
        """Publish what the chunk stored; the outcome of each record that was not published."""
        entries = [
            (item.message_id, entry_for(item, self.events[item.message_id], self.fan_out, self.partition_key, self.now))
            for item in to_publish(items, outcomes)
        ]
        for item in items:
            self.events.pop(item.message_id, None)
        failures = publish(self.client, entries, self.retry) if entries else {}
        self.published += len(entries) - len(failures)
        return failures


__all__ = ["DEFAULT_DETAIL_TYPE", "Event", "FanOut", "Publisher", "detail_type_of", "entry_for", "publish", "to_publish"]
