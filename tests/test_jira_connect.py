"""Jira Connect app webhooks (scheme jira-connect): Atlassian Connect's HS256 JWT, keyed per installation.

Every token, canonical request and hash here was made by Atlassian's own Connect JWT library
(npm atlassian-jwt@2.0.3): tests/fixtures/vendor_vectors/jira-app.json (a webhook's token and
its request) and jira-connect.json (canonical requests of awkward URLs, and tokens for a URL
without a query, for a context token and for HS512), each file saying how it was made.
"""

from __future__ import annotations

import base64
import hashlib
import json
import pathlib

import pytest
from cryptography.hazmat.primitives import hashes
from test_claim_check import queued
from test_consumer import Context, dead_letters, stored
from test_edge import make_edge
from test_signatures import openssl_digest

import connect_tokens
from cached_secret import InvalidSecret
from dead_letters import REASON_ATTRIBUTE
from key_documents import KeysUnavailable
from signatures import (
    INVALID,
    OUTSIDE_TOLERANCE,
    SIGNED_CONTENT_KEY_PREFIX,
    Rejected,
    event_key_from_header,
    load_signature,
    parse_signing_secrets,
    verify,
)

VECTORS = pathlib.Path(__file__).parent / "fixtures" / "vendor_vectors"
WEBHOOK = json.loads((VECTORS / "jira-app.json").read_text())
LIBRARY = json.loads((VECTORS / "jira-connect.json").read_text())
CLIENT_KEY = "dc9824e8-3f71-4979-9b78-6d68b28b88d9"  # the vector's iss (jira-app.json, notes)
SHARED_SECRET = WEBHOOK["secret"]
ISSUED = WEBHOOK["signed_at"]  # iat; exp is 180 s later
WEBHOOK_URL = "https://hooks.example.com/jira/issue-updated?project_key=ACME&issue_id=10042"  # its request line
PLAIN_URL = LIBRARY["tokens"]["plain_url"]
OTHER_SECRET = "another-installations-shared-secret-0123456789"
TENANTS = json.dumps({"other-site": OTHER_SECRET, CLIENT_KEY: SHARED_SECRET})


def check(url: str, authorization: str, received_at: float = ISSUED + 1, secret: str = TENANTS, body: bytes = b"{}") -> None:
    rule = load_signature({"scheme": "jira-connect", "url": url}, "jira")
    verify(rule, parse_signing_secrets(rule, secret), {"authorization": authorization}, body, received_at)


def refusal(*args, **kwargs) -> tuple[str, str]:
    with pytest.raises(Rejected) as caught:
        check(*args, **kwargs)
    return caught.value.reason, caught.value.detail


def test_atlassians_webhook_token_verifies_for_its_url_and_installation():
    check(WEBHOOK_URL, WEBHOOK["headers"]["authorization"])
    # The library's verifier accepted the query in either order (jira-app.json); so does the hash.
    check("https://hooks.example.com/jira/issue-updated?issue_id=10042&project_key=ACME", WEBHOOK["headers"]["authorization"])


@pytest.mark.parametrize("case", LIBRARY["canonical"], ids=lambda case: case["url"])
def test_the_canonical_request_and_its_hash_are_atlassians(case):
    assert connect_tokens.canonical_request("POST", case["url"]) == case["canonical"]
    assert connect_tokens.query_string_hash("POST", case["url"]) == case["qsh"]


def test_the_body_is_not_signed_and_the_token_binds_its_url():
    """Connect signs the request line, not the body (README says what that allows)."""
    token = "JWT " + LIBRARY["tokens"]["plain"]
    check(PLAIN_URL, token, body=b'{"anything": "at all"}')
    assert refusal(WEBHOOK_URL, token) == (INVALID, "the token was made for another request (qsh)")
    assert refusal("https://hooks.example.com/hooks/other", token)[0] == INVALID


def test_a_context_token_binds_no_request():
    """'context-qsh' is what Connect's iframe context tokens carry; Atlassian's library accepts it, a webhook must not."""
    assert refusal(PLAIN_URL, "JWT " + LIBRARY["tokens"]["context_qsh"]) == (INVALID, "the token binds no request (qsh)")


def test_only_hs256_is_accepted():
    """Atlassian's library decodes HS512 too (jira-connect.json, hs512_check); Connect signs HS256."""
    assert refusal(PLAIN_URL, "JWT " + LIBRARY["tokens"]["hs512"]) == (INVALID, "the token is not HS256")


def test_the_installation_chooses_the_secret():
    token = WEBHOOK["headers"]["authorization"]
    others = json.dumps({"other-site": SHARED_SECRET, CLIENT_KEY: OTHER_SECRET})
    assert refusal(WEBHOOK_URL, token, secret=others)[0] == INVALID


def test_an_installation_not_in_the_secret_yet_waits():
    """The app's installed handler adds a site to the secret; until the functions read it again the
    site's tokens wait (503 at the edge, which Jira retries; the consumer keeps the message), never
    401 (Jira does not retry a 4xx: the webhook would be lost)."""
    with pytest.raises(KeysUnavailable):
        check(WEBHOOK_URL, WEBHOOK["headers"]["authorization"], secret=json.dumps({"other-site": SHARED_SECRET}))


def test_the_header_is_jwt_and_a_compact_token():
    token = LIBRARY["tokens"]["plain"]
    assert refusal(PLAIN_URL, "Bearer " + token)[0] == INVALID
    assert refusal(PLAIN_URL, token)[0] == INVALID
    assert refusal(PLAIN_URL, "JWT " + token[:-2])[0] == INVALID  # the MAC cut short
    assert refusal(PLAIN_URL, "JWT a.b")[0] == INVALID


def test_the_token_must_be_recent_and_unexpired():
    """exp is iat + 180 s: a few seconds' leeway past it, as Atlassian's own example app allows (3 s)."""
    token = WEBHOOK["headers"]["authorization"]
    check(WEBHOOK_URL, token, received_at=ISSUED + 183)
    assert refusal(WEBHOOK_URL, token, received_at=ISSUED + 184)[0] == OUTSIDE_TOLERANCE
    assert refusal(WEBHOOK_URL, token, received_at=ISSUED - 301)[0] == OUTSIDE_TOLERANCE


@pytest.mark.parametrize(
    "secret",
    [
        "",
        SHARED_SECRET,  # one secret, no installation
        "[]",
        "{}",
        json.dumps({"has space": SHARED_SECRET}),
        json.dumps({"site": ""}),
        json.dumps({"site": 1}),
        json.dumps({"site": "short"}),  # HS256 wants 256 bits: Atlassian's are longer
        '{"site": "' + "\\ud800" * 40 + '"}',  # a lone surrogate: no text
        # Connect's installed payload stored as it came: its public values would be keys (iss "eventType").
        json.dumps({"key": "com.example.app", "clientKey": CLIENT_KEY, "sharedSecret": SHARED_SECRET, "eventType": "installed"}),
        json.dumps({"username": "webhook", "password": SHARED_SECRET}),  # a Basic secret named by mistake
    ],
)
def test_a_secret_that_is_no_map_of_installations_waits_and_is_never_shown(secret):
    rule = load_signature({"scheme": "jira-connect", "url": PLAIN_URL}, "jira")
    with pytest.raises(InvalidSecret) as caught:
        parse_signing_secrets(rule, secret)
    assert SHARED_SECRET not in str(caught.value)


@pytest.mark.parametrize("iat", ["NaN", "Infinity", "1" + "0" * 400, "-1", "true", '"1764491400"'])
def test_claims_that_are_no_times_are_refused(iat):
    """A token signed with the installation's secret whose iat is no time (JSON's NaN, which Python reads
    and which compares false with everything; a number no float holds): refused, never accepted or a crash."""
    header = base64.urlsafe_b64encode(b'{"typ":"JWT","alg":"HS256"}').decode().rstrip("=")
    claims = f'{{"iss":"{CLIENT_KEY}","iat":{iat},"exp":{iat},"qsh":"{LIBRARY["tokens"]["plain_qsh"]}"}}'
    payload = base64.urlsafe_b64encode(claims.encode()).decode().rstrip("=")
    mac = openssl_digest(SHARED_SECRET.encode(), f"{header}.{payload}".encode(), hashes.SHA256())
    token = f"JWT {header}.{payload}." + base64.urlsafe_b64encode(mac).decode().rstrip("=")
    assert refusal(PLAIN_URL, token, received_at=ISSUED + 10**9) == (INVALID, "the token's iat and exp are not times")


@pytest.mark.parametrize(
    "url",
    [
        "https://h[x/hooks/jira",  # no host urlsplit reads
        "https://hooks.example.com\\hooks\\jira",  # Atlassian's library reads a backslash as /
        "https://hooks.example.com/hooks/x'y",  # and %-encodes a quote
        "https://hooks.example.com/hooks/jira?q=\u00e9",  # not percent-encoded
        "ftp://hooks.example.com/hooks/jira",
    ],
)
def test_a_url_whose_hash_could_differ_from_atlassians_is_refused_when_loaded(url):
    with pytest.raises(ValueError, match="RFC 3986"):
        load_signature({"scheme": "jira-connect", "url": url}, "jira")


def test_a_source_without_its_url_is_refused_when_loaded():
    with pytest.raises(ValueError, match="needs url"):
        load_signature({"scheme": "jira-connect"}, "jira")


def test_keyed_by_the_digest_of_the_tokens_header_and_claims():
    rule = load_signature({"scheme": "jira-connect", "url": WEBHOOK_URL}, "jira")
    token = WEBHOOK["headers"]["authorization"]
    header_and_claims = token.removeprefix("JWT ").rsplit(".", 1)[0]
    key = event_key_from_header(rule, "authorization", {"authorization": token}, b"{}")
    assert key == SIGNED_CONTENT_KEY_PREFIX + hashlib.sha256(header_and_claims.encode()).hexdigest()


# --- through the edge function and the consumer (moto) ---------------------------------------------


@pytest.fixture
def jira(front, consumer, monkeypatch):
    """The edge function (an open signed source: checked at the edge) queueing directly, and the
    consumer, with a jira-connect source keyed by Jira's delivery identifier."""
    edge = make_edge(front, monkeypatch)
    arn = edge.secret("jira-installations", TENANTS)
    signature = {"scheme": "jira-connect", "secret_arn": arn, "url": WEBHOOK_URL}
    headers = ["authorization", "x-atlassian-webhook-identifier"]
    edge.configure({"POST /hooks/jira": {"source": "jira", "headers": headers, "delivery": "direct", "signature": signature}})
    sources = {"jira": {"event_key": "x-atlassian-webhook-identifier", "body": "raw", "signature": signature}}
    monkeypatch.setenv("SOURCES", json.dumps(sources))
    monkeypatch.setattr(consumer, "_signing_secrets", None)
    return edge, consumer


def request(authorization: str, delivery: str = "wh-1") -> dict:
    """Jira's POST as API Gateway hands it to the edge function, a second after the token was made."""
    return {
        "version": "2.0",
        "routeKey": "POST /hooks/jira",
        "rawPath": "/hooks/jira",
        "rawQueryString": "project_key=ACME&issue_id=10042",
        "headers": {
            "content-type": "application/json",
            "authorization": authorization,
            "x-atlassian-webhook-identifier": delivery,
        },
        "body": WEBHOOK["body"],
        "isBase64Encoded": False,
        "requestContext": {"requestId": "req-1", "timeEpoch": (ISSUED + 1) * 1000},
    }


def test_jiras_webhook_is_kept_and_stored_by_its_delivery_identifier(jira, aws):
    edge, consumer = jira
    table, _, _ = aws
    answer = edge.call(request(WEBHOOK["headers"]["authorization"]))
    assert answer["statusCode"] == 200
    [record] = queued(edge.sqs, edge.queue_url)
    consumer.handler({"Records": [record]}, Context())
    assert set(stored(table)) == {"jira#wh-1"}


def test_a_token_for_another_url_is_401_at_the_edge_and_nothing_is_kept(jira):
    edge, _ = jira
    answer = edge.call(request("JWT " + LIBRARY["tokens"]["plain"]))
    assert (answer["statusCode"], json.loads(answer["body"])["reason"]) == (401, "signature_invalid")
    assert edge.nothing_kept()


def test_the_consumer_checks_the_token_again(jira, aws):
    """A message whose carried token was changed after the edge accepted it is dead-lettered, not stored."""
    edge, consumer = jira
    table, _, dlq_url = aws
    assert edge.call(request(WEBHOOK["headers"]["authorization"]))["statusCode"] == 200
    [record] = queued(edge.sqs, edge.queue_url)
    record["messageAttributes"]["header.authorization"]["stringValue"] = "h:JWT " + LIBRARY["tokens"]["context_qsh"]
    consumer.handler({"Records": [record]}, Context())
    assert stored(table) == {}
    [letter] = dead_letters(edge.sqs, dlq_url)
    assert letter["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == "signature_invalid"


def test_an_installation_not_in_the_secret_yet_is_503_at_the_edge_and_nothing_is_kept(jira):
    """Jira retries a 5xx, not a 401: the site's webhook comes again once the secret holds it."""
    edge, _ = jira
    edge.secrets.put_secret_value(SecretId="jira-installations", SecretString=json.dumps({"other-site": OTHER_SECRET}))
    answer = edge.call(request(WEBHOOK["headers"]["authorization"]))
    assert answer["statusCode"] == 503 and answer["headers"]["retry-after"] == "60"
    assert edge.nothing_kept()
