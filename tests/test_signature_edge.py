"""The front function (verify_at_edge) answers 401, never 500, to hostile signature headers (issue 20, item 6).

The front function runs in process against moto (the `front` fixture of
conftest.py), one claim-check route per scheme, each checking its signature at
the edge. Every request is signed by the sender's own library first; the
hostile value (a non-ASCII digit, a lone surrogate, a very long value) is the
only thing wrong with it. Before the fix, a Stripe timestamp `t=¹700000000`
raised UnicodeEncodeError out of the handler, which Lambda answers with 500.
"""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from test_signatures import BODY, MESSAGE_ID, NOW, SENDERS, Sender

from conftest import BUCKET

HOSTILE = {
    "superscript-digit": "¹" + str(NOW)[1:],
    "lone-surrogate": "\ud800",
    "surrogate-after-digits": str(NOW) + "\udfff",
    "very-long": "9" * 100_000,
}


def proxy_event(route_key: str, body: str, headers: dict[str, str]) -> dict:
    """An HTTP API Lambda proxy event (payload 2.0): lower-cased header names."""
    return {
        "version": "2.0",
        "routeKey": route_key,
        "headers": {"content-type": "application/json", **headers},
        "body": base64.b64encode(body.encode()).decode(),
        "isBase64Encoded": True,
        "requestContext": {"requestId": "req-edge", "timeEpoch": (NOW + 1) * 1000},
    }


@pytest.fixture
def edge(front, monkeypatch):
    """Every scheme's route, checked at the edge, with its secret in moto."""
    module, s3, sqs, queue_url = front
    client = boto3.client("secretsmanager", region_name="us-east-1")
    secrets: dict[str, str] = {}
    routes = {}
    for sender in SENDERS:
        secrets[sender.name] = sender.new_secret()
        arn = client.create_secret(Name=f"edge-{sender.name}", SecretString=secrets[sender.name])["ARN"]
        routes[f"POST /hooks/{sender.name}"] = {
            "source": sender.name,
            "headers": list(sender.rule.headers),
            "signature": {**sender.settings, "secret_arn": arn},
        }
    monkeypatch.setenv("ROUTES", json.dumps(routes))
    monkeypatch.setattr(module, "_signing_secrets", None)
    return module, s3, sqs, queue_url, secrets


def queued_count(sqs, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


@pytest.mark.parametrize("sender", SENDERS, ids=lambda sender: sender.name)
def test_hostile_signature_headers_get_401_with_a_reason_and_nothing_is_kept(edge, sender: Sender):
    module, s3, sqs, queue_url, secrets = edge
    headers = sender.sign(BODY, secrets[sender.name], NOW, MESSAGE_ID)
    route = f"POST /hooks/{sender.name}"
    answers = []
    for name in headers:
        for value in HOSTILE.values():
            answers.append(module.handler(proxy_event(route, BODY, {**headers, name: value}), None))
    assert {answer["statusCode"] for answer in answers} == {401}
    assert {json.loads(answer["body"])["reason"] for answer in answers} <= {"signature_invalid", "signature_missing"}
    assert queued_count(sqs, queue_url) == 0 and "Contents" not in s3.list_objects_v2(Bucket=BUCKET)
    # The same request, unchanged, is accepted: the route itself works.
    assert module.handler(proxy_event(route, BODY, headers), None)["statusCode"] == 200


def test_a_stripe_timestamp_with_a_superscript_digit_gets_401_not_500(edge):
    module, _, sqs, queue_url, secrets = edge
    stripe_sender = next(sender for sender in SENDERS if sender.name == "stripe")
    header = stripe_sender.sign(BODY, secrets["stripe"], NOW, MESSAGE_ID)["stripe-signature"]
    hostile = header.replace(f"t={NOW}", f"t=¹{str(NOW)[1:]}")
    answer = module.handler(proxy_event("POST /hooks/stripe", BODY, {"stripe-signature": hostile}), None)
    assert (answer["statusCode"], json.loads(answer["body"])["reason"]) == (401, "signature_invalid")
    assert queued_count(sqs, queue_url) == 0
