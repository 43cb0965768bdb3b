"""The edge function (issue 22): each step of a request through the handler, in process against moto.

Handshakes are answered with the vendors' documented requests and answers (the
vectors of tests/test_handshakes.py, which cites each one's source) and never
queued; handshakes the sender signs are answered only once the signature,
made by the sender's own library or by OpenSSL following the vendor's words,
verifies. Settings that cannot work are clear ValueErrors.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import hashes
from test_claim_check import queued
from test_handshakes import (
    BEATS_ZOOM_ANSWER,
    BEATS_ZOOM_SECRET,
    GRAPH_QUERY,
    GRAPH_TOKEN,
    META_QUERY,
    SLACK_BODY,
    X_CONSUMER_SECRET,
    X_CRC_TOKEN,
    X_RESPONSE_TOKEN,
    ZOOM_BODY,
)
from test_signatures import NOW, openssl_digest, sign_slack

from conftest import BUCKET

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # api.slack.com/authentication/verifying-requests-from-slack (example)
FUNCTION_NAME = "hooks-edge"
# Zoom signs every request, its url_validation too (developers.zoom.us/docs/api/webhooks/#verify-webhook-events):
# x-zm-signature = "v0=" + hex HMAC-SHA256(secret token, "v0:{x-zm-request-timestamp}:{body}").
ZOOM_SIGNATURE = {
    "scheme": "hmac",
    "header": "x-zm-signature",
    "prefix": "v0=",
    "signed_content": "v0:{timestamp}:{body}",
    "timestamp_header": "x-zm-request-timestamp",
}
# X signs events with the consumer secret: x-twitter-webhooks-signature = "sha256=" + base64 HMAC-SHA256.
X_SIGNATURE = {"scheme": "hmac", "header": "x-twitter-webhooks-signature", "encoding": "base64", "prefix": "sha256="}
# Asana: X-Hook-Signature = hex HMAC-SHA256(the handshake's secret, body) (developers.asana.com/docs/webhooks-guide).
ASANA_SIGNATURE = {"scheme": "hmac", "header": "x-hook-signature"}


def sign_zoom(body: bytes, secret: str, timestamp: int) -> dict[str, str]:
    digest = openssl_digest(secret.encode(), b"v0:%d:" % timestamp + body, hashes.SHA256())
    return {"x-zm-signature": "v0=" + digest.hex(), "x-zm-request-timestamp": str(timestamp)}


def proxy(
    route_key: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    query: str = "",
    request_id: str = "req-1",
    binary: bool = False,
) -> dict[str, Any]:
    """An HTTP API Lambda proxy event (payload 2.0) for `route_key`, as API Gateway builds it."""
    return {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": route_key.split(" ", 1)[1],
        "rawQueryString": query,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": base64.b64encode(body).decode() if binary else body.decode("utf-8"),
        "isBase64Encoded": binary,
        "requestContext": {
            "requestId": request_id,
            "timeEpoch": (NOW + 1) * 1000,
            "http": {"method": route_key.split(" ", 1)[0]},
            "authorizer": {"lambda": {"principal": "alice"}},
        },
    }


@dataclass
class Edge:
    module: Any
    s3: Any
    sqs: Any
    queue_url: str
    secrets: Any
    monkeypatch: Any

    def configure(self, routes: dict[str, Any]) -> None:
        self.monkeypatch.setenv("ROUTES", json.dumps(routes))

    def secret(self, name: str, value: str | None) -> str:
        return self.secrets.create_secret(Name=name, **({} if value is None else {"SecretString": value}))["ARN"]

    def call(self, event: dict[str, Any]) -> dict[str, Any]:
        return self.module.handler(event, None)

    def nothing_kept(self) -> bool:
        return queued(self.sqs, self.queue_url) == [] and "Contents" not in self.s3.list_objects_v2(Bucket=BUCKET)


def make_edge(front, monkeypatch) -> Edge:
    """The front function of conftest (moto: bucket, queue) with a secrets client and a function name."""
    module, s3, sqs, queue_url = front
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    monkeypatch.setattr(module, "_signing_secrets", None)
    monkeypatch.setattr(module, "_handshake_secrets", None)
    module._clients["secretsmanager"] = secrets
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", FUNCTION_NAME)
    return Edge(module, s3, sqs, queue_url, secrets, monkeypatch)


@pytest.fixture
def edge(front, monkeypatch) -> Edge:
    return make_edge(front, monkeypatch)


def metric_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


def assert_text(answer: dict[str, Any], body: str) -> None:
    assert answer["statusCode"] == 200 and answer["body"] == body
    assert answer["headers"]["content-type"].split(";")[0] == "text/plain"
    assert answer["headers"]["x-content-type-options"] == "nosniff"


# --- 1. the route ------------------------------------------------------------------------------------


def test_no_route_is_404_and_nothing_kept(edge):
    assert edge.call(proxy("POST /hooks/nowhere", b"{}"))["statusCode"] == 404
    assert edge.nothing_kept()


# --- 2. handshakes: answered, never queued ---------------------------------------------------------


def slack_route(edge: Edge) -> None:
    arn = edge.secret("slack-signing", SLACK_SECRET)
    edge.configure(
        {
            "POST /hooks/slack": {
                "source": "slack",
                "headers": ["x-slack-signature", "x-slack-request-timestamp"],
                "delivery": "direct",
                "signature": {"scheme": "slack", "secret_arn": arn},
                "handshake": {"preset": "slack"},
            }
        }
    )


def test_slack_url_verification_signed_by_slack_sdk_is_answered_and_not_queued(edge):
    slack_route(edge)
    signed = sign_slack(SLACK_BODY.decode(), SLACK_SECRET, NOW, "")
    assert_text(edge.call(proxy("POST /hooks/slack", SLACK_BODY, signed)), "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert edge.nothing_kept()


@pytest.mark.parametrize("case", ["forged", "unsigned", "stale"])
def test_a_signed_handshake_that_does_not_verify_is_401_counted_and_echoes_nothing(edge, capsys, case):
    slack_route(edge)
    signed = {
        "forged": sign_slack(SLACK_BODY.decode(), "another secret", NOW, ""),
        "unsigned": {},
        "stale": sign_slack(SLACK_BODY.decode(), SLACK_SECRET, NOW - 3600, ""),
    }[case]
    answer = edge.call(proxy("POST /hooks/slack", SLACK_BODY, signed))
    reason = {"forged": "signature_invalid", "unsigned": "signature_missing", "stale": "timestamp_outside_tolerance"}[case]
    assert answer["statusCode"] == 401 and json.loads(answer["body"]) == {"message": "Unauthorized", "reason": reason}
    assert "3eZbrw1a" not in answer["body"] and edge.nothing_kept()
    output = capsys.readouterr().out
    [line] = metric_lines(output)
    assert (line["Source"], line["Reason"], line["SignatureRejected"], line["FunctionName"]) == (
        "slack",
        reason,
        1,
        FUNCTION_NAME,
    )
    assert SLACK_SECRET not in output and "3eZbrw1a" not in output


def test_a_signed_handshake_whose_signing_secret_cannot_be_read_is_500_while_events_wait_for_the_consumer(edge):
    slack_route(edge)
    arn = edge.secrets.list_secrets()["SecretList"][0]["ARN"]
    edge.secrets.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    answer = edge.call(proxy("POST /hooks/slack", SLACK_BODY, sign_slack(SLACK_BODY.decode(), SLACK_SECRET, NOW, "")))
    assert answer["statusCode"] == 500 and "3eZbrw1a" not in answer["body"]
    assert edge.nothing_kept()
    event = b'{"type":"event_callback","event_id":"Ev2"}'
    assert edge.call(proxy("POST /hooks/slack", event, sign_slack(event.decode(), SLACK_SECRET, NOW, "")))["statusCode"] == 200


def test_an_ordinary_slack_event_on_the_handshake_route_is_verified_and_queued(edge):
    slack_route(edge)
    body = b'{"type":"event_callback","event_id":"Ev1","event":{"type":"message"}}'
    answer = edge.call(proxy("POST /hooks/slack", body, sign_slack(body.decode(), SLACK_SECRET, NOW, "")))
    assert answer["statusCode"] == 200 and "messageId" in json.loads(answer["body"])
    [message] = queued(edge.sqs, edge.queue_url)
    assert message["body"] == body.decode()


def zoom_route(edge: Edge) -> None:
    arn = edge.secret("zoom-signing", BEATS_ZOOM_SECRET)
    headers = ["x-zm-signature", "x-zm-request-timestamp"]
    signature = {**ZOOM_SIGNATURE, "secret_arn": arn}
    route = {"source": "zoom", "headers": headers, "delivery": "direct", "signature": signature, "handshake": {"preset": "zoom"}}
    edge.configure({"POST /hooks/zoom": route})


def test_zoom_url_validation_is_answered_with_the_published_vector_keyed_by_the_signing_secret(edge):
    zoom_route(edge)
    answer = edge.call(proxy("POST /hooks/zoom", ZOOM_BODY, sign_zoom(ZOOM_BODY, BEATS_ZOOM_SECRET, NOW)))
    assert answer["statusCode"] == 200 and answer["headers"]["content-type"] == "application/json"
    assert json.loads(answer["body"]) == BEATS_ZOOM_ANSWER
    assert edge.nothing_kept()


def test_zoom_url_validation_with_a_bad_signature_is_401(edge):
    zoom_route(edge)
    answer = edge.call(proxy("POST /hooks/zoom", ZOOM_BODY, sign_zoom(ZOOM_BODY, "not the secret token", NOW)))
    assert answer["statusCode"] == 401 and "encryptedToken" not in answer["body"]
    assert edge.nothing_kept()


def meta_route(edge: Edge, verify_token: str = "meatyhamhock") -> str:  # noqa: S107 (the docs' example token)
    arn = edge.secret("meta-verify-token", verify_token)
    edge.configure({"GET /hooks/meta": {"source": "meta", "headers": [], "handshake": {"preset": "meta", "secret_arn": arn}}})
    return arn


def test_meta_verification_is_answered_from_its_own_secret(edge):
    meta_route(edge)
    assert_text(edge.call(proxy("GET /hooks/meta", query=META_QUERY)), "1158201444")
    assert edge.nothing_kept()


def test_meta_with_the_wrong_verify_token_is_403_and_counted(edge, capsys):
    meta_route(edge, "another-token")
    answer = edge.call(proxy("GET /hooks/meta", query=META_QUERY))
    assert answer["statusCode"] == 403 and "1158201444" not in answer["body"]
    output = capsys.readouterr().out
    [line] = metric_lines(output)
    assert (line["Source"], line["Reason"]) == ("meta", "verify_token_mismatch")
    assert "another-token" not in output and "meatyhamhock" not in output


def test_a_handshake_secret_that_cannot_be_read_is_500_not_an_answer(edge):
    arn = meta_route(edge)
    edge.secrets.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    answer = edge.call(proxy("GET /hooks/meta", query=META_QUERY))
    assert answer["statusCode"] == 500 and "1158201444" not in answer["body"]


def test_x_crc_is_answered_with_the_published_vector_keyed_by_the_signing_secret(edge):
    arn = edge.secret("x-signing", X_CONSUMER_SECRET)
    route = {"source": "x", "headers": [], "signature": {**X_SIGNATURE, "secret_arn": arn}, "handshake": {"preset": "x"}}
    edge.configure({"GET /hooks/x": route})
    answer = edge.call(proxy("GET /hooks/x", query=f"crc_token={X_CRC_TOKEN}"))
    assert answer["statusCode"] == 200 and json.loads(answer["body"]) == {"response_token": X_RESPONSE_TOKEN}
    assert edge.nothing_kept()


@pytest.mark.parametrize(
    ("route_key", "preset", "request_", "expected"),
    [
        ("POST /hooks/graph", "microsoft-graph", {"query": GRAPH_QUERY}, GRAPH_TOKEN.decode()),
        ("GET /hooks/dropbox", "dropbox", {"query": "challenge=abc123"}, "abc123"),
    ],
)
def test_unsigned_handshakes_are_answered_directly(edge, route_key, preset, request_, expected):
    edge.configure({route_key: {"source": preset, "headers": [], "delivery": "direct", "handshake": {"preset": preset}}})
    assert_text(edge.call(proxy(route_key, **request_)), expected)
    assert edge.nothing_kept()


def test_okta_verification_is_answered_byte_for_byte(edge):
    # developer.okta.com/docs/concepts/event-hooks/#one-time-verification-request (vector: test_handshakes.py).
    edge.configure({"GET /hooks/okta": {"source": "okta", "headers": [], "handshake": {"preset": "okta"}}})
    headers = {"x-okta-verification-challenge": "Me_rShK8JHsTnbyYrWXCEoMGbM_zsZ6k0hLPZ_Pg"}
    answer = edge.call(proxy("GET /hooks/okta", headers=headers))
    assert answer["statusCode"] == 200 and answer["body"] == '{"verification":"Me_rShK8JHsTnbyYrWXCEoMGbM_zsZ6k0hLPZ_Pg"}'
    assert edge.nothing_kept()


# --- 3. GET without a handshake ---------------------------------------------------------------------


def test_a_get_that_is_not_a_handshake_is_405_and_nothing_kept(edge):
    edge.configure({"GET /hooks/dropbox": {"source": "dropbox", "headers": [], "handshake": {"preset": "dropbox"}}})
    assert edge.call(proxy("GET /hooks/dropbox", query="other=1"))["statusCode"] == 405
    assert edge.nothing_kept()
