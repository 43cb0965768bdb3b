"""Notion's subscription verification through the edge function: a secret learned at registration.

Notion's first request to a new subscription is unsigned and carries the verification_token
(developers.notion.com/reference/webhooks, Step 2; vector in tests/test_handshakes.py); that
token signs every later event (X-Notion-Signature). As with Asana, the edge stores it as the
source's signing secret only while that secret is unset, and afterwards answers a verification
only when it offers the stored token (401 otherwise). The signed event is Notion's SDK run
(tests/fixtures/vendor_vectors/notion.json: signed with its own token by @notionhq/client).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_claim_check import queued
from test_edge import Edge, make_edge, proxy
from test_signature_presets import VECTORS

NOTION = VECTORS["notion"]
TOKEN = NOTION["secret"]  # the token Notion's SDK signed the vector with


@pytest.fixture
def edge(front, monkeypatch) -> Edge:
    return make_edge(front, monkeypatch)


def notion_route(edge: Edge, stored: str | None) -> str:
    arn = edge.secret("notion-signing", stored)
    signature = {"scheme": "notion", "secret_arn": arn}
    route = {"source": "notion", "headers": ["x-notion-signature"], "delivery": "direct", "signature": signature}
    edge.configure({"POST /hooks/notion": {**route, "handshake": {"preset": "notion"}}})
    return arn


def verification(edge: Edge, token: str) -> dict[str, Any]:
    body = json.dumps({"verification_token": token}).encode()
    return edge.call(proxy("POST /hooks/notion", body, {"content-type": "application/json"}))


def test_notion_stores_the_verification_token_and_then_verifies_events_with_it(edge):
    arn = notion_route(edge, None)
    answer = verification(edge, TOKEN)
    assert answer["statusCode"] == 200 and TOKEN not in json.dumps(answer)
    assert edge.secrets.get_secret_value(SecretId=arn)["SecretString"] == TOKEN
    signed = {"x-notion-signature": NOTION["headers"]["x-notion-signature"]}
    body = NOTION["body"].encode()
    assert edge.call(proxy("POST /hooks/notion", body, signed))["statusCode"] == 200
    assert edge.call(proxy("POST /hooks/notion", body.replace(b"Acme", b"Acne"), signed))["statusCode"] == 401
    [message] = queued(edge.sqs, edge.queue_url)  # the event, never the verification
    assert message["body"] == NOTION["body"]


def test_notion_answers_a_later_verification_only_with_the_stored_token(edge, capsys):
    arn = notion_route(edge, TOKEN)
    assert verification(edge, TOKEN)["statusCode"] == 200
    other = "secret_" + "f" * 43
    answer = verification(edge, other)
    assert answer["statusCode"] == 401 and json.loads(answer["body"])["reason"] == "hook_secret_mismatch"
    assert edge.secrets.get_secret_value(SecretId=arn)["SecretString"] == TOKEN
    output = capsys.readouterr().out
    assert TOKEN not in output and other not in output
    assert edge.nothing_kept()
