"""Shared fixtures: load the Lambda sources as Lambda would, with dummy AWS settings."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"

# Tests start moto_server and terraform from several threads at once. A clean-clone
# run once failed to exec with EFAULT ("Bad address") inside vfork(); plain fork()
# is a little slower and has no such window (Python's documented escape hatch).
subprocess._USE_VFORK = False

# Lambda puts a package's root on sys.path; helper module names are unique
# across the packages and their shared files, so every root can be on the path at once.
for _name in ("authorizer", "consumer", "front", "shared"):
    if str(FUNCTIONS / _name) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS / _name))
sys.path.insert(0, str(ROOT / "scripts"))

# The local stack of examples/local-sources, one apply per session for every e2e file that uses it.
from sources_stack import boundary, signing, sources  # noqa: E402, F401


def load_handler_module(function: str) -> ModuleType:
    """functions/<function>/app.py under the unique name <function>_app."""
    spec = importlib.util.spec_from_file_location(f"{function}_app", FUNCTIONS / function / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def dummy_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never reach real AWS: dummy credentials and a fixed region for every test."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


# --- the consumer's AWS, in moto -----------------------------------------------------

TABLE = "events"


def table_and_dead_letter_queue() -> tuple[Any, Any, str]:
    """The events table and a DLQ, in the moto mock that is active."""
    table = boto3.resource("dynamodb", region_name="us-east-1").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "eventId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "eventId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    sqs = boto3.client("sqs", region_name="us-east-1")
    return table, sqs, sqs.create_queue(QueueName="events-dlq")["QueueUrl"]


@pytest.fixture()
def aws(monkeypatch):
    with mock_aws():
        table, sqs, dlq_url = table_and_dead_letter_queue()
        monkeypatch.setenv("TABLE_NAME", TABLE)
        monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", dlq_url)
        yield table, sqs, dlq_url


@pytest.fixture()
def consumer(aws):
    module = load_handler_module("consumer")
    table, sqs, _ = aws
    module._clients.update(table=table, sqs=sqs)
    return module


# --- the authorizer's secret, in moto -------------------------------------------------

SECRET = {
    "credentials": [
        {"username": "alice", "password": "correct horse"},
        {"username": "bob", "password": "pa:ss"},
        {"username": "zoe", "password": "pässwörd✓"},
    ]
}


@pytest.fixture()
def secrets_manager(monkeypatch):
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        arn = client.create_secret(Name="webhook-credentials", SecretString=json.dumps(SECRET))["ARN"]
        monkeypatch.setenv("SECRET_ARN", arn)
        monkeypatch.setenv("SECRET_CACHE_TTL_SECONDS", "300")
        yield client, arn


# --- claim checks: the front function and the consumer with a payload bucket, in moto --

BUCKET = "hooks-payloads"
ROUTES = {
    "POST /hooks/big": {"source": "big", "headers": []},
    "POST /hooks/stripe": {"source": "stripe", "headers": ["stripe-signature"]},
}
CLAIM_STRIPE_SECRET = "whsec_" + "5f" * 16


@pytest.fixture
def front(aws, monkeypatch):
    """The front function with its bucket and queue (the consumer's moto is the same)."""
    _, sqs, _ = aws
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    queue_url = sqs.create_queue(QueueName="events", Attributes={"MaximumMessageSize": "262144"})["QueueUrl"]
    module = load_handler_module("front")
    monkeypatch.setenv("QUEUE_URL", queue_url)
    monkeypatch.setenv("PAYLOAD_BUCKET", BUCKET)
    monkeypatch.setenv("ROUTES", json.dumps(ROUTES))
    module._clients.update(s3=s3, sqs=sqs)
    return module, s3, sqs, queue_url


@pytest.fixture
def claim_consumer(consumer, aws, front, monkeypatch):
    _, s3, _, _ = front
    secret_arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="stripe-signing", SecretString=CLAIM_STRIPE_SECRET
    )["ARN"]
    claim_sources = {
        "big": {"event_key": "/eventId", "archive": False, "delivery": "claim-check"},
        "stripe": {"event_key": "/id", "signature": {"scheme": "stripe", "secret_arn": secret_arn}, "delivery": "claim-check"},
    }
    monkeypatch.setenv("SOURCES", json.dumps(claim_sources))
    monkeypatch.setenv("PAYLOAD_BUCKET", BUCKET)
    monkeypatch.setattr(consumer, "_signing_secrets", None)
    monkeypatch.setitem(consumer._clients, "s3", s3)
    return consumer


def batch_client(table):
    """The client the consumer's BatchWriteItem goes through (store.wire_client): its items and
    UnprocessedItems are in DynamoDB's wire form ({"eventId": {"S": "k1"}}). Patch its
    batch_write_item to inject throttling; del its attribute to restore the real one."""
    from store import wire_client

    return wire_client(table)
