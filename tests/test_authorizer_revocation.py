"""Revocation and safe usernames (issue: reliability round). Every test here failed on the first release."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from test_authorizer import FakeClock, basic, event_with

from basic_auth import parse_credentials
from cached_secret import CachedSecret, InvalidSecret, SecretUnavailable
from conftest import SECRET, load_handler_module


def client_error(code: str, status: int = 400) -> ClientError:
    response = {"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "GetSecretValue")  # type: ignore[arg-type]


TRANSIENT = [
    client_error("ThrottlingException"),
    client_error("InternalServiceError", 500),
    client_error("SomethingNew", 503),
    EndpointConnectionError(endpoint_url="https://secretsmanager.invalid"),
    ConnectTimeoutError(endpoint_url="https://secretsmanager.invalid"),
    ReadTimeoutError(endpoint_url="https://secretsmanager.invalid"),
    ConnectionResetError("reset"),
]
DEFINITIVE = [
    client_error("ResourceNotFoundException"),
    client_error("AccessDeniedException"),
    client_error("InvalidRequestException"),  # the secret is scheduled for deletion
    client_error("DecryptionFailure"),  # access to the KMS key was removed
    InvalidSecret("the value was replaced by something that is not credentials"),
    ValueError("anything unforeseen"),
]


class Failing:
    """A fetch that succeeds until `error` is set."""

    def __init__(self) -> None:
        self.error: Exception | None = None

    def __call__(self) -> str:
        if self.error is not None:
            raise self.error
        return json.dumps(SECRET)


def cache_after_one_fetch(max_staleness: float = 600) -> tuple[CachedSecret, Failing, FakeClock]:
    clock, fetch = FakeClock(), Failing()
    cache = CachedSecret(fetch=fetch, ttl_seconds=300, parse=parse_credentials, max_staleness_seconds=max_staleness, clock=clock)
    cache.get()
    return cache, fetch, clock


def error_id(error: Exception) -> str:
    return error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__


@pytest.mark.parametrize("error", TRANSIENT, ids=error_id)
def test_a_transient_failure_serves_the_cached_value(error):
    cache, fetch, clock = cache_after_one_fetch()
    fetch.error = error
    clock.now += 301
    credentials, stale = cache.get()
    assert stale is True and len(credentials) == 3


@pytest.mark.parametrize("error", DEFINITIVE, ids=error_id)
def test_a_definitive_answer_revokes_at_the_next_refresh(error):
    cache, fetch, clock = cache_after_one_fetch()
    fetch.error = error
    clock.now += 301
    with pytest.raises(SecretUnavailable):
        cache.get()
    # Forgotten, not merely skipped once: a later transient failure has nothing to serve.
    fetch.error = client_error("ThrottlingException")
    clock.now += 60
    with pytest.raises(SecretUnavailable):
        cache.get()


def test_staleness_is_bounded():
    cache, fetch, clock = cache_after_one_fetch(max_staleness=120)
    fetch.error = client_error("ThrottlingException")
    clock.now += 301
    assert cache.get()[1] is True
    clock.now += 100  # 401 s after the fetch: TTL 300 + 120 not yet over
    assert cache.get()[1] is True
    clock.now += 20  # 421 s: over
    with pytest.raises(SecretUnavailable):
        cache.get()


def test_recovery_after_a_transient_failure_clears_staleness():
    cache, fetch, clock = cache_after_one_fetch()
    fetch.error = client_error("ThrottlingException")
    clock.now += 301
    assert cache.get()[1] is True
    fetch.error = None
    clock.now += 11
    assert cache.get()[1] is False


def test_handler_denies_when_access_to_the_secret_is_removed(secrets_manager, monkeypatch):
    authorizer = load_handler_module("authorizer")
    event = event_with({"authorization": basic("alice:correct horse")})
    assert authorizer.handler(event, None)["isAuthorized"] is True

    def access_denied(**_: object) -> dict:
        raise client_error("AccessDeniedException")

    monkeypatch.setattr(authorizer._secret, "fetch", access_denied)
    authorizer._secret.clock = lambda: 1e12  # the TTL has run out
    assert authorizer.handler(event, None) == {"isAuthorized": False}


def test_max_staleness_is_read_from_the_environment(secrets_manager, monkeypatch):
    monkeypatch.setenv("SECRET_MAX_STALENESS_SECONDS", "42")
    authorizer = load_handler_module("authorizer")
    assert authorizer.cached_secret().max_staleness_seconds == 42
    monkeypatch.setenv("SECRET_MAX_STALENESS_SECONDS", "-1")
    authorizer._secret = None
    with pytest.raises(ValueError, match="SECRET_MAX_STALENESS_SECONDS"):
        authorizer.cached_secret()


# --- usernames end up inside the MessageAttributes JSON --------------------------------

REJECTED_USERNAMES = {
    "double quote": 'a"b',
    "backslash": "a\\b",
    "colon": "a:b",
    "space": "a b",
    "control character": "a\nb",
    "non-ASCII letter": "zoë",
    "template characters": "${x}",
    "slash": "a/b",
    "empty": "",
    "over 128 characters": "a" * 129,
}


@pytest.mark.parametrize("username", list(REJECTED_USERNAMES.values()), ids=list(REJECTED_USERNAMES))
def test_unsafe_usernames_are_rejected_in_the_secret(username):
    with pytest.raises(InvalidSecret):
        entries = [{"username": "ok", "password": "p"}, {"username": username, "password": "p"}]
        parse_credentials(json.dumps({"credentials": entries}))


@pytest.mark.parametrize("username", ["webhook", "github.app", "svc_1", "ops@example.com", "a+b-c", "a" * 128])
def test_safe_usernames_are_accepted(username):
    assert parse_credentials(json.dumps({"username": username, "password": "p"}))[0].username == username.encode()
