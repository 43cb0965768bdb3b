"""One received webhook, and the one way each it is written and read.

An Envelope is what the module knows of a request: its source, the exact body
bytes, the headers its source's route carries, when API Gateway received it,
the request id and principal, how the body travels (in the message, or as a
claim check) and, for a replay, the archived message's id. It is written to
SQS message attributes (the front function, from its Lambda proxy event;
scripts/replay.py; API Gateway's mapping on a direct route writes the same names
from contract.json), read from
an SQS Lambda record (the consumer), written as and read from an archive line
(the consumer's archive, scripts/replay.py). Nothing else knows the attribute
names or the carried-header form: a carried header is the attribute
`header.<name>`, its value prefixed "h:" so that a missing header still makes a
non-empty attribute (SQS refuses empty ones). A dead letter is the original
record, never rebuilt from an Envelope (its unknown and binary attributes go
with it); this module says which attributes it keeps first and which are its
own (dead_letters.py, scripts/redrive.py).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contract import ATTRIBUTES

# The names are contract.json's: root main.tf builds the routes' mapping from the same file.
SOURCE_ATTRIBUTE: str = ATTRIBUTES["source"]
RECEIVED_AT_ATTRIBUTE: str = ATTRIBUTES["received_at"]  # API Gateway's receipt, Unix milliseconds
REQUEST_ID_ATTRIBUTE: str = ATTRIBUTES["request_id"]
PRINCIPAL_ATTRIBUTE: str = ATTRIBUTES["principal"]
DELIVERY_ATTRIBUTE: str = ATTRIBUTES["delivery"]
# Set by scripts/replay.py to the archived message's id: a replayed message is already in
# the archive, and archiving it again would make the next replay send it twice.
REPLAY_ATTRIBUTE: str = ATTRIBUTES["replay_of"]
HEADER_ATTRIBUTE_PREFIX: str = ATTRIBUTES["header_prefix"]
HEADER_VALUE_PREFIX: str = ATTRIBUTES["header_value_prefix"]
# Where each attribute may come from, by name: every_route, claim_check or replay (trust.py).
CARRIED_ON: dict[str, str] = {ATTRIBUTES[key]: facts["on"] for key, facts in ATTRIBUTES["carried"].items()}
MAX_MESSAGE_ATTRIBUTES: int = ATTRIBUTES["sqs_limit"]  # SQS takes at most this many attributes on one message
# A dead letter's own attributes (users filter and alarm on them; a redrive drops them).
REASON_ATTRIBUTE: str = ATTRIBUTES["dead_letter"]["reason"]
DETAIL_ATTRIBUTE: str = ATTRIBUTES["dead_letter"]["detail"]
SOURCE_ID_ATTRIBUTE: str = ATTRIBUTES["dead_letter"]["source_message_id"]
RECEIVE_COUNT_ATTRIBUTE: str = ATTRIBUTES["dead_letter"]["receive_count"]
DROPPED_ATTRIBUTE: str = ATTRIBUTES["dead_letter"]["dropped"]
DEAD_LETTER_ATTRIBUTES = (REASON_ATTRIBUTE, DETAIL_ATTRIBUTE, SOURCE_ID_ATTRIBUTE, RECEIVE_COUNT_ATTRIBUTE, DROPPED_ATTRIBUTE)
# What a redrive cannot do without: the source, the receive time, how to read the body
# (a claim check's delivery) and that it is a replay (else it is archived again, and the
# next replay sends it twice); then the carried headers (needed_for_a_redrive).
NEVER_DROPPED = (SOURCE_ATTRIBUTE, RECEIVED_AT_ATTRIBUTE, DELIVERY_ATTRIBUTE, REPLAY_ATTRIBUTE)

DIRECT = "direct"  # the body is the message's; no delivery attribute is written
CLAIM_CHECK = "claim-check"  # the body is in S3, the message holds a pointer (claim_check.py) that also holds the headers
DELIVERIES = (DIRECT, CLAIM_CHECK)
# The fields of an Envelope, in its own attributes; any other string attribute is kept as it is.
NAMED_ATTRIBUTES = frozenset({SOURCE_ATTRIBUTE, RECEIVED_AT_ATTRIBUTE, REQUEST_ID_ATTRIBUTE, PRINCIPAL_ATTRIBUTE})
NAMED_ATTRIBUTES |= {DELIVERY_ATTRIBUTE, REPLAY_ATTRIBUTE}
# An edge request's id when API Gateway gave none (a test's event): a pointer is then keyed by its body's digest.
MISSING_REQUEST_ID = "-"
# A time in Unix milliseconds: 13 digits reach the year 2286; more would be refused by
# datetime (15 digits) or be no receive time API Gateway or SQS ever wrote.
MAX_MILLISECOND_DIGITS = 13
# The archive's JSON Lines fields. Not the attribute names: archives written by earlier releases
# must still replay, whatever the attributes are called.
ARCHIVE_MESSAGE_ID, ARCHIVE_SOURCE, ARCHIVE_RECEIVED_AT = "messageId", "source", "receivedAt"
ARCHIVE_HEADERS, ARCHIVE_ATTRIBUTES, ARCHIVE_BODY, ARCHIVE_BODY_BASE64 = "headers", "attributes", "body", "bodyBase64"


class TooManyAttributes(ValueError):
    """An Envelope that would need more message attributes than SQS takes."""


class InvalidArchiveLine(ValueError):
    """A line that is not an archived message."""


# --- one attribute of an SQS Lambda record (event form: camelCase) ---------------------------------


def string_attribute(record: Mapping[str, Any], name: str) -> str | None:
    attribute = (record.get("messageAttributes") or {}).get(name)
    if attribute is None:
        return None
    # (type() first: a record is JSON, so a dict, and an ABC's isinstance costs more than the rest)
    value = attribute.get("stringValue") if type(attribute) is dict or isinstance(attribute, Mapping) else None
    return value if type(value) is str else None


def header_value(record: Mapping[str, Any], name: str) -> str:
    """A request header API Gateway carried for this source; "" when the request had none."""
    value = string_attribute(record, header_attribute(name)) or ""
    return value.removeprefix(HEADER_VALUE_PREFIX) if value.startswith(HEADER_VALUE_PREFIX) else ""


def received_milliseconds(record: Mapping[str, Any]) -> int | None:
    """When the request was received, in Unix milliseconds: API Gateway's receivedAt
    (kept through any redrive), else SQS's SentTimestamp (a copy made by a redrive has
    a new one)."""
    milliseconds = unix_milliseconds(string_attribute(record, RECEIVED_AT_ATTRIBUTE))
    if milliseconds is None:
        return unix_milliseconds((record.get("attributes") or {}).get("SentTimestamp"))
    return milliseconds


def unix_milliseconds(value: object) -> int | None:
    """The time a text of 1 to MAX_MILLISECOND_DIGITS ASCII digits holds, else None (not a regular
    expression: every message is read with it, and isdigit alone would take other scripts' digits)."""
    if type(value) is str and 0 < len(value) <= MAX_MILLISECOND_DIGITS and value.isascii() and value.isdigit():
        return int(value)
    return None


def received_seconds(record: Mapping[str, Any]) -> float | None:
    """received_milliseconds in Unix seconds."""
    milliseconds = received_milliseconds(record)
    return None if milliseconds is None else milliseconds / 1000


def header_attribute(name: str) -> str:
    """The attribute that carries a request header (what a route may set: trust.py)."""
    return HEADER_ATTRIBUTE_PREFIX + name


def carried_header(name: str, value: str) -> tuple[str, str]:
    """(attribute name, attribute value) of a request header, as the routes carry it."""
    return header_attribute(name), HEADER_VALUE_PREFIX + value


def carried_header_name(attribute: str) -> str | None:
    """The header an attribute carries, None for an attribute that carries none."""
    return attribute.removeprefix(HEADER_ATTRIBUTE_PREFIX) if attribute.startswith(HEADER_ATTRIBUTE_PREFIX) else None


# --- dead letters ------------------------------------------------------------------------------------


def needed_for_a_redrive(name: str) -> bool:
    return name in NEVER_DROPPED or name.startswith(HEADER_ATTRIBUTE_PREFIX)


def carried_onto_dead_letter(event_attributes: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A record's attributes (event form) in SendMessage form (PascalCase), every data type,
    without a dead letter's own (the new ones replace them), and those needed for a
    redrive first, so that they are the ones kept when not all fit."""
    converted = {}
    for name, value in sorted(event_attributes.items(), key=lambda named: (not needed_for_a_redrive(named[0]), named[0])):
        if name in DEAD_LETTER_ATTRIBUTES or not isinstance(value, Mapping):
            continue
        data_type = value.get("dataType")
        if value.get("stringValue") is not None:
            converted[name] = {"DataType": data_type, "StringValue": value["stringValue"]}
        elif value.get("binaryValue") is not None:
            converted[name] = {"DataType": data_type, "BinaryValue": base64.b64decode(value["binaryValue"])}
    return converted


# --- the envelope ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Envelope:
    """A received webhook. None: not known (or not readable from what was received)."""

    source: str | None
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)  # the carried request headers, by lower-case name
    received_ms: int | None = None  # when API Gateway received it, Unix milliseconds
    request_id: str | None = None
    principal: str | None = None  # the authorizer's, on a route with one
    delivery: str | None = DIRECT  # DIRECT or CLAIM_CHECK; None: an attribute holding neither
    replay_of: str | None = None  # the archived message's id, on a replay
    message_id: str | None = None  # the SQS message's, once queued
    other_attributes: Mapping[str, str] = field(default_factory=dict)  # any other string attribute, kept as it was

    def to_message_attributes(self) -> dict[str, dict[str, str]]:
        """SendMessage's MessageAttributes. A claim check's headers travel in its pointer,
        a direct message's as header.<name> = h:<value>; an empty value is left out (SQS
        refuses it). TooManyAttributes beyond SQS's limit, naming the attributes, never
        their values (a header may hold a signature)."""
        values: dict[str, str | None] = {
            **self.other_attributes,
            DELIVERY_ATTRIBUTE: CLAIM_CHECK if self.delivery == CLAIM_CHECK else None,
            SOURCE_ATTRIBUTE: self.source,
            RECEIVED_AT_ATTRIBUTE: None if self.received_ms is None else str(self.received_ms),
            REQUEST_ID_ATTRIBUTE: self.request_id,
            PRINCIPAL_ATTRIBUTE: self.principal,
            REPLAY_ATTRIBUTE: self.replay_of,
        }
        if self.delivery != CLAIM_CHECK:
            values.update(carried_header(name, value) for name, value in self.headers.items())
        attributes = {name: {"DataType": "String", "StringValue": value} for name, value in values.items() if value}
        if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
            names = ", ".join(sorted(attributes))
            raise TooManyAttributes(f"{len(attributes)} message attributes, SQS takes at most {MAX_MESSAGE_ATTRIBUTES}: {names}")
        return attributes

    @classmethod
    def from_proxy_event(
        cls,
        event: Mapping[str, Any],
        headers: Mapping[str, str],
        source: str,
        carried: tuple[str, ...],
        delivery: str,
        body: bytes,
    ) -> Envelope:
        """A request as an edge route delivers it (the Lambda proxy event, payload 2.0, and its
        proxy_headers): only its carried headers, each as a value; MISSING_REQUEST_ID for a
        request id API Gateway did not give."""
        context = event.get("requestContext") or {}
        return cls(
            source=source,
            body=body,
            headers={name: headers[name] for name in carried if name in headers},
            received_ms=proxy_received_ms(event),
            request_id=str(context.get("requestId") or MISSING_REQUEST_ID),
            principal=authorizer_principal(event),
            delivery=delivery,
        )

    @classmethod
    def from_record(cls, record: Any, body: bytes | None = None) -> Envelope:
        """The envelope of an SQS Lambda record; `body`: its bytes when the caller has them
        already (a resolved claim check's, or not encoded again). Never raises:
        what is missing, of the wrong type or garbled is None (headers: absent)."""
        fields = record if isinstance(record, Mapping) else {}
        attributes = fields.get("messageAttributes")
        attributes = attributes if isinstance(attributes, Mapping) else {}
        system = fields.get("attributes")
        view = {"messageAttributes": attributes, "attributes": system if isinstance(system, Mapping) else {}}
        headers, others = {}, {}
        for name in attributes:
            value = string_attribute(view, name) if isinstance(name, str) else None
            if value is None or name in NAMED_ATTRIBUTES:
                continue
            if (header := carried_header_name(name)) is not None:
                if carried := header_value(view, header):  # a header the request did not have is left out
                    headers[header] = carried
            else:
                others[name] = value
        delivery = string_attribute(view, DELIVERY_ATTRIBUTE) if DELIVERY_ATTRIBUTE in attributes else DIRECT
        message_id = fields.get("messageId")
        return cls(
            source=string_attribute(view, SOURCE_ATTRIBUTE),
            body=record_body(fields) if body is None else body,
            headers=headers,
            received_ms=received_milliseconds(view),
            request_id=string_attribute(view, REQUEST_ID_ATTRIBUTE),
            principal=string_attribute(view, PRINCIPAL_ATTRIBUTE),
            delivery=delivery if delivery in DELIVERIES else None,
            replay_of=string_attribute(view, REPLAY_ATTRIBUTE),
            message_id=message_id if isinstance(message_id, str) else None,
            other_attributes=others,
        )

    def to_archive_line(self) -> str:
        """One JSON Lines line (without its newline), as every release has written it: the
        body as text when it is UTF-8, else base64; request id, principal and any other
        attribute under "attributes"; keys sorted, so that a line read and written again
        is the same bytes."""
        if self.message_id is None or self.source is None or self.received_ms is None:
            raise ValueError("an archived message needs its message id, source and receive time")
        attributes = {REQUEST_ID_ATTRIBUTE: self.request_id, PRINCIPAL_ATTRIBUTE: self.principal, **self.other_attributes}
        line: dict[str, Any] = {
            ARCHIVE_MESSAGE_ID: self.message_id,
            ARCHIVE_SOURCE: self.source,
            ARCHIVE_RECEIVED_AT: self.received_ms,
            ARCHIVE_HEADERS: dict(self.headers),
            ARCHIVE_ATTRIBUTES: {name: value for name, value in attributes.items() if value is not None},
        }
        try:
            line[ARCHIVE_BODY] = self.body.decode("utf-8")
        except UnicodeDecodeError:
            line[ARCHIVE_BODY_BASE64] = base64.b64encode(self.body).decode("ascii")
        return json.dumps(line, separators=(",", ":"), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_archive_line(cls, line: str) -> Envelope:
        """The message an archive line holds; InvalidArchiveLine for anything else."""
        try:
            fields = json.loads(line)
            if ARCHIVE_BODY_BASE64 in fields:
                body = base64.b64decode(fields[ARCHIVE_BODY_BASE64])
            else:
                body = fields[ARCHIVE_BODY].encode("utf-8")
            attributes = {str(name): str(value) for name, value in dict(fields.get(ARCHIVE_ATTRIBUTES) or {}).items()}
            return cls(
                source=str(fields[ARCHIVE_SOURCE]),
                body=body,
                headers={str(name): str(value) for name, value in dict(fields.get(ARCHIVE_HEADERS) or {}).items()},
                received_ms=int(fields[ARCHIVE_RECEIVED_AT]),
                request_id=attributes.pop(REQUEST_ID_ATTRIBUTE, None),
                principal=attributes.pop(PRINCIPAL_ATTRIBUTE, None),
                message_id=str(fields[ARCHIVE_MESSAGE_ID]),
                other_attributes=attributes,
            )
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError, binascii.Error) as error:
            raise InvalidArchiveLine(f"not an archived message ({type(error).__name__})") from None


def authorizer_principal(event: Mapping[str, Any]) -> str | None:
    """The principal the route's Lambda authorizer admitted a proxied request as; None without one."""
    principal = (((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}).get("principal")
    return str(principal) if principal else None


def proxy_headers(event: Mapping[str, Any]) -> dict[str, str]:
    """A Lambda proxy event's request headers by lower-case name (header names are case-insensitive)."""
    return {str(name).lower(): str(value) for name, value in (event.get("headers") or {}).items()}


def proxy_received_ms(event: Mapping[str, Any]) -> int:
    """When API Gateway received a proxied request (requestContext.timeEpoch), Unix milliseconds;
    now for an event without one."""
    return int((event.get("requestContext") or {}).get("timeEpoch") or time.time() * 1000)


def record_body(record: Mapping[str, Any]) -> bytes:
    """The SQS body's bytes. A body holding a lone surrogate (which no UTF-8 carries)
    keeps it as surrogatepass bytes instead of raising."""
    text = record.get("body")
    return text.encode("utf-8", "surrogatepass") if isinstance(text, str) else b""
