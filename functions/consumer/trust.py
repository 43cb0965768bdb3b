"""Which message attributes a source's messages may carry, and what they may hold.

Every attribute the consumer reads was written by one of four producers, and
the allowed set is derived from their own names (message_attributes.py,
claim_check.py, dead_letters.py), never restated:
- API Gateway's SQS mapping on a direct route (root main.tf, modules/api):
  source, receivedAt, requestId, principal (routes with an authorizer), and
  header.<name> for exactly the source's carried headers (SourceRule.carried_headers);
- the front function on a claim-check route (functions/front/app.py): delivery,
  source, receivedAt, requestId, principal;
- scripts/replay.py: the archived message's attributes again, replayOf, and
  delivery for a body sent as a claim check;
- dead_letters.py: its ingest.* attributes, which a redriven message brings back.

Any other attribute is poison `unexpected_attribute`: an attribute a route does
not set can only come from somewhere else (a mapped header value injected into
the MessageAttributes JSON, another producer on the queue), and trusting it
could change what is read or stored. `delivery = claim-check` is honoured only
for a source configured for claim checks or archived (its replays may be claim
checks); `replayOf` only for an archived source. receivedAt, which API Gateway
writes as Unix milliseconds, must be at most 13 ASCII digits (up to the year
2286; `invalid_attribute`).

Without SOURCES (the single source of the first releases, or the consumer
module fed by a producer of the user's own) no attribute is checked, as in the
releases before this one: the consumer then resolves no claim check and
archives nothing, so delivery and replayOf change nothing, and a receivedAt
that is not Unix milliseconds is only left unused (received_seconds falls back
to SQS's SentTimestamp). Refusing them would dead-letter a user's producer's
messages that earlier releases stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from claim_check import CLAIM_CHECK, DELIVERY_ATTRIBUTE, REPLAY_ATTRIBUTE
from dead_letters import OWN_ATTRIBUTES as DEAD_LETTER_ATTRIBUTES
from message_attributes import (
    HEADER_ATTRIBUTE_PREFIX,
    PRINCIPAL_ATTRIBUTE,
    RECEIVED_AT_ATTRIBUTE,
    REQUEST_ID_ATTRIBUTE,
    SOURCE_ATTRIBUTE,
)
from pipeline import Poison, Reason
from sources import UNIX_MILLISECONDS, SourceRule, string_attribute

# Set by every route of a source, direct or claim-check.
ROUTE_ATTRIBUTES = frozenset({SOURCE_ATTRIBUTE, RECEIVED_AT_ATTRIBUTE, REQUEST_ID_ATTRIBUTE, PRINCIPAL_ATTRIBUTE})


def may_be_claim_check(rule: SourceRule) -> bool:
    return rule.claim_check or rule.archive


def allowed_attributes(rule: SourceRule) -> frozenset[str]:
    """Every attribute a message of this source can carry, whichever producer sent it."""
    allowed = set(ROUTE_ATTRIBUTES) | set(DEAD_LETTER_ATTRIBUTES)
    allowed |= {HEADER_ATTRIBUTE_PREFIX + header for header in rule.carried_headers}
    if may_be_claim_check(rule):
        allowed.add(DELIVERY_ATTRIBUTE)
    if rule.archive:
        allowed.add(REPLAY_ATTRIBUTE)
    return frozenset(allowed)


def attribute_poison(record: Mapping[str, Any], rule: SourceRule) -> Poison | None:
    """None when every attribute is one the record's route produces, holding what it writes.
    Only with SOURCES: without, nothing is checked (see the module's docstring)."""
    message_id = record["messageId"]
    names = set(record.get("messageAttributes") or {})
    unexpected = sorted(names - allowed_attributes(rule))
    if unexpected:
        # Names only: a value may be anything a sender put in a header.
        return Poison(message_id, Reason.UNEXPECTED_ATTRIBUTE, f"no route of this source sets {', '.join(unexpected)[:150]}")
    delivery = string_attribute(record, DELIVERY_ATTRIBUTE)
    if DELIVERY_ATTRIBUTE in names and delivery != CLAIM_CHECK:
        return Poison(message_id, Reason.UNEXPECTED_ATTRIBUTE, f"{DELIVERY_ATTRIBUTE} holds a value no producer writes")
    received = string_attribute(record, RECEIVED_AT_ATTRIBUTE)
    if RECEIVED_AT_ATTRIBUTE in names and (received is None or not UNIX_MILLISECONDS.fullmatch(received)):
        return Poison(
            message_id, Reason.INVALID_ATTRIBUTE, f"{RECEIVED_AT_ATTRIBUTE} is not Unix milliseconds in at most 13 ASCII digits"
        )
    return None
