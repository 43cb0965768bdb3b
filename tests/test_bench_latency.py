"""bench/latency.py: the latency model waits each service's round trip, once per request,
before moto answers (no timing is asserted: the waits are recorded, not measured)."""

from __future__ import annotations

import sys
from pathlib import Path

import boto3
from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import latency


def test_each_request_waits_its_services_round_trip(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(latency.time, "sleep", waits.append)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # restored afterwards, with no model on it
    with mock_aws():
        boto3.setup_default_session(region_name="us-east-1")
        model = latency.LatencyModel()
        model.install()
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="x")
        boto3.client("sts").get_caller_identity()  # not in the table: no wait
        boto3.client("dynamodb").list_tables()
    assert waits == [0.020, 0.020, 0.008]
    assert model.calls == 3


def test_every_round_trip_names_its_source():
    for service, trip in latency.ROUND_TRIPS.items():
        assert trip.milliseconds > 0 and len(trip.source) > 40, service
    assert latency.table()[2:] and all("|" in line for line in latency.table())
