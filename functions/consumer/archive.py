"""The raw archive: what each archived source sent, exactly, one S3 object per batch.

One object per batch, source and day (JSON Lines), not one per message: S3
bills each PUT, and at batch size 10 that is a tenth of the requests. Each line
holds the exact body (as text when it is UTF-8, else base64), the headers the
source's route carries, the receive time and the message's other attributes:
all scripts/replay.py needs to send it again through the same consumer checks.

The archive is written before anything is stored: a record whose line could
not be written is retried, never stored unarchived. A retried record is
archived again; replay sends each message id once and the table keeps one
item per event key.
"""

from __future__ import annotations

import base64
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from claim_check import DELIVERY_ATTRIBUTE, REPLAY_ATTRIBUTE, archive_key, archive_line, archive_partition
from message_attributes import HEADER_ATTRIBUTE_PREFIX, RECEIVED_AT_ATTRIBUTE, SOURCE_ATTRIBUTE
from sources import body_bytes, header_value, received_seconds, string_attribute

NOT_ARCHIVED_ATTRIBUTES = (SOURCE_ATTRIBUTE, RECEIVED_AT_ATTRIBUTE, DELIVERY_ATTRIBUTE, REPLAY_ATTRIBUTE)


def archived_message(record: Mapping[str, Any], source: str, received: float) -> dict[str, Any]:
    headers, attributes = {}, {}
    for name in record.get("messageAttributes") or {}:
        value = string_attribute(record, name)
        if value is None or name in NOT_ARCHIVED_ATTRIBUTES:
            continue
        if name.startswith(HEADER_ATTRIBUTE_PREFIX):
            header = name.removeprefix(HEADER_ATTRIBUTE_PREFIX)
            if carried := header_value(record, header):  # a header the request did not have is left out
                headers[header] = carried
        else:
            attributes[name] = value
    message: dict[str, Any] = {
        "messageId": record["messageId"],
        "source": source,
        "receivedAt": int(received * 1000),
        "headers": headers,
        "attributes": attributes,
    }
    body = body_bytes(record)
    try:
        message["body"] = body.decode("utf-8")
    except UnicodeDecodeError:
        message["bodyBase64"] = base64.b64encode(body).decode("ascii")
    return message


def archive_batch(
    records: Iterable[tuple[Mapping[str, Any], str]], bucket: str, s3: Any, batch_id: str, now: float | None = None
) -> set[str]:
    """Write (record, source) pairs, one object per source and day; the message
    ids whose object could not be written (to retry)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    fallback = time.time() if now is None else now
    for record, source in records:
        received = received_seconds(record) or fallback
        groups[(source, archive_partition(source, received))].append(archived_message(record, source, received))
    failed: set[str] = set()
    for (source, _), messages in groups.items():
        key = archive_key(source, min(message["receivedAt"] for message in messages) / 1000, batch_id)
        data = ("\n".join(archive_line(message) for message in messages) + "\n").encode("utf-8")
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="application/x-ndjson")
        except (ClientError, BotoCoreError):
            failed.update(message["messageId"] for message in messages)
    return failed
