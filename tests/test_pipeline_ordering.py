"""The ordering guard with bodies spilled to S3 (found by the review of issue 20):
a body over DynamoDB's 400 KB becomes a pointer item, which must keep the
body's version, or every large message is dead-lettered missing_version."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from test_consumer import Context, failures, stored
from test_pipeline import BytesS3, claims_in, reasons

from claim_check import CLAIMS_PREFIX

FILLER = "x" * 450_000  # over DynamoDB's item limit: spilled by size


def large(version: object, marker: str) -> bytes:
    return json.dumps({"eventId": "order-1", "version": version, "marker": marker, "filler": FILLER}).encode()


@pytest.fixture
def guarded(claim_consumer, aws, monkeypatch):
    """conftest's claim-check source big, with the ordering guard on."""
    monkeypatch.setenv("ORDERING_ATTRIBUTE", "version")
    monkeypatch.setenv("WRITE_MODE", "last-write-wins")
    return claim_consumer


def deliver(consumer, s3: BytesS3, name: str, body: bytes) -> list[str]:
    batch = claims_in(s3, {name: body})
    return failures(consumer.handler({"Records": batch}, Context()))


@pytest.mark.parametrize(("older", "newer"), [(3, 7), ("2026-09-21T10:00:00Z", "2026-09-21T11:00:00Z")], ids=["number", "string"])
def test_a_spilled_item_keeps_its_version_and_only_a_newer_one_replaces_it(guarded, aws, monkeypatch, older, newer):
    table, sqs, dlq_url = aws
    s3 = BytesS3()
    monkeypatch.setattr(guarded, "payload_client", lambda: s3)
    assert deliver(guarded, s3, "first", large(older, "first")) == []
    item = stored(table)["big#order-1"]
    expected = Decimal(older) if isinstance(older, int) else older
    assert item["version"] == expected and "_payload" in item
    first_uri = item["_payload"]["uri"]

    assert deliver(guarded, s3, "stale", large(older, "stale, same version")) == []
    assert stored(table)["big#order-1"]["_payload"]["uri"] == first_uri  # an equal version is a duplicate

    assert deliver(guarded, s3, "newer", large(newer, "newer")) == []
    replaced = stored(table)["big#order-1"]
    assert replaced["version"] == (Decimal(newer) if isinstance(newer, int) else newer)
    assert replaced["_payload"]["uri"] != first_uri
    assert reasons(sqs, dlq_url) == {}


def test_a_spilled_body_whose_version_is_not_a_number_or_string_is_invalid_version(guarded, aws, monkeypatch):
    table, sqs, dlq_url = aws
    s3 = BytesS3()
    monkeypatch.setattr(guarded, "payload_client", lambda: s3)
    assert deliver(guarded, s3, "listed", large([1, 2], "a list")) == []
    assert reasons(sqs, dlq_url) == {"listed": "invalid_version"}
    assert stored(table) == {}


def test_a_spilled_body_whose_version_holds_a_lone_surrogate_is_invalid_unicode_and_nothing_is_spilled(guarded, aws, monkeypatch):
    """JSON may escape a lone surrogate (\\ud800) into the version a pointer item keeps: refused for
    what it is, before the body is written to S3 (it was an unexpected_error after the spill)."""
    table, sqs, dlq_url = aws
    s3 = BytesS3()
    monkeypatch.setattr(guarded, "payload_client", lambda: s3)
    assert deliver(guarded, s3, "lone", large("\ud800", "a lone surrogate")) == []
    assert reasons(sqs, dlq_url) == {"lone": "invalid_unicode"}
    assert stored(table) == {}
    assert [key for key in s3.objects if not key.startswith(CLAIMS_PREFIX)] == []  # no spilled body
