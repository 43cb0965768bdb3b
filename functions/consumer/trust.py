"""Which message attributes a source's messages may carry, and what they may hold.

Every attribute the consumer reads was written by one of four producers, and
the allowed set is contract.json's message_attributes.carried (where each
attribute may come from, which the root main.tf reads too), never restated:
- every route: API Gateway's SQS mapping on a direct route (root main.tf,
  modules/api: source, receivedAt, requestId, principal on routes with an
  authorizer), the edge function on the others (functions/front/app.py), which
  also writes header.<name> for exactly the source's carried headers
  (SourceRule.carried_headers);
- claim_check: delivery, on a claim-check route or a replay sent as one;
- replay: scripts/replay.py's replayOf, for an archived source;
- dead_letters.py: its ingest.* attributes, which a redriven message brings back.

Any other attribute is poison `unexpected_attribute`: an attribute a route does
not set can only come from somewhere else (a mapped header value injected into
the MessageAttributes JSON, another producer on the queue), and trusting it
could change what is read or stored. `delivery = claim-check` is honoured only
for a source configured for claim checks or archived (its replays may be claim
checks); `replayOf` only for an archived source. receivedAt, which API Gateway
writes as Unix milliseconds, must be at most 13 ASCII digits (up to the year
2286; `invalid_attribute`).

Every source is checked, the first releases' single source (legacy_keys: the
one the consumer runs without SOURCES) too. Earlier releases left it unchecked
because its path read no attribute; it is now a source like any other, going
through the same stages (a large body may be spilled), and its route sets only
requestId and principal (with an authorizer), which every route may. It is
direct and not archived, so delivery, replayOf or a header.<name> on a message
of it did not come from its route. A producer of the user's own feeding the
consumer module directly must set no other attribute than those (and source, or
receivedAt as Unix milliseconds): its messages, naming no source, are the
legacy source's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from envelope import (
    CARRIED_ON,
    CLAIM_CHECK,
    DEAD_LETTER_ATTRIBUTES,
    DELIVERY_ATTRIBUTE,
    MAX_MILLISECOND_DIGITS,
    RECEIVED_AT_ATTRIBUTE,
    header_attribute,
    string_attribute,
    unix_milliseconds,
)

from pipeline import Poison, Reason
from sources import SourceRule


def may_be_claim_check(rule: SourceRule) -> bool:
    return rule.claim_check or rule.archive


# Which sources' messages may carry an attribute, by where it comes from (contract.json's words).
PRODUCED_FOR: dict[str, Callable[[SourceRule], bool]] = {
    "every_route": lambda rule: True,
    "claim_check": may_be_claim_check,
    "replay": lambda rule: rule.archive,  # scripts/replay.py replays only what is archived
}


if unknown := sorted(set(CARRIED_ON.values()) - set(PRODUCED_FOR)):  # contract.json says a word this module does not know
    raise ValueError(f"contract.json message_attributes.carried: no rule for on = {', '.join(unknown)}")


@cache  # a deployment has a few rules, each asked for every one of its records
def allowed_attributes(rule: SourceRule) -> frozenset[str]:
    """Every attribute a message of this source can carry, whichever producer sent it."""
    allowed = {name for name, on in CARRIED_ON.items() if PRODUCED_FOR[on](rule)} | set(DEAD_LETTER_ATTRIBUTES)
    allowed |= {header_attribute(header) for header in rule.carried_headers}
    return frozenset(allowed)


def attribute_poison(record: Mapping[str, Any], rule: SourceRule) -> Poison | None:
    """None when every attribute is one the record's route produces, holding what it writes."""
    attributes = record.get("messageAttributes")
    if not attributes:
        return None
    message_id = record["messageId"]
    allowed = allowed_attributes(rule)
    if not attributes.keys() <= allowed:
        # Names only: a value may be anything a sender put in a header.
        unexpected = sorted(set(attributes) - allowed)
        return Poison(message_id, Reason.UNEXPECTED_ATTRIBUTE, f"no route of this source sets {', '.join(unexpected)[:150]}")
    if DELIVERY_ATTRIBUTE in attributes and string_attribute(record, DELIVERY_ATTRIBUTE) != CLAIM_CHECK:
        return Poison(message_id, Reason.UNEXPECTED_ATTRIBUTE, f"{DELIVERY_ATTRIBUTE} holds a value no producer writes")
    if RECEIVED_AT_ATTRIBUTE in attributes and unix_milliseconds(string_attribute(record, RECEIVED_AT_ATTRIBUTE)) is None:
        detail = f"{RECEIVED_AT_ATTRIBUTE} is not Unix milliseconds in at most {MAX_MILLISECOND_DIGITS} ASCII digits"
        return Poison(message_id, Reason.INVALID_ATTRIBUTE, detail)
    return None
