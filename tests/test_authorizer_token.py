"""Token sources: the authorizer's AUTH_MODE=token, checked as API Gateway calls it.

The events are payload-2.0 REQUEST events as API Gateway builds them for
`POST /hooks/github?token=...` (queryStringParameters joins repeats with ",").
"""

from __future__ import annotations

import json
import secrets

import pytest

from cached_secret import CachedSecret
from conftest import load_handler_module
from token_auth import InvalidTokenSecret, parse_tokens, query_token, token_matches

TOKEN = secrets.token_urlsafe(30)
OLD_TOKEN = secrets.token_urlsafe(30)


def event(query: dict | None) -> dict:
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeKey": "POST /hooks/github",
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "queryStringParameters": query,
        "requestContext": {"requestId": "r1", "routeKey": "POST /hooks/github"},
    }


def token_secret(*tokens: str) -> CachedSecret:
    document = {"token": tokens[0]} if len(tokens) == 1 else {"tokens": list(tokens)}
    return CachedSecret(fetch=lambda: json.dumps(document), ttl_seconds=300, parse=parse_tokens)


@pytest.fixture
def app():
    return load_handler_module("authorizer")


def test_the_right_token_is_allowed_with_the_source_as_principal(app):
    response, reason, _ = app.decide(event({"token": TOKEN}), token_secret(TOKEN), "token", "github")
    assert (response, reason) == ({"isAuthorized": True, "context": {"principal": "github-token"}}, "match")


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        (None, "missing"),
        ({}, "missing"),
        ({"other": "x"}, "missing"),
        ({"token": ""}, "malformed"),
        ({"token": f"{TOKEN},{TOKEN}"}, "malformed"),  # repeated parameter, joined by API Gateway
        ({"token": "x" * 600}, "malformed"),
        ({"token": TOKEN[:-1]}, "mismatch"),
        ({"token": TOKEN + "x"}, "mismatch"),
        ({"token": TOKEN.upper() if TOKEN.upper() != TOKEN else TOKEN.lower()}, "mismatch"),
    ],
)
def test_anything_but_the_token_is_denied(app, query, reason):
    response, got, _ = app.decide(event(query), token_secret(TOKEN), "token", "github")
    assert (response, got) == ({"isAuthorized": False}, reason)


def test_basic_credentials_do_not_pass_a_token_source(app):
    basic = event(None)
    basic["headers"] = {"authorization": "Basic d2ViaG9vazpzZWNyZXQ="}
    basic["identitySource"] = ["Basic d2ViaG9vazpzZWNyZXQ="]
    assert app.decide(basic, token_secret(TOKEN), "token", "github")[0] == {"isAuthorized": False}


def test_during_a_rotation_old_and_new_tokens_pass(app):
    both = token_secret(OLD_TOKEN, TOKEN)
    assert app.decide(event({"token": OLD_TOKEN}), both, "token", "github")[0]["isAuthorized"] is True
    assert app.decide(event({"token": TOKEN}), both, "token", "github")[0]["isAuthorized"] is True


@pytest.mark.parametrize(
    "secret_string",
    ['{"token": "short"}', '{"tokens": []}', '{"tokens": "not-a-list"}', '{"username": "a", "password": "b"}', "[]", "not json"],
)
def test_a_secret_without_usable_tokens_is_refused(secret_string):
    with pytest.raises(InvalidTokenSecret):
        parse_tokens(secret_string)


def test_token_comparison_checks_every_known_token():
    assert token_matches(TOKEN, [OLD_TOKEN.encode(), TOKEN.encode()])
    assert not token_matches(TOKEN, [OLD_TOKEN.encode()])
    assert not token_matches("", [TOKEN.encode()])


def test_query_token_reads_only_the_token_parameter():
    assert query_token(event({"token": TOKEN, "x": "y"})) == TOKEN
    assert query_token(event({"x": TOKEN})) is None


def test_handler_in_token_mode_reads_its_secret_and_logs_no_token(app, monkeypatch, capsys, secrets_manager):
    client, _ = secrets_manager
    arn = client.create_secret(Name="github-token", SecretString=json.dumps({"token": TOKEN}))["ARN"]
    monkeypatch.setenv("SECRET_ARN", arn)
    monkeypatch.setenv("AUTH_MODE", "token")
    monkeypatch.setenv("SOURCE_NAME", "github")
    monkeypatch.setattr(app, "_secret", None)
    assert app.handler(event({"token": TOKEN}), None)["isAuthorized"] is True
    assert app.handler(event({"token": OLD_TOKEN}), None) == {"isAuthorized": False}
    logged = capsys.readouterr().out
    assert TOKEN not in logged and OLD_TOKEN not in logged
    assert [json.loads(line)["decision"] for line in logged.splitlines()] == ["allow", "deny"]


def test_an_unknown_mode_fails_closed(app, monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "hmac")
    monkeypatch.setenv("SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x")
    monkeypatch.setattr(app, "_secret", None)
    assert app.handler(event({"token": TOKEN}), None) == {"isAuthorized": False}


# --- a token in a header of the sender's choosing (issue 23, item 8) ------------------------------
# GitLab sends the secret token a project's webhook is given in X-Gitlab-Token
# (docs.gitlab.com/ee/user/project/integrations/webhooks.html#validate-requests-with-a-secret-token).


def header_event(headers: dict, query: dict | None = None) -> dict:
    return {**event(query), "headers": headers}


@pytest.fixture
def gitlab(app, monkeypatch):
    monkeypatch.setenv("TOKEN_HEADER", "x-gitlab-token")
    return app


def test_a_token_in_its_header_is_allowed(gitlab):
    response, reason, _ = gitlab.decide(header_event({"x-gitlab-token": TOKEN}), token_secret(TOKEN), "token", "gitlab")
    assert (response, reason) == ({"isAuthorized": True, "context": {"principal": "gitlab-token"}}, "match")
    # Another proxy may keep the header's case (HTTP API lower-cases it).
    assert gitlab.decide(header_event({"X-Gitlab-Token": TOKEN}), token_secret(TOKEN), "token", "gitlab")[1] == "match"


@pytest.mark.parametrize(
    ("headers", "query", "reason"),
    [
        ({}, None, "missing"),
        ({}, {"token": TOKEN}, "missing"),  # the header source never reads the URL
        ({"authorization": TOKEN}, None, "missing"),
        ({"x-gitlab-token": ""}, None, "malformed"),
        ({"x-gitlab-token": f"{TOKEN},{TOKEN}"}, None, "malformed"),  # a repeated header, joined by API Gateway
        ({"x-gitlab-token": TOKEN, "X-Gitlab-Token": TOKEN}, None, "malformed"),
        ({"x-gitlab-token": "x" * 600}, None, "malformed"),
        ({"x-gitlab-token": TOKEN[:-1]}, None, "mismatch"),
    ],
)
def test_anything_but_the_token_in_its_header_is_denied(gitlab, headers, query, reason):
    response, got, _ = gitlab.decide(header_event(headers, query), token_secret(TOKEN), "token", "gitlab")
    assert (response, got) == ({"isAuthorized": False}, reason)


def test_a_query_token_source_never_reads_headers(app):
    assert app.decide(header_event({"x-gitlab-token": TOKEN}), token_secret(TOKEN), "token", "gitlab")[1] == "missing"
