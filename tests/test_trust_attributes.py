"""Which attributes a source's messages may carry: contract.json's message_attributes.carried, read
by trust.py (and, for what a direct route writes, by the root main.tf), never restated (issue 21).

A new carried attribute is its contract entry, the code that writes or reads it (envelope.py) and
its test: trust.py allows it on the sources its `on` names without a change of its own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import envelope
import pytest

import sources
import trust
from sources import SourceRule

CONTRACT = json.loads((Path(__file__).resolve().parent.parent / "functions" / "shared" / "contract.json").read_text())
CARRIED = CONTRACT["message_attributes"]["carried"]
NAMES = CONTRACT["message_attributes"]

PLAIN = SourceRule("plain", "/id")
CLAIMED = SourceRule("claimed", "/id", claim_check=True)
ARCHIVED = SourceRule("archived", "/id", archive=True)
LEGACY = SourceRule("default", "/eventId", legacy_keys=True)
DEAD_LETTER = set(NAMES["dead_letter"].values())


@pytest.fixture(autouse=True)
def fresh_cache():
    trust.allowed_attributes.cache_clear()
    yield
    trust.allowed_attributes.cache_clear()


def test_every_source_may_carry_what_every_route_writes_and_no_more():
    # Written out here, not derived: these are the attributes the routes of earlier releases wrote.
    every_route = {"source", "receivedAt", "requestId", "principal"}
    assert trust.allowed_attributes(PLAIN) == frozenset(every_route | DEAD_LETTER)
    assert trust.allowed_attributes(LEGACY) == frozenset(every_route | DEAD_LETTER)
    assert trust.allowed_attributes(CLAIMED) == frozenset(every_route | {"delivery"} | DEAD_LETTER)
    assert trust.allowed_attributes(ARCHIVED) == frozenset(every_route | {"delivery", "replayOf"} | DEAD_LETTER)


def test_a_carried_header_is_allowed_only_for_the_source_that_carries_it():
    keyed = SourceRule("keyed", "x-delivery")
    assert "header.x-delivery" in trust.allowed_attributes(keyed)
    assert "header.x-delivery" not in trust.allowed_attributes(PLAIN)


@pytest.mark.parametrize(
    ("on", "allowed_for"),
    [
        ("every_route", {"plain", "claimed", "archived", "default"}),
        ("claim_check", {"claimed", "archived"}),
        ("replay", {"archived"}),
    ],
)
def test_a_new_attribute_is_allowed_where_its_contract_entry_says(monkeypatch, on, allowed_for):
    monkeypatch.setitem(trust.CARRIED_ON, "sourceIp", on)
    sources = (PLAIN, CLAIMED, ARCHIVED, LEGACY)
    assert {rule.name for rule in sources if "sourceIp" in trust.allowed_attributes(rule)} == allowed_for


def test_the_contract_names_where_every_envelope_attribute_comes_from():
    assert set(envelope.CARRIED_ON) >= envelope.NAMED_ATTRIBUTES
    assert set(envelope.CARRIED_ON.values()) <= set(trust.PRODUCED_FOR)


def test_a_direct_route_writes_only_api_gateway_s_own_context_and_the_source_s_name():
    # (modules/api refuses any other interpolation; the root writes these for every source's direct route)
    written = {key: facts["direct_route"] for key, facts in CARRIED.items() if "direct_route" in facts}
    assert written == {"source": "{source}", "received_at": "${context.requestTimeEpoch}"}
    # What a direct route writes, every source's messages may carry: else its own would be poison.
    assert all(CARRIED[key]["on"] == "every_route" for key in written)


@pytest.mark.parametrize("milliseconds", [0, 999, 1_700_000_000_123, 8_709_672_756_932, 9_999_999_999_999])
def test_the_receive_time_is_stamped_to_the_exact_millisecond(milliseconds):
    # Integer calendar arithmetic (the standard library's timedelta), not a float of seconds: at
    # 8709672756932 a float's rounding gave .931 for .932.
    exact = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=milliseconds)).isoformat(timespec="milliseconds")
    record = {"messageAttributes": {"receivedAt": {"stringValue": str(milliseconds), "dataType": "String"}}}
    assert sources.received_at(record) == exact.replace("+00:00", "Z")
