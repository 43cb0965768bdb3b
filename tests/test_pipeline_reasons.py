"""Every poison reason (pipeline.Reason), each produced by one input: the record is
dead-lettered with that reason and never reported in batchItemFailures, and the
good record beside it is stored. A new reason without a case here fails."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from envelope import REASON_ATTRIBUTE, SOURCE_ID_ATTRIBUTE
from test_consumer import Context, dead_letters, failures, record, stored
from test_consumer_signatures import STRIPE_SECRET
from test_pipeline import claim_record, put_claim, with_attributes
from test_signatures import NOW, sign_stripe

import stages
from conftest import BUCKET, batch_client
from pipeline import Reason


@dataclass
class Setting:
    """What one case may change: the environment, the S3 client, the table, stages."""

    monkeypatch: pytest.MonkeyPatch
    s3: Any
    table: Any
    clients: dict[str, Any]  # the consumer's clients (an injected EventBridge client)
    legacy: bool = False  # SOURCES unset: the legacy source, which takes the messages naming none

    def without_sources(self) -> None:
        self.monkeypatch.delenv("SOURCES")
        self.monkeypatch.delenv("PAYLOAD_BUCKET")
        self.legacy = True


def sourced(message_id: str, body: str, source: str = "big", headers: dict[str, str] | None = None) -> dict:
    result = record(message_id, body, attributes={"source": {"stringValue": source, "dataType": "String"}})
    result["attributes"]["SentTimestamp"] = str((NOW + 1) * 1000)
    return with_attributes(result, {f"header.{name}": f"h:{value}" for name, value in (headers or {}).items()})


def good(setting: Setting) -> dict:
    """A record stored in every setting (with and without SOURCES, with the ordering guard): it names
    source big with SOURCES, and none without (a message naming big is unknown to the legacy source)."""
    body = json.dumps({"eventId": "good-1", "id": "good-1", "seq": 1})
    return legacy_record("good", body) if setting.legacy else sourced("good", body)


def legacy_record(message_id: str, body: str) -> dict:
    result = record(message_id, body)
    result["attributes"]["SentTimestamp"] = str((NOW + 1) * 1000)
    return result


def legacy(body: str) -> Callable[[Setting], list[dict]]:
    def make(setting: Setting) -> list[dict]:
        setting.without_sources()
        return [record("bad", body)]

    return make


def ordered(*bodies: str) -> Callable[[Setting], list[dict]]:
    """Ordering guard on: the last record is the bad one."""

    def make(setting: Setting) -> list[dict]:
        setting.without_sources()
        setting.monkeypatch.setenv("ORDERING_ATTRIBUTE", "seq")
        return [record(f"first-{i}", body) for i, body in enumerate(bodies[:-1])] + [record("bad", bodies[-1])]

    return make


def claim(body: bytes, tamper: bytes | None = None, gone: bool = False, source: str = "big") -> Callable[[Setting], list[dict]]:
    def make(setting: Setting) -> list[dict]:
        pointer = put_claim(setting.s3, source, "c1", body)
        key = json.loads(pointer)["claimCheck"]["key"]
        if tamper is not None:
            setting.s3.put_object(Bucket=BUCKET, Key=key, Body=tamper)
        if gone:
            setting.s3.delete_object(Bucket=BUCKET, Key=key)
        return [claim_record("bad", source, pointer)]

    return make


def stripe(secret: str = STRIPE_SECRET, signed_at: int = NOW, drop: bool = False) -> Callable[[Setting], list[dict]]:
    def make(setting: Setting) -> list[dict]:
        body = json.dumps({"id": "evt_1"})
        headers = {"stripe-signature": "" if drop else sign_stripe(body, secret, signed_at, "")["stripe-signature"]}
        return [sourced("bad", body, "stripe", headers)]

    return make


def rejected_by_dynamodb(setting: Setting) -> list[dict]:
    setting.without_sources()
    client = batch_client(setting.table)
    real_batch, real_put = client.batch_write_item, setting.table.put_item

    def reject(**kwargs: Any) -> Any:
        # BatchWriteItem's items are in the wire form, PutItem's (the resource's) plain values.
        batch = kwargs.get("RequestItems", {}).get("events", [])
        keys = (
            [r["PutRequest"]["Item"]["eventId"]["S"] for r in batch] if "RequestItems" in kwargs else [kwargs["Item"]["eventId"]]
        )
        if "bad-key" in keys:
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "bad item"}}, "PutItem")
        return real_batch(**kwargs) if "RequestItems" in kwargs else real_put(**kwargs)

    setting.monkeypatch.setattr(client, "batch_write_item", reject)
    setting.monkeypatch.setattr(setting.table, "put_item", reject)
    return [record("bad", json.dumps({"eventId": "bad-key"}))]


def fan_out_rejected(setting: Setting) -> list[dict]:
    """EventBridge refuses the bad record's entry as malformed (its item stays stored)."""
    setting.without_sources()
    events = boto3.client("events", region_name="us-east-1")
    setting.monkeypatch.setenv("FAN_OUT_BUS", "default")

    def put_events(Entries: list[dict]) -> dict:
        refused = {"ErrorCode": "MalformedDetail", "ErrorMessage": "refused"}
        results = [refused if "bad-key" in e["Detail"] else {} for e in Entries]
        published = [entry for entry, result in zip(Entries, results, strict=True) if not result]
        ids = iter(real_put(Entries=published)["Entries"] if published else [])
        return {"FailedEntryCount": sum(bool(r) for r in results), "Entries": [r or next(ids) for r in results]}

    real_put = events.put_events
    setting.monkeypatch.setattr(events, "put_events", put_events)
    setting.monkeypatch.setitem(setting.clients, "events", events)
    return [record("bad", json.dumps({"eventId": "bad-key"}))]


def not_an_array(setting: Setting) -> list[dict]:
    """A batched source (split) whose body has an object where its array should be."""
    sources = {**json.loads(os.environ["SOURCES"]), "batch": {"event_key": "/id", "split": "/items"}}
    setting.monkeypatch.setenv("SOURCES", json.dumps(sources))
    return [sourced("bad", json.dumps({"items": {"id": "x"}}), "batch")]


def unexpected_error(setting: Setting) -> list[dict]:
    real = stages.judge

    def explode(work: Any, context: Any) -> Any:
        if work.message_id == "bad":
            raise LookupError("nobody foresaw this")
        return real(work, context)

    setting.monkeypatch.setattr(stages, "judge", explode)
    return [sourced("bad", json.dumps({"eventId": "e"}))]


CASES: dict[Reason, Callable[[Setting], list[dict]]] = {
    Reason.UNKNOWN_SOURCE: lambda s: [sourced("bad", json.dumps({"eventId": "e"}), "nobody")],
    Reason.UNEXPECTED_ATTRIBUTE: lambda s: [with_attributes(sourced("bad", json.dumps({"eventId": "e"})), {"foo": "bar"})],
    Reason.INVALID_ATTRIBUTE: lambda s: [with_attributes(sourced("bad", json.dumps({"eventId": "e"})), {"receivedAt": "1e12"})],
    Reason.CLAIM_CHECK_INVALID: lambda s: [claim_record("bad", "big", '{"claimCheck": {}}')],
    Reason.CLAIM_CHECK_MISSING: claim(b'{"eventId": "e"}', gone=True),
    Reason.CLAIM_CHECK_MISMATCH: claim(b'{"eventId": "e"}', tamper=b'{"eventId": "f"}'),
    Reason.SIGNATURE_MISSING: stripe(drop=True),
    Reason.SIGNATURE_INVALID: stripe(secret="whsec_forged"),
    Reason.TIMESTAMP_OUTSIDE_TOLERANCE: stripe(signed_at=NOW - 3600),
    Reason.INVALID_UTF8: claim(b'{"eventId": "caf\xe9"}'),
    Reason.INVALID_UNICODE: legacy('{"eventId": "s", "note": "\\ud83d"}'),
    Reason.INVALID_JSON: legacy("not json"),
    Reason.NOT_AN_OBJECT: legacy("[]"),
    Reason.NOT_AN_ARRAY: not_an_array,
    Reason.RESERVED_ATTRIBUTE: lambda s: [sourced("bad", json.dumps({"eventId": "e", "_receivedAt": "x"}))],
    Reason.MISSING_KEY: legacy('{"id": "e"}'),
    Reason.INVALID_KEY: legacy('{"eventId": 1.5}'),
    Reason.TOO_DEEP: legacy('{"eventId": "d", "a": ' + "[" * 33 + "]" * 33 + "}"),
    Reason.TOO_LARGE: legacy(json.dumps({"eventId": "big", "blob": "x" * 400 * 1024})),
    Reason.UNSUPPORTED_VALUE: legacy('{"eventId": "n", "x": 1e200}'),
    Reason.MISSING_VERSION: ordered('{"eventId": "v"}'),
    Reason.INVALID_VERSION: ordered('{"eventId": "v", "seq": true}'),
    Reason.VERSION_NOT_COMPARABLE: ordered('{"eventId": "v", "seq": 1}', '{"eventId": "v", "seq": "2"}'),
    Reason.REJECTED_BY_DYNAMODB: rejected_by_dynamodb,
    Reason.FAN_OUT_REJECTED: fan_out_rejected,
    Reason.UNEXPECTED_ERROR: unexpected_error,
}


def test_every_reason_has_a_case():
    assert set(CASES) == set(Reason)


@pytest.mark.parametrize("reason", list(Reason), ids=str)
def test_each_reason_is_dead_lettered_with_it_and_never_retried(claim_consumer, front, aws, monkeypatch, reason):
    _, s3, _, _ = front
    table, sqs, dlq_url = aws
    setting = Setting(monkeypatch, s3, table, claim_consumer._clients)
    bad = CASES[reason](setting)
    response = claim_consumer.handler({"Records": [good(setting), *bad]}, Context())
    assert "bad" not in failures(response) and failures(response) == []
    letters = {
        letter["MessageAttributes"][SOURCE_ID_ATTRIBUTE]["StringValue"]: letter["MessageAttributes"][REASON_ATTRIBUTE][
            "StringValue"
        ]
        for letter in dead_letters(sqs, dlq_url)
    }
    assert letters == {"bad": str(reason)}
    assert {"good-1", "big#good-1"} & set(stored(table))
