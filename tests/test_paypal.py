"""PayPal through the edge function and the consumer, in process against moto, with PayPal's
own SDK vector (tests/fixtures/vendor_vectors/paypal.json): its four signed headers do not fit
a direct message's attributes, so its route is a claim check and they travel in the pointer;
the edge refuses a forgery with 401 and keeps nothing, the consumer verifies again on the
stored bytes with the pointer's headers. PayPal's certificate is served by a fake fetch (no network in tests)."""

from __future__ import annotations

import json

import boto3
import pytest
from test_claim_check import nothing_kept, queued
from test_consumer import Context, dead_letters, stored
from test_public_key_schemes import FakeFetch
from test_signature_presets import VECTORS

import key_documents
from claim_check import CLAIMS_PREFIX
from dead_letters import REASON_ATTRIBUTE

PAYPAL = VECTORS["paypal"]
EVENT_ID = json.loads(PAYPAL["body"])["id"]


def request(body: bytes, headers: dict[str, str], request_id: str = "req-1") -> dict:
    """PayPal's POST as API Gateway hands it to the edge function, received a second after PayPal signed it."""
    return {
        "version": "2.0",
        "routeKey": "POST /hooks/paypal",
        "headers": {"content-type": "application/json", **headers},
        "body": body.decode("utf-8"),
        "isBase64Encoded": False,
        "requestContext": {"requestId": request_id, "timeEpoch": (PAYPAL["signed_at"] + 1) * 1000},
    }


@pytest.fixture
def paypal(front, claim_consumer, monkeypatch):
    """The edge function (checking at the edge, as an open signed source does by default) and the
    consumer, both with a paypal source whose secret holds the vector's webhook ID."""
    module, s3, sqs, queue_url = front
    arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="paypal-webhook-id", SecretString=PAYPAL["webhook_id"]
    )["ARN"]
    signature = {"scheme": "paypal", "secret_arn": arn, "tolerance_seconds": 300}
    headers = ["paypal-transmission-id", "paypal-transmission-time", "paypal-transmission-sig", "paypal-cert-url"]
    routes = {"POST /hooks/paypal": {"source": "paypal", "headers": headers, "delivery": "claim-check", "signature": signature}}
    monkeypatch.setenv("ROUTES", json.dumps(routes))
    monkeypatch.setattr(module, "_signing_secrets", None)
    sources = {"paypal": {"event_key": "/id", "signature": signature, "delivery": "claim-check"}}
    monkeypatch.setenv("SOURCES", json.dumps(sources))
    fetch = FakeFetch({PAYPAL["headers"]["paypal-cert-url"]: PAYPAL["public_key"].encode()})
    monkeypatch.setattr(key_documents, "DOCUMENTS", key_documents.Documents(fetch))
    return module, claim_consumer, s3, sqs, queue_url, fetch


def test_paypals_vector_is_stored_by_its_event_id(paypal, aws):
    module, consumer, _, sqs, queue_url, fetch = paypal
    table, _, _ = aws
    answer = module.handler(request(PAYPAL["body"].encode(), PAYPAL["headers"]), None)
    assert answer["statusCode"] == 200
    [record] = queued(sqs, queue_url)
    assert json.loads(record["body"])["claimCheck"]["key"].startswith(f"{CLAIMS_PREFIX}paypal/")
    consumer.handler({"Records": [record]}, Context())
    assert set(stored(table)) == {f"paypal#{EVENT_ID}"}
    assert set(fetch.asked) == {PAYPAL["headers"]["paypal-cert-url"]}


def test_a_forgery_is_refused_at_the_edge_and_nothing_is_kept(paypal):
    module, _, s3, sqs, queue_url, _ = paypal
    forged = PAYPAL["body"].replace("20.00", "20.01", 1).encode()
    elsewhere = dict(PAYPAL["headers"], **{"paypal-cert-url": "https://evil.example/v1/notifications/certs/CERT-1"})
    unsigned = {name: value for name, value in PAYPAL["headers"].items() if name != "paypal-transmission-sig"}
    answers = [
        module.handler(request(forged, PAYPAL["headers"]), None),
        module.handler(request(PAYPAL["body"].encode(), elsewhere), None),
        module.handler(request(PAYPAL["body"].encode(), unsigned), None),
    ]
    assert [(answer["statusCode"], json.loads(answer["body"])["reason"]) for answer in answers] == [
        (401, "signature_invalid"),
        (401, "signature_invalid"),
        (401, "signature_missing"),
    ]
    assert nothing_kept(s3, sqs, queue_url)


def test_the_consumer_checks_again_with_the_headers_in_the_pointer(paypal, aws):
    """The consumer verifies every message again, with the headers the pointer carries: a pointer
    whose transmission id was changed after the edge accepted it is dead-lettered, not stored."""
    module, consumer, _, sqs, queue_url, _ = paypal
    table, _, dlq_url = aws
    assert module.handler(request(PAYPAL["body"].encode(), PAYPAL["headers"]), None)["statusCode"] == 200
    [record] = queued(sqs, queue_url)
    pointer = json.loads(record["body"])
    headers = pointer["claimCheck"]["headers"]
    assert set(headers) == {"paypal-transmission-id", "paypal-transmission-time", "paypal-transmission-sig", "paypal-cert-url"}
    headers["paypal-transmission-id"] = "00000000-fd74-11e4-8bf3-77339302725b"
    consumer.handler({"Records": [dict(record, body=json.dumps(pointer))]}, Context())
    assert stored(table) == {}
    [letter] = dead_letters(sqs, dlq_url)
    assert letter["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == "signature_invalid"


def test_a_certificate_that_cannot_be_fetched_is_503_at_the_edge_and_nothing_is_kept(paypal):
    """A forger naming a certificate on PayPal's host that PayPal does not publish cannot get its request
    kept for the consumer (which could never verify it): 503, nothing queued or stored; PayPal itself
    retries on a 5xx, so a genuine delivery whose certificate was briefly unavailable comes again."""
    module, _, s3, sqs, queue_url, fetch = paypal
    headers = dict(PAYPAL["headers"], **{"paypal-cert-url": "https://api.paypal.com/v1/notifications/certs/CERT-NO-SUCH"})
    answer = module.handler(request(PAYPAL["body"].encode(), headers), None)
    assert answer["statusCode"] == 503 and answer["headers"]["retry-after"] == "60"
    assert nothing_kept(s3, sqs, queue_url)
    assert fetch.asked == ["https://api.paypal.com/v1/notifications/certs/CERT-NO-SUCH"]
