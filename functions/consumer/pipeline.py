"""The consumer as a pipeline of stages, each acting on ONE record.

A record goes through the stages in order (stages.py lists them: source ->
attributes -> resolve -> verify -> archive -> judge -> spill -> write, the same
for every source); each stage returns None (go on with the record), Poison (it
can never be stored: dead-letter it with its reason) or Retry (not now: SQS
delivers it again). Isolating one record from the others is a property of the
runner, not of each stage: any exception a stage did not foresee makes that
record, and only it, poison `unexpected_error`. A new stage is a new function
and one line in the list.

Reason names every poison reason. The values are metric dimensions
(DeadLettered by Reason) and the dead letter's `ingest.failure_reason`, which
users alarm on: never rename one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from contract import SIGNATURES


class Reason(StrEnum):
    """Why a record can never be stored."""

    # The route: attributes and source.
    UNKNOWN_SOURCE = "unknown_source"  # no source this deployment knows
    UNEXPECTED_ATTRIBUTE = "unexpected_attribute"  # an attribute the source's route cannot produce
    INVALID_ATTRIBUTE = "invalid_attribute"  # an attribute the route sets, holding what it never writes (receivedAt "²")
    # Claim checks.
    CLAIM_CHECK_INVALID = "claim_check_invalid"
    CLAIM_CHECK_MISSING = "claim_check_missing"
    CLAIM_CHECK_MISMATCH = "claim_check_mismatch"
    # Signatures (signatures.py raises them by these names; contract.json, which the
    # signature-rejection alarm's reasons come from too).
    SIGNATURE_MISSING = SIGNATURES["reasons"]["missing"]
    SIGNATURE_INVALID = SIGNATURES["reasons"]["invalid"]
    TIMESTAMP_OUTSIDE_TOLERANCE = SIGNATURES["reasons"]["outside_tolerance"]
    # The body.
    INVALID_UTF8 = "invalid_utf8"  # a JSON source's claimed bytes are not UTF-8
    INVALID_UNICODE = "invalid_unicode"  # a lone UTF-16 surrogate
    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    NOT_AN_ARRAY = "not_an_array"  # a split source's body has no array where its split points
    RESERVED_ATTRIBUTE = "reserved_attribute"
    MISSING_KEY = "missing_key"
    INVALID_KEY = "invalid_key"
    TOO_DEEP = "too_deep"
    TOO_LARGE = "too_large"
    UNSUPPORTED_VALUE = "unsupported_value"
    # The ordering guard.
    MISSING_VERSION = "missing_version"
    INVALID_VERSION = "invalid_version"
    VERSION_NOT_COMPARABLE = "version_not_comparable"
    # DynamoDB itself.
    REJECTED_BY_DYNAMODB = "rejected_by_dynamodb"
    # Fan-out: EventBridge refused the stored item's event (the item stays stored; fan_out.py).
    FAN_OUT_REJECTED = "fan_out_rejected"
    # Anything no stage foresaw.
    UNEXPECTED_ERROR = "unexpected_error"


@dataclass(frozen=True)
class Poison:
    """A record that can never be stored, whatever is retried."""

    message_id: str
    reason: str  # a Reason
    detail: str


@dataclass(frozen=True)
class Retry:
    """A record that may succeed later (S3 or a secret unavailable): SQS delivers it again."""

    message_id: str
    why: str


Outcome = Poison | Retry | None  # None: the record goes on to the next stage
Stage = Callable[[Any], Outcome]


def run(work: Any, message_id: str, stages: Iterable[Stage]) -> Outcome:
    """Each stage in turn, until one decides; None when every stage let the record through.

    Only an exception's type is kept: its message may quote the payload.
    """
    stage: Stage | None = None
    try:
        for stage in stages:
            outcome = stage(work)
            if outcome is not None:
                return outcome
    except Exception as error:  # isolating one record is the point
        return Poison(message_id, Reason.UNEXPECTED_ERROR, f"{type(error).__name__} in {getattr(stage, '__name__', 'a stage')}")
    return None
