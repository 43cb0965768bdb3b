"""Asana's handshake through the edge function (issue 22, item 4): a secret learned at registration.

Asana's handshake (developers.asana.com/reference/createwebhook, vector in
tests/test_handshakes.py) carries the secret that signs later events. The edge
stores it as the source's signing secret only while that secret is unset (no
value yet, or whitespace: the window the operator opens); afterwards a
handshake is answered only when it offers the stored secret (401 otherwise).
Events are signed here by OpenSSL following Asana's words (hex HMAC-SHA256 of the body).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from test_claim_check import queued
from test_edge import ASANA_SIGNATURE, Edge, make_edge, metric_lines, proxy
from test_handshakes import ASANA_SECRET
from test_signatures import openssl_digest


@pytest.fixture
def edge(front, monkeypatch) -> Edge:
    return make_edge(front, monkeypatch)


def asana_route(edge: Edge, stored: str | None) -> str:
    arn = edge.secret("asana-signing", stored)
    signature = {**ASANA_SIGNATURE, "secret_arn": arn}
    route = {"source": "asana", "headers": ["x-hook-signature"], "delivery": "direct", "signature": signature}
    edge.configure({"POST /hooks/asana": {**route, "handshake": {"preset": "asana"}}})
    return arn


def asana_handshake(edge: Edge, secret: str) -> dict[str, Any]:
    return edge.call(proxy("POST /hooks/asana", headers={"x-hook-secret": secret}))


@pytest.mark.parametrize("stored", [None, " \n"])  # no value yet, or a placeholder of whitespace (AWS refuses "")
def test_asana_stores_the_learned_secret_while_none_is_set_and_then_verifies_events_with_it(edge, stored):
    arn = asana_route(edge, stored)
    answer = asana_handshake(edge, ASANA_SECRET)
    assert answer["statusCode"] == 200 and answer["headers"]["x-hook-secret"] == ASANA_SECRET
    assert edge.secrets.get_secret_value(SecretId=arn)["SecretString"] == ASANA_SECRET
    body = b'{"events":[{"action":"changed"}]}'
    signature = openssl_digest(ASANA_SECRET.encode(), body, hashes.SHA256()).hex()
    assert edge.call(proxy("POST /hooks/asana", body, {"x-hook-signature": signature}))["statusCode"] == 200
    assert edge.call(proxy("POST /hooks/asana", body, {"x-hook-signature": "0" * 64}))["statusCode"] == 401
    [message] = queued(edge.sqs, edge.queue_url)  # the event, never the handshake
    assert message["body"] == body.decode()


def test_asana_answers_a_later_handshake_only_with_the_stored_secret(edge, capsys):
    arn = asana_route(edge, ASANA_SECRET)
    assert asana_handshake(edge, ASANA_SECRET)["statusCode"] == 200
    other = "f" * 64
    answer = asana_handshake(edge, other)
    assert answer["statusCode"] == 401 and json.loads(answer["body"])["reason"] == "hook_secret_mismatch"
    assert "x-hook-secret" not in answer["headers"]
    assert edge.secrets.get_secret_value(SecretId=arn)["SecretString"] == ASANA_SECRET
    output = capsys.readouterr().out
    assert [line["Reason"] for line in metric_lines(output)] == ["hook_secret_mismatch"]
    assert ASANA_SECRET not in output and other not in output
    assert edge.nothing_kept()


def test_asana_with_a_secret_that_cannot_be_written_is_500(edge, monkeypatch):
    asana_route(edge, None)

    def refuse(**kwargs):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "PutSecretValue")

    monkeypatch.setattr(edge.secrets, "put_secret_value", refuse)
    assert asana_handshake(edge, ASANA_SECRET)["statusCode"] == 500
