"""Sources: where a message came from, and where its key is.

API Gateway's mapping for each source's route adds a static `source` message
attribute (a sender cannot choose it) and carries each header the source needs
(its key header, its signature headers) as a message attribute, in the form
envelope.py alone writes and reads (a missing header still makes a non-empty
attribute: SQS refuses empty ones, which would refuse the whole request at the
edge instead of dead-lettering it with its reason). trust.py checks that a
message carries only the attributes its source's route can produce; a signed
source's messages are verified (signatures.py) before their body is even
parsed. An item's key is "<source>#<id>" (SourceRule.key_prefix): source names
cannot hold "#", so two sources sending the same id never meet.

The single source of the first releases is a source like the others, with
`legacy_keys`: its items are keyed by the body's own id, unprefixed, nothing
is stamped on them, and it takes the messages that name no source (the first
releases' route sets no `source` attribute). Without SOURCES the consumer runs
exactly that source (legacy_setting), which is also what Terraform passes for
a deployment without `sources`: one source model, no second path.

The id within a source comes from the body, a header or the signed content
(event_keys.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from typing import Any

from contract import SIGNED_CONTENT_KEY
from envelope import CLAIM_CHECK, DELIVERIES, DIRECT, SOURCE_ATTRIBUTE, Envelope, received_milliseconds, string_attribute
from pointers import pointer_token

from pipeline import Reason
from records import Poison, parse_body
from signatures import HEADER_NAME, Rejected, SignatureRule, load_signature, verify

KEY_SEPARATOR = "#"
# SIGNED_CONTENT_KEY (contract.json): key the event by a digest of the content its signature covers (signed sources only).
# The name of the first releases' single source: what Terraform calls it, and the
# metrics' Source of a message that names none (app.source_dimension).
DEFAULT_SOURCE = "default"
# What the consumer adds to each item of a source without legacy_keys; a body holding
# one of these is poison (overwriting it would lose the sender's data, keeping it
# would let a sender claim another source).
SOURCE_FIELD = "_source"
RECEIVED_AT_FIELD = "_receivedAt"
RAW_BODY_FIELD = "body"
# An item too large for DynamoDB holds this instead of its body (payloads.py).
STORED_BODY_FIELD = "_payload"


@dataclass(frozen=True)
class SourceRule:
    """How one source's messages become items."""

    name: str
    event_key: str  # a JSON pointer ("/id"), a lower-case header name, or SIGNED_CONTENT_KEY
    raw_body: bool = False
    signature: SignatureRule | None = None
    signing_secret_arn: str = ""
    archive: bool = False
    claim_check: bool = False  # delivery "claim-check": the front function sends its messages
    legacy_keys: bool = False  # the first releases' single source: see the properties below
    detail_type: str | None = None  # fan-out: a JSON pointer ("/type") or a lower-case header name (fan_out.py)
    split: str | None = None  # a JSON pointer to an array ("" the body itself): one item per element (split_batches.py)

    @property
    def keyed_by_header(self) -> bool:
        return not self.event_key.startswith("/") and self.event_key != SIGNED_CONTENT_KEY

    @property
    def carried_headers(self) -> frozenset[str]:
        """The headers the source's route carries: its key header and its signature's
        (root main.tf local carried_headers; the front function keeps the same in a pointer)."""
        key_header = (self.event_key,) if self.keyed_by_header else ()
        type_header = (self.detail_type,) if self.detail_type is not None and not self.detail_type.startswith("/") else ()
        return frozenset(key_header + type_header + (self.signature.headers if self.signature else ()))

    @property
    def key_prefix(self) -> str:
        """What an item's key starts with: "<source>#", or nothing with legacy keys."""
        return "" if self.legacy_keys else self.name + KEY_SEPARATOR

    @property
    def stamped(self) -> bool:
        """Whether items record _source and _receivedAt, so a body may not hold those
        names (the first releases stamped nothing, and stored such a body as it is)."""
        return not self.legacy_keys

    @property
    def number_keys(self) -> bool:
        """Whether an integral number keys as its digits; with legacy keys only a
        non-empty string is a key (a number, or "", is invalid_key, as in the first releases)."""
        return not self.legacy_keys


@dataclass(frozen=True)
class Sources:
    """A deployment's sources by name, and the one (legacy_keys) that takes the messages naming none."""

    by_name: Mapping[str, SourceRule]
    unnamed: SourceRule | None = None

    def of(self, record: Mapping[str, Any]) -> SourceRule | None:
        """The record's source: the one its `source` attribute names, else the legacy one; None: unknown."""
        if SOURCE_ATTRIBUTE not in (record.get("messageAttributes") or {}):
            return self.unnamed
        return self.by_name.get(string_attribute(record, SOURCE_ATTRIBUTE) or "")

    def values(self) -> Iterable[SourceRule]:
        return self.by_name.values()

    @cached_property  # a warm container's Sources lives as long as its configuration (consumer_config)
    def signed(self) -> bool:
        """Whether any source is signed: a deployment of none looks up no signing key."""
        return any(rule.signature is not None for rule in self.by_name.values())


def legacy_setting(partition_key: str) -> str:
    """SOURCES for a deployment without sources: the first releases' single source,
    keyed by the body's partition-key attribute. Terraform passes exactly this for a
    deployment without `sources`; the consumer synthesises it when SOURCES is unset."""
    source = {"event_key": "/" + pointer_token(partition_key), "body": "json", "legacy_keys": True}
    return json.dumps({DEFAULT_SOURCE: source})


def load_sources(raw: str) -> Sources:
    """SOURCES: {"<name>": {"event_key": "/id" | "<header>" | "@signed-content", "body": "json" | "raw",
    "signature": {"scheme": ..., "secret_arn": ..., ...} (optional), "archive": true | false,
    "delivery": "direct" | "claim-check" (absent: direct), "legacy_keys": true | false (absent: false),
    "detail_type": "/pointer" | "<header>" (optional: fan-out's detail-type),
    "split": "/pointer" | "" (optional, json bodies: each element of the array there is an item)}}.

    "@signed-content" needs a signature. `delivery` says whether the source's
    messages may be claim checks (an archived source's replays may be too). At
    most one source has legacy_keys: it takes the messages that name no source."""
    document = json.loads(raw)
    if not isinstance(document, dict) or not document:
        raise ValueError("SOURCES must be a non-empty JSON object")
    rules = {name: load_source(name, settings) for name, settings in document.items()}
    legacy = [rule.name for rule in rules.values() if rule.legacy_keys]
    if len(legacy) > 1:
        raise ValueError(f"SOURCES: at most one source may have legacy_keys (it takes the messages naming none), got {legacy}")
    return Sources(rules, rules[legacy[0]] if legacy else None)


def load_source(name: str, settings: Any) -> SourceRule:
    """One source of SOURCES, checked (load_sources says what it may hold)."""
    if not name or KEY_SEPARATOR in name or not isinstance(settings, dict):
        raise ValueError(f"SOURCES: invalid source {name!r}")
    event_key = settings.get("event_key", "/eventId")
    body = settings.get("body", "json")
    if (
        not isinstance(event_key, str)
        or not (event_key.startswith("/") or event_key == SIGNED_CONTENT_KEY or HEADER_NAME.fullmatch(event_key))
        or body not in ("json", "raw")
    ):
        raise ValueError(f"SOURCES: source {name!r} needs event_key '/pointer' or a lower-case header name and body json or raw")
    if body == "raw" and event_key.startswith("/"):
        raise ValueError(f"SOURCES: source {name!r} stores a raw body, so its key must come from a header")
    signature, secret_arn = None, ""
    if settings.get("signature") is not None:
        signature = load_signature(settings["signature"], f"SOURCES: source {name!r}")
        secret_arn = settings["signature"].get("secret_arn") or ""
        if not secret_arn:
            raise ValueError(f"SOURCES: source {name!r} is signed but names no secret_arn")
    if event_key == SIGNED_CONTENT_KEY and signature is None:
        raise ValueError(f"SOURCES: source {name!r} keys by {SIGNED_CONTENT_KEY}, which needs a signature")
    archive, legacy_keys = (flag(settings, name, setting) for setting in ("archive", "legacy_keys"))
    delivery = settings.get("delivery", DIRECT)
    if delivery not in DELIVERIES:
        raise ValueError(f"SOURCES: source {name!r} has delivery {delivery!r}, expected {' or '.join(DELIVERIES)}")
    claim_check = delivery == CLAIM_CHECK
    detail_type = settings.get("detail_type")
    where = detail_type if isinstance(detail_type, str) else ""
    if detail_type is not None and not (where.startswith("/") or HEADER_NAME.fullmatch(where)):
        raise ValueError(f"SOURCES: source {name!r} needs detail_type '/pointer' or a lower-case header name")
    split = settings.get("split")
    if split is not None and (not isinstance(split, str) or not (split == "" or split.startswith("/")) or body != "json"):
        raise ValueError(f"SOURCES: source {name!r} needs split '' or '/pointer' (to an array) and body json")
    if split is not None and legacy_keys:
        raise ValueError(f"SOURCES: source {name!r} has legacy_keys: the first releases' source stores one item per message")
    return SourceRule(
        name, event_key, body == "raw", signature, secret_arn, archive, claim_check, legacy_keys, detail_type, split
    )


def flag(settings: Mapping[str, Any], name: str, setting: str) -> bool:
    value = settings.get(setting, False)
    if not isinstance(value, bool):
        raise ValueError(f"SOURCES: source {name!r} has {setting} {value!r}, expected true or false")
    return value


def received_at(record: Mapping[str, Any]) -> str | None:
    """When the request was received (envelope.received_milliseconds), as ISO 8601 UTC to the
    millisecond (2024-05-01T12:00:00.123Z)."""
    milliseconds = received_milliseconds(record)
    if milliseconds is None:
        return None
    seconds, millis = divmod(milliseconds, 1000)
    return f"{utc_second(seconds)}.{millis:03d}Z"


@lru_cache(maxsize=256)  # a batch's messages were mostly received within the same few seconds
def utc_second(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def parsed_json(body: str, message_id: str) -> Any:
    """The body parsed exactly (records.parse_body), or the Poison that says why it is not JSON."""
    try:
        return parse_body(body)
    except RecursionError:
        return Poison(message_id, Reason.TOO_DEEP, "JSON nesting exceeds what can be parsed")
    except ValueError as error:
        return Poison(message_id, Reason.INVALID_JSON, str(error)[:200])


def body_document(rule: SourceRule, body: str, message_id: str) -> dict[str, Any] | Poison:
    """The attributes a body becomes: the JSON object, or the raw text as one attribute."""
    if rule.raw_body:
        return {RAW_BODY_FIELD: body}
    parsed = parsed_json(body, message_id)
    if isinstance(parsed, Poison):
        return parsed
    if not isinstance(parsed, dict):
        return Poison(message_id, Reason.NOT_AN_OBJECT, f"body is a JSON {type(parsed).__name__}, expected an object")
    return parsed


def signature_poison(rule: SourceRule, envelope: Envelope, keys: tuple[bytes, ...], now: float) -> Poison | None:
    """None when the message is what its sender signed (or the source is unsigned)."""
    if rule.signature is None:
        return None
    headers = {name: envelope.headers.get(name, "") for name in rule.signature.headers}
    received = now if envelope.received_ms is None else envelope.received_ms / 1000
    try:
        verify(rule.signature, keys, headers, envelope.body, received)
    except Rejected as rejected:
        return Poison(str(envelope.message_id), rejected.reason, rejected.detail)
    return None
