"""Sending poison messages to the dead-letter queue at once, with the reason.

Without this, a message that can never succeed would be retried until SQS's
redrive moved it after maxReceiveCount, with nothing saying why. A dead letter
is the ORIGINAL record (a claim check's pointer, not its body), so a redrive
goes through every stage again; the attributes added here (OWN_ATTRIBUTES)
are accepted on the way back (trust.py).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from contract import ATTRIBUTES

from message_attributes import (
    DELIVERY_ATTRIBUTE,
    HEADER_ATTRIBUTE_PREFIX,
    MAX_MESSAGE_ATTRIBUTES,
    RECEIVED_AT_ATTRIBUTE,
    REPLAY_ATTRIBUTE,
    SOURCE_ATTRIBUTE,
)
from pipeline import Poison
from sources import DIGITS

SEND_BATCH_LIMIT = 10
# A whole SendMessageBatch request may carry 1 MiB on AWS today but 256 KiB in
# older regions' docs and in emulators; staying under the smaller keeps one
# large poison body from failing the send of nine small ones.
SEND_BATCH_MAX_BYTES = 200 * 1024
# The dead letter's own attributes (contract.json: users filter and alarm on them).
REASON_ATTRIBUTE: str = ATTRIBUTES["dead_letter"]["reason"]
DETAIL_ATTRIBUTE: str = ATTRIBUTES["dead_letter"]["detail"]
SOURCE_ID_ATTRIBUTE: str = ATTRIBUTES["dead_letter"]["source_message_id"]
RECEIVE_COUNT_ATTRIBUTE: str = ATTRIBUTES["dead_letter"]["receive_count"]
DROPPED_ATTRIBUTE: str = ATTRIBUTES["dead_letter"]["dropped"]
OWN_ATTRIBUTES = (REASON_ATTRIBUTE, DETAIL_ATTRIBUTE, SOURCE_ID_ATTRIBUTE, RECEIVE_COUNT_ATTRIBUTE, DROPPED_ATTRIBUTE)
# What a redrive cannot do without: the source, the receive time, how to read the
# body (a claim check's delivery) and that it is a replay (else it is archived
# again, and the next replay sends it twice); then the carried headers.
NEVER_DROPPED = (SOURCE_ATTRIBUTE, RECEIVED_AT_ATTRIBUTE, DELIVERY_ATTRIBUTE, REPLAY_ATTRIBUTE)


def kept_first(named: tuple[str, Any]) -> tuple[bool, str]:
    """The attributes a redrive cannot do without come first, so that they are the
    ones kept when not all fit."""
    name = named[0]
    return (not (name in NEVER_DROPPED or name.startswith(HEADER_ATTRIBUTE_PREFIX)), name)


def receive_count(record: Mapping[str, Any]) -> str:
    """SQS's ApproximateReceiveCount as a Number attribute: ASCII digits, or SQS would refuse the send."""
    value = str((record.get("attributes") or {}).get("ApproximateReceiveCount", "1"))
    return value if DIGITS.fullmatch(value) else "1"


def send_attributes(event_attributes: Mapping[str, Any]) -> dict[str, dict]:
    """SQS event-record attributes (camelCase) in SendMessage form (PascalCase)."""
    converted = {}
    for name, value in sorted(event_attributes.items(), key=kept_first):
        if name in OWN_ATTRIBUTES or not isinstance(value, Mapping):
            continue
        data_type = value.get("dataType")
        if value.get("stringValue") is not None:
            converted[name] = {"DataType": data_type, "StringValue": value["stringValue"]}
        elif value.get("binaryValue") is not None:
            converted[name] = {"DataType": data_type, "BinaryValue": base64.b64decode(value["binaryValue"])}
    return converted


def needed_for_a_redrive(name: str) -> bool:
    return name in NEVER_DROPPED or name.startswith(HEADER_ATTRIBUTE_PREFIX)


def dead_letter_entry(entry_id: str, record: Mapping[str, Any], poison: Poison) -> dict[str, Any]:
    ours = {
        REASON_ATTRIBUTE: {"DataType": "String", "StringValue": poison.reason},
        SOURCE_ID_ATTRIBUTE: {"DataType": "String", "StringValue": poison.message_id},
        DETAIL_ATTRIBUTE: {"DataType": "String", "StringValue": poison.detail or "-"},
        RECEIVE_COUNT_ATTRIBUTE: {"DataType": "Number", "StringValue": receive_count(record)},
    }
    # SQS allows 10 attributes per message: ours, then as many originals as fit;
    # when some do not, one of ours names them, so none is lost unseen. What a
    # redrive needs (NEVER_DROPPED, the carried headers) goes before our two
    # informational ones (the receive count, then the detail).
    originals = send_attributes(record.get("messageAttributes") or {})
    room = MAX_MESSAGE_ATTRIBUTES - len(ours)
    dropped: list[str] = []
    if len(originals) > room:
        room -= 1
        needed = sum(needed_for_a_redrive(name) for name in originals)
        for informational in (RECEIVE_COUNT_ATTRIBUTE, DETAIL_ATTRIBUTE):
            if needed > room:
                del ours[informational]
                dropped.append(informational)
                room += 1
        dropped += list(originals)[room:]
        ours[DROPPED_ATTRIBUTE] = {"DataType": "String", "StringValue": ",".join(dropped)}
    kept = dict(list(originals.items())[:room])
    return {"Id": entry_id, "MessageBody": record["body"], "MessageAttributes": {**kept, **ours}}


def send_batches(poisoned: list[tuple[Mapping[str, Any], Poison]]) -> list[list[tuple[Mapping[str, Any], Poison]]]:
    """Groups of at most 10 messages and SEND_BATCH_MAX_BYTES of bodies."""
    batches: list[list[tuple[Mapping[str, Any], Poison]]] = []
    size = 0
    for pair in poisoned:
        # surrogatepass: a body may hold a lone surrogate (poison invalid_unicode); measuring must not raise.
        body_size = len(pair[0]["body"].encode("utf-8", "surrogatepass"))
        if not batches or len(batches[-1]) == SEND_BATCH_LIMIT or size + body_size > SEND_BATCH_MAX_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(pair)
        size += body_size
    return batches


def is_utf8(value: Any) -> bool:
    """Whether every string in an entry can be encoded as UTF-8 (a lone surrogate cannot)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, Mapping):
        return all(is_utf8(name) and is_utf8(inner) for name, inner in value.items())
    return True


def send_to_dead_letter_queue(sqs: Any, queue_url: str, poisoned: list[tuple[Mapping[str, Any], Poison]]) -> set[str]:
    """Send each poison record; return the message ids that were NOT sent (the caller
    retries them: SQS's own redrive moves them after maxReceiveCount). Never raises: a
    record SQS cannot carry must not fail the batch."""
    not_sent: set[str] = set()
    # A body (or attribute) with a lone surrogate cannot be encoded for the request:
    # botocore would raise for the whole batch of ten, so such a record is left out alone.
    sendable = []
    for record, poison in poisoned:
        if is_utf8(dead_letter_entry("0", record, poison)):
            sendable.append((record, poison))
        else:
            not_sent.add(poison.message_id)
    for chunk in send_batches(sendable):
        entries = [dead_letter_entry(str(index), record, poison) for index, (record, poison) in enumerate(chunk)]
        try:
            response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        except (ClientError, BotoCoreError, ValueError):  # ValueError: a request botocore cannot serialize
            not_sent.update(poison.message_id for _, poison in chunk)
            continue
        for failure in response.get("Failed", []):
            not_sent.add(chunk[int(failure["Id"])][1].message_id)
    return not_sent
