"""Event keys taken from signatures are canonical (issue 20, item 5): re-spelling a
valid signature, or re-sending a signed body under another delivery id, is a
duplicate of the stored item, never a new one. Requests are signed by the
senders' own libraries or documented vectors, never by our code."""

from __future__ import annotations

import base64
import hashlib
import json

import boto3
import pytest
from cryptography.hazmat.primitives import hashes
from test_consumer import Context, dead_letters, record, stored
from test_consumer_sources import carried_headers
from test_signatures import GITHUB_PAYLOAD, GITHUB_SECRET, GITHUB_SIGNATURE, NOW, openssl_digest, sign_slack

from sources import SIGNED_CONTENT_KEY, load_sources

SLACK_SECRET = "8f" * 16
HMAC_SECRET = "custom-" + "3c" * 12
HMAC_SIGNATURE = {"scheme": "hmac", "header": "x-signature", "encoding": "base64"}


@pytest.fixture
def keyed(consumer, aws, monkeypatch):
    client = boto3.client("secretsmanager", region_name="us-east-1")
    arn = {
        name: client.create_secret(Name=f"{name}-key", SecretString=secret)["ARN"]
        for name, secret in (("slack", SLACK_SECRET), ("github", GITHUB_SECRET), ("custom", HMAC_SECRET))
    }
    sources = {
        "slack": {"event_key": "x-slack-signature", "signature": {"scheme": "slack", "secret_arn": arn["slack"]}},
        "github": {
            "event_key": SIGNED_CONTENT_KEY,
            "body": "raw",
            "signature": {"scheme": "github", "secret_arn": arn["github"]},
        },
        "custom": {"event_key": "x-signature", "signature": {**HMAC_SIGNATURE, "secret_arn": arn["custom"]}},
    }
    monkeypatch.setenv("SOURCES", json.dumps(sources))
    monkeypatch.setattr(consumer, "_signing_secrets", None)
    return consumer


def from_source(message_id: str, source: str, body: str, headers: dict[str, str], received_s: int = NOW + 1) -> dict:
    attributes = {"source": {"stringValue": source, "dataType": "String"}, **carried_headers(headers)}
    message = record(message_id, body, attributes=attributes)
    message["attributes"]["SentTimestamp"] = str(received_s * 1000)
    return message


def test_a_slack_signature_in_another_letter_case_is_the_same_event(keyed, aws):
    table, sqs, dlq_url = aws
    body = json.dumps({"type": "event_callback", "event_id": "Ev1"})
    signed = sign_slack(body, SLACK_SECRET, NOW, "")  # slack_sdk's SignatureVerifier
    respelled = {**signed, "x-slack-signature": "v0=" + signed["x-slack-signature"].removeprefix("v0=").upper()}
    assert respelled != signed
    for index, headers in enumerate((signed, respelled)):
        assert keyed.handler({"Records": [from_source(f"m{index}", "slack", body, headers)]}, Context()) == {
            "batchItemFailures": []
        }
    assert set(stored(table)) == {f"slack#{signed['x-slack-signature']}"}  # a genuine sender's key is unchanged
    assert dead_letters(sqs, dlq_url) == []


def test_a_base64_signature_spelled_with_other_unused_bits_is_the_same_event(keyed, aws):
    """The last base64 character of a 32-byte digest carries 2 bits no decoder reads: "…Soc=" and "…Sod=" are one signature."""
    table, _, _ = aws
    body = json.dumps({"id": "tweet-1"})
    signature = base64.b64encode(openssl_digest(HMAC_SECRET.encode(), body.encode(), hashes.SHA256())).decode()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = signature[-2]
    twin = signature[:-2] + alphabet[alphabet.index(last) ^ 1] + "="
    assert twin != signature and base64.b64decode(twin) == base64.b64decode(signature)
    for index, value in enumerate((signature, twin)):
        message = from_source(f"m{index}", "custom", body, {"x-signature": value})
        assert keyed.handler({"Records": [message]}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {f"custom#{signature}"}


def test_a_github_delivery_keyed_by_its_signed_content_is_stored_once(keyed, aws):
    """GitHub's X-GitHub-Delivery is not signed: a captured request sent again with a new
    delivery id verifies. Keyed by @signed-content, it is the same event: the key is the
    SHA-256 of what GitHub signs (the body), here for GitHub's documented example."""
    table, sqs, dlq_url = aws
    headers = {"x-hub-signature-256": GITHUB_SIGNATURE}
    batch = [
        from_source("first", "github", GITHUB_PAYLOAD, headers),
        from_source("again", "github", GITHUB_PAYLOAD, headers, NOW + 600),
    ]
    assert keyed.handler({"Records": batch[:1]}, Context()) == {"batchItemFailures": []}
    assert keyed.handler({"Records": batch[1:]}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"github#" + hashlib.sha256(GITHUB_PAYLOAD.encode()).hexdigest()}
    assert dead_letters(sqs, dlq_url) == []


def test_signed_content_needs_a_signature():
    with pytest.raises(ValueError, match=f"SOURCES: source 'plain' keys by {SIGNED_CONTENT_KEY}, which needs a signature"):
        load_sources(json.dumps({"plain": {"event_key": SIGNED_CONTENT_KEY}}))
