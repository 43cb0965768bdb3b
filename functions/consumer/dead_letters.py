"""Sending poison messages to the dead-letter queue at once, with the reason.

Without this, a message that can never succeed would be retried until SQS's
redrive moved it after maxReceiveCount, with nothing saying why. A dead letter
is the ORIGINAL record (a claim check's pointer, not its body), so a redrive
goes through every stage again; the attributes added here (envelope's
DEAD_LETTER_ATTRIBUTES) are accepted on the way back (trust.py). Which attributes are carried over, and
which first, is envelope.py's (carried_onto_dead_letter).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from envelope import (
    DETAIL_ATTRIBUTE,
    DROPPED_ATTRIBUTE,
    MAX_MESSAGE_ATTRIBUTES,
    REASON_ATTRIBUTE,
    RECEIVE_COUNT_ATTRIBUTE,
    SOURCE_ID_ATTRIBUTE,
    carried_onto_dead_letter,
    needed_for_a_redrive,
)
from pointers import DIGITS

from pipeline import Poison

SEND_BATCH_LIMIT = 10
# A whole SendMessageBatch request may carry 1 MiB on AWS today but 256 KiB in
# older regions' docs and in emulators; staying under the smaller keeps one
# large poison body from failing the send of nine small ones.
SEND_BATCH_MAX_BYTES = 200 * 1024


def receive_count(record: Mapping[str, Any]) -> str:
    """SQS's ApproximateReceiveCount as a Number attribute: ASCII digits, or SQS would refuse the send."""
    value = str((record.get("attributes") or {}).get("ApproximateReceiveCount", "1"))
    return value if DIGITS.fullmatch(value) else "1"


def dead_letter_entry(entry_id: str, record: Mapping[str, Any], poison: Poison) -> dict[str, Any]:
    ours = {
        REASON_ATTRIBUTE: {"DataType": "String", "StringValue": poison.reason},
        SOURCE_ID_ATTRIBUTE: {"DataType": "String", "StringValue": poison.message_id},
        DETAIL_ATTRIBUTE: {"DataType": "String", "StringValue": poison.detail or "-"},
        RECEIVE_COUNT_ATTRIBUTE: {"DataType": "Number", "StringValue": receive_count(record)},
    }
    # SQS allows 10 attributes per message: ours, then as many originals as fit;
    # when some do not, one of ours names them, so none is lost unseen. What a
    # redrive needs (envelope.needed_for_a_redrive) goes before our two
    # informational ones (the receive count, then the detail).
    originals = carried_onto_dead_letter(record.get("messageAttributes") or {})
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
