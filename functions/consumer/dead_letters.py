"""Sending poison messages to the dead-letter queue at once, with the reason.

Without this, a message that can never succeed would be retried until SQS's
redrive moved it after maxReceiveCount, with nothing saying why.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from message_attributes import HEADER_ATTRIBUTE_PREFIX, RECEIVED_AT_ATTRIBUTE, SOURCE_ATTRIBUTE
from records import Poison

SEND_BATCH_LIMIT = 10
# A whole SendMessageBatch request may carry 1 MiB on AWS today but 256 KiB in
# older regions' docs and in emulators; staying under the smaller keeps one
# large poison body from failing the send of nine small ones.
SEND_BATCH_MAX_BYTES = 200 * 1024
MAX_MESSAGE_ATTRIBUTES = 10
REASON_ATTRIBUTE = "ingest.failure_reason"
DETAIL_ATTRIBUTE = "ingest.failure_detail"
SOURCE_ID_ATTRIBUTE = "ingest.source_message_id"
RECEIVE_COUNT_ATTRIBUTE = "ingest.receive_count"
DROPPED_ATTRIBUTE = "ingest.dropped_attributes"
OWN_ATTRIBUTES = (REASON_ATTRIBUTE, DETAIL_ATTRIBUTE, SOURCE_ID_ATTRIBUTE, RECEIVE_COUNT_ATTRIBUTE, DROPPED_ATTRIBUTE)


def kept_first(named: tuple[str, Any]) -> tuple[bool, str]:
    """The attributes a redrive cannot do without come first, so that they are the
    ones kept when not all fit: the source, the receive time, the carried headers."""
    name = named[0]
    return (not (name in (SOURCE_ATTRIBUTE, RECEIVED_AT_ATTRIBUTE) or name.startswith(HEADER_ATTRIBUTE_PREFIX)), name)


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


def dead_letter_entry(entry_id: str, record: Mapping[str, Any], poison: Poison) -> dict[str, Any]:
    ours = {
        REASON_ATTRIBUTE: {"DataType": "String", "StringValue": poison.reason},
        DETAIL_ATTRIBUTE: {"DataType": "String", "StringValue": poison.detail or "-"},
        SOURCE_ID_ATTRIBUTE: {"DataType": "String", "StringValue": poison.message_id},
        RECEIVE_COUNT_ATTRIBUTE: {
            "DataType": "Number",
            "StringValue": str(record.get("attributes", {}).get("ApproximateReceiveCount", "1")),
        },
    }
    # SQS allows 10 attributes per message: ours first, then as many originals
    # as fit; when some do not, one of ours names them, so none is lost unseen.
    originals = send_attributes(record.get("messageAttributes") or {})
    room = MAX_MESSAGE_ATTRIBUTES - len(ours)
    if len(originals) > room:
        room -= 1
        dropped = list(originals)[room:]
        ours[DROPPED_ATTRIBUTE] = {"DataType": "String", "StringValue": ",".join(dropped)}
    kept = dict(list(originals.items())[:room])
    return {"Id": entry_id, "MessageBody": record["body"], "MessageAttributes": {**kept, **ours}}


def send_batches(poisoned: list[tuple[Mapping[str, Any], Poison]]) -> list[list[tuple[Mapping[str, Any], Poison]]]:
    """Groups of at most 10 messages and SEND_BATCH_MAX_BYTES of bodies."""
    batches: list[list[tuple[Mapping[str, Any], Poison]]] = []
    size = 0
    for pair in poisoned:
        body_size = len(pair[0]["body"].encode("utf-8"))
        if not batches or len(batches[-1]) == SEND_BATCH_LIMIT or size + body_size > SEND_BATCH_MAX_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(pair)
        size += body_size
    return batches


def send_to_dead_letter_queue(sqs: Any, queue_url: str, poisoned: list[tuple[Mapping[str, Any], Poison]]) -> set[str]:
    """Send each poison record; return the message ids that were NOT sent."""
    not_sent: set[str] = set()
    for chunk in send_batches(poisoned):
        entries = [dead_letter_entry(str(index), record, poison) for index, (record, poison) in enumerate(chunk)]
        try:
            response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        except (ClientError, BotoCoreError):
            not_sent.update(poison.message_id for _, poison in chunk)
            continue
        for failure in response.get("Failed", []):
            not_sent.add(chunk[int(failure["Id"])][1].message_id)
    return not_sent
