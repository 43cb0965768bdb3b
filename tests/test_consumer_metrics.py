"""The consumer's EMF metrics: delivery lag per stored message, dead letters by reason
and by source, signature rejections by source; every document valid EMF."""

from __future__ import annotations

import json
import time

import pytest
from test_consumer import Context, body, record
from test_consumer_sources import from_source

from emf import MAX_VALUES_PER_DOCUMENT


def emf_documents(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


def assert_valid_emf(document: dict) -> None:
    """The rules CloudWatch applies (embedded metric format specification)."""
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert isinstance(document["_aws"]["Timestamp"], int)
    for dimension_set in directive["Dimensions"]:
        assert 1 <= len(dimension_set) <= 30
        assert all(isinstance(document[name], str) and document[name] for name in dimension_set)
    for metric in directive["Metrics"]:
        value = document[metric["Name"]]
        values = value if isinstance(value, list) else [value]
        assert 1 <= len(values) <= MAX_VALUES_PER_DOCUMENT and all(isinstance(v, (int, float)) for v in values)


def with_sent(records: list[dict], seconds_ago: float) -> list[dict]:
    for one in records:
        one["attributes"]["SentTimestamp"] = str(int((time.time() - seconds_ago) * 1000))
    return records


def test_each_stored_message_reports_its_delivery_lag(consumer, capsys):
    records = with_sent([record(f"m{i}", body(f"evt-{i}")) for i in range(3)], seconds_ago=4)
    records.append(record("poison", "not json"))
    assert consumer.handler({"Records": records}, Context())["batchItemFailures"] == []
    documents = emf_documents(capsys.readouterr().out)
    for document in documents:
        assert_valid_emf(document)
    (lag,) = [d for d in documents if "DeliveryLagMs" in d]
    assert len(lag["DeliveryLagMs"]) == 3  # the stored ones only
    assert all(4000 <= value < 14000 for value in lag["DeliveryLagMs"])
    assert lag["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["FunctionName"]]


def test_lag_of_a_large_batch_is_split_into_documents_of_100_values(consumer, capsys):
    records = with_sent([record(f"m{i}", body(f"evt-{i}")) for i in range(250)], seconds_ago=1)
    consumer.handler({"Records": records}, Context())
    lags = [d["DeliveryLagMs"] for d in emf_documents(capsys.readouterr().out) if "DeliveryLagMs" in d]
    assert [len(values) for values in lags] == [100, 100, 50]


@pytest.fixture
def with_sources(consumer, monkeypatch):
    monkeypatch.setenv("SOURCES", json.dumps({"orders": {"event_key": "/eventId"}, "stripe": {"event_key": "/id"}}))
    return consumer


def test_dead_letters_are_counted_by_reason_and_by_source(with_sources, capsys):
    records = [
        from_source("a", "not json", "stripe"),
        from_source("b", json.dumps({"object": "event"}), "stripe"),
        from_source("c", json.dumps({"noKey": 1}), "orders"),
        from_source("d", json.dumps({"noKey": 2}), "orders"),
        from_source("e", json.dumps({"eventId": "ok"}), "orders"),
    ]
    with_sources.handler({"Records": records}, Context())
    documents = emf_documents(capsys.readouterr().out)
    for document in documents:
        assert_valid_emf(document)
    dead = {(d["Source"], d["Reason"]): d["DeadLettered"] for d in documents if "DeadLettered" in d}
    assert dead == {("stripe", "invalid_json"): 1, ("stripe", "missing_key"): 1, ("orders", "missing_key"): 2}
    dimension_sets = {json.dumps(d["_aws"]["CloudWatchMetrics"][0]["Dimensions"]) for d in documents if "DeadLettered" in d}
    assert dimension_sets == {json.dumps([["FunctionName", "Reason"], ["FunctionName", "Source"]])}
    assert not [d for d in documents if "SignatureRejected" in d]


def test_signature_rejections_are_counted_by_source(consumer, aws, monkeypatch, capsys):
    import boto3

    arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(Name="s", SecretString="whsec_x")["ARN"]
    monkeypatch.setenv(
        "SOURCES", json.dumps({"stripe": {"event_key": "/id", "signature": {"scheme": "stripe", "secret_arn": arn}}})
    )
    monkeypatch.setattr(consumer, "_signing_secrets", None)
    consumer.handler({"Records": [from_source("a", json.dumps({"id": "1"}), "stripe")]}, Context())
    (rejected,) = [d for d in emf_documents(capsys.readouterr().out) if "SignatureRejected" in d]
    assert (rejected["Source"], rejected["Reason"], rejected["SignatureRejected"]) == ("stripe", "signature_missing", 1)
