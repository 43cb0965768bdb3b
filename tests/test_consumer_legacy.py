"""The first releases' single source as a source like any other (issue 21, item 2): a SOURCES
entry with legacy_keys keys items by the body's own id, unprefixed, stamps nothing and takes the
messages that name no source; without SOURCES the consumer synthesises exactly that source, the
one Terraform passes for a deployment without `sources`, so both behave the same."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

import boto3
import pytest
from test_consumer import NO_WAIT, Context, dead_letters, failures, record, stored
from test_consumer_metrics import emf_documents
from test_pipeline import reasons

from claim_check import ITEMS_PREFIX
from conftest import BUCKET, TABLE
from sources import load_sources

# What Terraform passes as SOURCES for a deployment without `sources` (the lead's root module):
# name "default", event_key "/<partition_key>", body json, delivery direct, archive false, no
# signature, legacy_keys true. Written out here, not built by the code under test.
TERRAFORM_LEGACY = {
    "default": {"event_key": "/eventId", "body": "json", "delivery": "direct", "archive": False, "legacy_keys": True},
}
RECEIVED_MS = "1700000000000"


def named(message_id: str, document: dict, source: str | None = None, **values: str) -> dict:
    """A message as a route queues it: naming `source` (or none, as the first releases' route), with `values`."""
    if source is not None:
        values = {"source": source, **values}
    attributes = {name: {"stringValue": value, "dataType": "String"} for name, value in values.items()}
    return record(message_id, json.dumps(document), attributes=attributes)


@pytest.fixture
def legacy_and_shop(consumer, monkeypatch):
    sources = {"default": {"event_key": "/eventId", "legacy_keys": True}, "shop": {"event_key": "/id"}}
    monkeypatch.setenv("SOURCES", json.dumps(sources))
    return consumer


def test_a_legacy_keys_source_keys_unprefixed_stamps_nothing_and_takes_the_messages_naming_none(legacy_and_shop, aws):
    table, sqs, dlq_url = aws
    batch = [
        # The body's own _source and _receivedAt: nothing is stamped, so nothing is reserved.
        named("n1", {"eventId": "a", "_source": "theirs", "_receivedAt": "then"}, None, receivedAt=RECEIVED_MS, principal="p"),
        named("n2", {"eventId": "b"}, "default", receivedAt=RECEIVED_MS),  # naming it: matched by name too
        named("s1", {"id": "c"}, "shop", receivedAt=RECEIVED_MS),
        named("s2", {"id": "d", "_source": "default"}, "shop"),  # a stamped source's body may not
    ]
    assert legacy_and_shop.handler({"Records": batch}, Context()) == {"batchItemFailures": []}
    items = stored(table)
    assert set(items) == {"a", "b", "shop#c"}
    assert items["a"] == {"eventId": "a", "_source": "theirs", "_receivedAt": "then"}
    assert items["b"] == {"eventId": "b"}
    assert items["shop#c"] == {"eventId": "shop#c", "id": "c", "_source": "shop", "_receivedAt": "2023-11-14T22:13:20.000Z"}
    assert reasons(sqs, dlq_url) == {"s2": "reserved_attribute"}


def test_without_a_legacy_keys_source_a_message_naming_none_is_unknown(consumer, aws, monkeypatch):
    table, sqs, dlq_url = aws
    monkeypatch.setenv("SOURCES", json.dumps({"shop": {"event_key": "/id"}}))
    assert consumer.handler({"Records": [named("m1", {"id": "x", "eventId": "x"})]}, Context()) == {"batchItemFailures": []}
    assert stored(table) == {} and reasons(sqs, dlq_url) == {"m1": "unknown_source"}


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ({"a": {"legacy_keys": True}, "b": {"event_key": "/id", "legacy_keys": True}}, "at most one source may have legacy_keys"),
        ({"a": {"legacy_keys": "yes"}}, "has legacy_keys 'yes', expected true or false"),
    ],
    ids=["two legacy sources", "not a boolean"],
)
def test_legacy_keys_is_refused_twice_or_not_a_boolean(sources, message):
    with pytest.raises(ValueError, match=message):
        load_sources(json.dumps(sources))


def test_the_source_synthesised_without_sources_is_the_one_terraform_passes(consumer):
    assert consumer.load_config({"TABLE_NAME": TABLE}).sources == load_sources(json.dumps(TERRAFORM_LEGACY))
    order_key = {"default": {**TERRAFORM_LEGACY["default"], "event_key": "/orderId"}}
    assert consumer.load_config({"TABLE_NAME": TABLE, "PARTITION_KEY": "orderId"}).sources == load_sources(json.dumps(order_key))


def legacy_batch() -> list[dict]:
    """What a legacy deployment's queue may hold: every outcome the first releases had, and the route's attributes."""
    return [
        named("ok", {"eventId": "e1", "amount": 12.5, "items": [{"sku": "A", "qty": 2}]}, None, principal="p", requestId="r"),
        named("theirs", {"eventId": "e2", "_source": "s", "_receivedAt": "t", "_payload": 1}),
        named("by-name", {"eventId": "e3"}, "default"),
        named("latest", {"eventId": "e1", "amount": 13}),  # later in the batch wins
        named("other", {"eventId": "e4"}, "shop"),
        record("number", json.dumps({"eventId": 17})),
        record("empty", json.dumps({"eventId": ""})),
        record("missing", json.dumps({"id": "x"})),
        record("not-json", "not json"),
        record("large", json.dumps({"eventId": "e5", "blob": "x" * 410_000})),
    ]


def run_batch(consumer: Any, environ: dict[str, str], table: Any, sqs: Any) -> tuple[list[str], dict[str, int], dict]:
    result = consumer.process_batch(legacy_batch(), consumer.load_config(environ), table, sqs, NO_WAIT, 0)
    items = {item["eventId"]: item for item in table.scan()["Items"]}
    return result.failures, dict(result.poison_reasons), items


def test_one_batch_stores_the_same_items_without_sources_and_with_terraforms_legacy_source(consumer, aws):
    table, sqs, _ = aws
    other = boto3.resource("dynamodb", region_name="us-east-1").create_table(
        TableName="events-explicit",
        KeySchema=[{"AttributeName": "eventId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "eventId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    synthesised = run_batch(consumer, {"TABLE_NAME": TABLE}, table, sqs)
    explicit = run_batch(consumer, {"TABLE_NAME": "events-explicit", "SOURCES": json.dumps(TERRAFORM_LEGACY)}, other, sqs)
    assert synthesised == explicit
    failed, poison, items = synthesised
    assert set(items) == {"e1", "e2", "e3"} and items["e1"]["amount"] == Decimal(13)
    assert items["e2"] == {"eventId": "e2", "_source": "s", "_receivedAt": "t", "_payload": Decimal(1)}
    assert poison == {"unknown_source": 1, "invalid_key": 2, "missing_key": 1, "invalid_json": 1, "too_large": 1}
    assert len(failed) == 6  # no dead-letter queue: SQS's redrive moves the poison later


@pytest.mark.parametrize(
    ("partition_key", "token"),
    [("a/b", "/a~1b"), ("m~n", "/m~0n"), ("~1", "/~01")],
    ids=["slash", "tilde", "tilde one"],
)
def test_a_partition_key_with_a_slash_or_a_tilde_is_one_member_of_the_body(consumer, aws, partition_key, token):
    """RFC 6901, section 5 (https://www.rfc-editor.org/rfc/rfc6901#section-5): the member "a/b" is
    "/a~1b", "m~n" is "/m~0n"; "~1" must be "/~01", not "/~1" (which names "/")."""
    _, sqs, _ = aws
    explicit = {"default": {**TERRAFORM_LEGACY["default"], "event_key": token}}
    assert consumer.load_config({"TABLE_NAME": TABLE, "PARTITION_KEY": partition_key}).sources == load_sources(
        json.dumps(explicit)
    )
    table = boto3.resource("dynamodb", region_name="us-east-1").create_table(
        TableName="odd-keys",
        KeySchema=[{"AttributeName": partition_key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": partition_key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    # Decoys where a wrong escape would look: the nested path, and the member "/".
    body = {partition_key: "k1", "a": {"b": "nested"}, "m": {"n": "nested"}, "/": "slash"}
    config = consumer.load_config({"TABLE_NAME": "odd-keys", "PARTITION_KEY": partition_key})
    result = consumer.process_batch([named("m1", body)], config, table, sqs, NO_WAIT, 0)
    assert result.failures == [] and [item[partition_key] for item in table.scan()["Items"]] == ["k1"]


@pytest.fixture
def legacy_with_bucket(consumer, aws, monkeypatch):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("PAYLOAD_BUCKET", BUCKET)
    monkeypatch.setitem(consumer._clients, "s3", s3)
    return consumer, s3


def test_a_large_legacy_body_is_spilled_to_the_payload_bucket_keyed_unprefixed(legacy_with_bucket, aws):
    """Earlier releases dead-lettered it as too_large even with a bucket; it is now a pointer item
    like any source's: keyed by the body's own id, stamped with nothing but the pointer."""
    consumer, s3 = legacy_with_bucket
    table, sqs, dlq_url = aws
    body = json.dumps({"eventId": "big-1", "_source": "theirs", "blob": "x" * 500_000})
    message = record("m1", body, attributes={"principal": {"stringValue": "p", "dataType": "String"}})
    assert consumer.handler({"Records": [message]}, Context()) == {"batchItemFailures": []}
    assert dead_letters(sqs, dlq_url) == []
    item = stored(table)["big-1"]
    assert set(item) == {"eventId", "_payload"}  # no _source, no _receivedAt: the body's own is in S3
    payload = item["_payload"]
    assert payload["size"] == len(body) and payload["sha256"] == hashlib.sha256(body.encode()).hexdigest()
    bucket, key = payload["uri"].removeprefix("s3://").split("/", 1)
    assert bucket == BUCKET and key.startswith(f"{ITEMS_PREFIX}default/")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body.encode()


@pytest.mark.parametrize("size", [10, 500_000], ids=["small", "large"])
def test_a_legacy_body_keyed_by_a_number_is_an_invalid_key_whatever_its_size(legacy_with_bucket, aws, size):
    consumer, _ = legacy_with_bucket
    table, sqs, dlq_url = aws
    message = record("m1", json.dumps({"blob": "x" * size, "eventId": 17}))
    assert consumer.handler({"Records": [message]}, Context()) == {"batchItemFailures": []}
    assert stored(table) == {} and reasons(sqs, dlq_url) == {"m1": "invalid_key"}


def test_the_legacy_source_reports_the_metrics_the_first_releases_did(consumer, aws, capsys):
    """The batch document by FunctionName, and dead letters under Source "default"."""
    batch = [record("ok", json.dumps({"eventId": "e1"})), record("bad", "not json"), record("gone", json.dumps({"id": 1}))]
    assert failures(consumer.handler({"Records": batch}, Context())) == []
    documents = emf_documents(capsys.readouterr().out)
    [line] = [d for d in documents if "Received" in d]
    assert line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["FunctionName"]]
    assert (line["Received"], line["Stored"], line["Poison"], line["Retried"]) == (3, 1, 2, 0)
    dead = {(d["Source"], d["Reason"]): d["DeadLettered"] for d in documents if "DeadLettered" in d}
    assert dead == {("default", "invalid_json"): 1, ("default", "missing_key"): 1}
