"""The authorizer: hostile inputs, constant-time matching, secret caching, logs."""

from __future__ import annotations

import base64
import json
import sys
import unicodedata

import boto3
import pytest

import basic_auth
from basic_auth import Credential, Malformed, matching_username, parse_basic, parse_credentials
from cached_secret import CachedSecret, InvalidSecret
from conftest import SECRET, load_handler_module


def basic(user_pass: str | bytes, scheme: str = "Basic") -> str:
    raw = user_pass.encode("utf-8") if isinstance(user_pass, str) else user_pass
    return f"{scheme} {base64.b64encode(raw).decode('ascii')}"


def event_with(headers: object = None, identity_source: object = None) -> dict:
    event: dict = {"version": "2.0", "type": "REQUEST", "routeKey": "POST /submit", "requestContext": {"requestId": "r-1"}}
    if headers is not None:
        event["headers"] = headers
    if identity_source is not None:
        event["identitySource"] = identity_source
    return event


ALICE = base64.b64encode(b"alice:correct horse").decode()  # 19 bytes: ends in "=="
assert ALICE.endswith("==")

# (case id, event, expected isAuthorized, expected reason)
CASES = [
    ("no headers at all", event_with(), False, "missing"),
    ("empty header map", event_with({}), False, "missing"),
    ("header value not a string", event_with({"authorization": ["Basic x"]}), False, "missing"),
    ("empty header", event_with({"authorization": ""}), False, "malformed"),
    ("bearer scheme", event_with({"authorization": "Bearer abc.def.ghi"}), False, "malformed"),
    ("digest scheme", event_with({"authorization": "Digest username=alice"}), False, "malformed"),
    ("scheme only", event_with({"authorization": "Basic"}), False, "malformed"),
    ("scheme and space only", event_with({"authorization": "Basic "}), False, "malformed"),
    ("no space after scheme", event_with({"authorization": "Basic" + ALICE}), False, "malformed"),
    ("not base64", event_with({"authorization": "Basic !!!not-base64!!!"}), False, "malformed"),
    (
        "url-safe alphabet",
        event_with({"authorization": "Basic " + base64.urlsafe_b64encode(b"a?>:b?>").decode()}),
        False,
        "malformed",
    ),
    ("padding stripped", event_with({"authorization": "Basic " + ALICE.rstrip("=")}), False, "malformed"),
    ("extra padding", event_with({"authorization": "Basic " + ALICE + "=="}), False, "malformed"),
    ("padding in the middle", event_with({"authorization": "Basic " + ALICE[:4] + "=" + ALICE[4:]}), False, "malformed"),
    ("non-canonical trailing bits", event_with({"authorization": "Basic " + ALICE[:-3] + "R=="}), False, "malformed"),
    ("newline inside token", event_with({"authorization": "Basic " + ALICE[:8] + "\n" + ALICE[8:]}), False, "malformed"),
    ("non-UTF-8 bytes", event_with({"authorization": basic(b"\xff\xfe:\xc3\x28")}), False, "malformed"),
    ("no colon", event_with({"authorization": basic("alicecorrect horse")}), False, "malformed"),
    ("only a colon", event_with({"authorization": basic(":")}), False, "malformed"),
    ("empty username", event_with({"authorization": basic(":correct horse")}), False, "malformed"),
    ("empty password", event_with({"authorization": basic("alice:")}), False, "malformed"),
    ("1 MB header", event_with({"authorization": "Basic " + "QUFB" * 262144}), False, "malformed"),
    ("wrong user, right password", event_with({"authorization": basic("mallory:correct horse")}), False, "mismatch"),
    ("right user, wrong password", event_with({"authorization": basic("alice:wrong horse")}), False, "mismatch"),
    ("user of one, password of another", event_with({"authorization": basic("alice:pa:ss")}), False, "mismatch"),
    ("username case differs", event_with({"authorization": basic("Alice:correct horse")}), False, "mismatch"),
    ("password with trailing space", event_with({"authorization": basic("alice:correct horse ")}), False, "mismatch"),
    ("password prefix only", event_with({"authorization": basic("alice:correct")}), False, "mismatch"),
    (
        "unicode, other normalization form",
        event_with({"authorization": basic("zoe:" + unicodedata.normalize("NFD", "pässwörd✓"))}),
        False,
        "mismatch",
    ),
    ("valid", event_with({"authorization": basic("alice:correct horse")}), True, "match"),
    ("scheme in lower case", event_with({"authorization": basic("alice:correct horse", "basic")}), True, "match"),
    ("scheme in upper case", event_with({"authorization": basic("alice:correct horse", "BASIC")}), True, "match"),
    ("two spaces after scheme", event_with({"authorization": "Basic  " + ALICE}), True, "match"),
    ("surrounding whitespace", event_with({"authorization": "  Basic " + ALICE + "  "}), True, "match"),
    ("colon inside password", event_with({"authorization": basic("bob:pa:ss")}), True, "match"),
    ("unicode password", event_with({"authorization": basic("zoe:pässwörd✓")}), True, "match"),
    ("header name upper case", event_with({"AUTHORIZATION": basic("alice:correct horse")}), True, "match"),
    ("header name mixed case", event_with({"Authorization": basic("bob:pa:ss")}), True, "match"),
    ("identity source only", event_with(identity_source=[basic("alice:correct horse")]), True, "match"),
    (
        "identity source beside routeKey",
        event_with(identity_source=["POST /submit", basic("alice:correct horse")]),
        True,
        "match",
    ),
]


@pytest.fixture()
def authorizer():
    return load_handler_module("authorizer")


def fixed_secret(value: dict | str = SECRET) -> CachedSecret:
    text = value if isinstance(value, str) else json.dumps(value)
    return CachedSecret(fetch=lambda: text, ttl_seconds=300, parse=parse_credentials)


@pytest.mark.parametrize(("event", "allowed", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decision_for_each_input(authorizer, event, allowed, reason):
    response, actual_reason, stale = authorizer.decide(event, fixed_secret())
    assert response["isAuthorized"] is allowed
    assert actual_reason == reason
    assert stale is False
    if allowed:
        assert response["context"]["principal"] in {"alice", "bob", "zoe"}
    else:
        assert "context" not in response


def test_principal_names_the_matched_sender(authorizer):
    response, _, _ = authorizer.decide(event_with({"authorization": basic("bob:pa:ss")}), fixed_secret())
    assert response == {"isAuthorized": True, "context": {"principal": "bob"}}


def test_single_credential_secret_form(authorizer):
    secret = fixed_secret({"username": "svc", "password": "pw"})
    assert authorizer.decide(event_with({"authorization": basic("svc:pw")}), secret)[0]["isAuthorized"] is True
    assert authorizer.decide(event_with({"authorization": basic("svc:px")}), secret)[0]["isAuthorized"] is False


def test_handler_denies_non_object_event_without_raising(authorizer, monkeypatch):
    monkeypatch.setenv("SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x")
    assert authorizer.handler(None, None) == {"isAuthorized": False}
    assert authorizer.handler(["not", "a", "dict"], None) == {"isAuthorized": False}


def test_matching_checks_every_credential(monkeypatch):
    """No early exit: a match on the first credential still compares the rest."""
    compared: list[bytes] = []
    real = basic_auth.hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        compared.append(b)
        return real(a, b)

    monkeypatch.setattr(basic_auth.hmac, "compare_digest", counting)
    known = [Credential(b"alice", b"one"), Credential(b"bob", b"two"), Credential(b"carol", b"three")]
    assert matching_username(Credential(b"alice", b"one"), known) == "alice"
    assert compared == [b"alice", b"one", b"bob", b"two", b"carol", b"three"]


@pytest.mark.parametrize(
    "secret_string",
    [
        "not json",
        "[]",
        '"a string"',
        "{}",
        '{"credentials": []}',
        '{"credentials": "x"}',
        '{"credentials": [{"username": "a"}]}',
        '{"username": "", "password": "x"}',
        '{"username": "a:b", "password": "x"}',
        '{"username": 1, "password": "x"}',
    ],
)
def test_invalid_secret_shapes_are_rejected(secret_string):
    with pytest.raises(InvalidSecret):
        parse_credentials(secret_string)


def test_invalid_secret_fails_closed(authorizer):
    response, reason, _ = authorizer.decide(event_with({"authorization": basic("alice:correct horse")}), fixed_secret("{}"))
    assert response == {"isAuthorized": False}
    assert reason == "secret_unavailable"


def test_parse_basic_splits_at_first_colon():
    assert parse_basic(basic("u:p:q")) == Credential(b"u", b"p:q")
    with pytest.raises(Malformed):
        parse_basic("Token " + ALICE)


# --- the secret cache, with a fake clock ---------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cache_fetches_once_per_ttl_window():
    calls = []
    clock = FakeClock()
    cache = CachedSecret(
        fetch=lambda: calls.append(1) or json.dumps(SECRET), ttl_seconds=300, parse=parse_credentials, clock=clock
    )
    for step in range(1000):
        clock.now = 1000.0 + step * 0.9  # 900 s in all: three windows of 300 s
        cache.get()
    assert len(calls) == 3


def test_cache_ttl_zero_fetches_every_time():
    calls = []
    cache = CachedSecret(
        fetch=lambda: calls.append(1) or json.dumps(SECRET), ttl_seconds=0, parse=parse_credentials, clock=FakeClock()
    )
    for _ in range(5):
        cache.get()
    assert len(calls) == 5


def test_stale_value_is_served_during_an_outage_and_retried_later():
    clock = FakeClock()
    state = {"up": True, "calls": 0}

    def fetch() -> str:
        state["calls"] += 1
        if not state["up"]:
            raise ConnectionError("secrets manager down")
        return json.dumps(SECRET)

    cache = CachedSecret(fetch=fetch, ttl_seconds=300, parse=parse_credentials, clock=clock)
    assert cache.get()[1] is False
    state["up"] = False
    clock.now += 301
    credentials, stale = cache.get()
    assert stale is True and len(credentials) == 3
    calls_after_failure = state["calls"]
    clock.now += 1  # inside the retry pause: no new call
    assert cache.get() == (credentials, True)
    assert state["calls"] == calls_after_failure
    state["up"] = True
    clock.now += 30
    assert cache.get()[1] is False
    assert state["calls"] == calls_after_failure + 1


# --- the handler against Secrets Manager in moto -------------------------------------


def count_get_secret_value_calls() -> list[str]:
    """Count real API calls with a botocore hook on the default session."""
    calls: list[str] = []
    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register(
        "before-call.secrets-manager.GetSecretValue", lambda **kwargs: calls.append(kwargs["model"].name)
    )
    return calls


def test_handler_calls_secrets_manager_once_for_1000_authorizations(secrets_manager, authorizer):
    calls = count_get_secret_value_calls()
    allowed = sum(
        authorizer.handler(event_with({"authorization": basic("alice:correct horse")}), None)["isAuthorized"] for _ in range(1000)
    )
    assert allowed == 1000
    assert calls == ["GetSecretValue"]


def test_handler_denies_once_the_secret_is_deleted(secrets_manager, authorizer, capsys):
    client, arn = secrets_manager
    calls = count_get_secret_value_calls()
    event = event_with({"authorization": basic("alice:correct horse")})
    assert authorizer.handler(event, None)["isAuthorized"] is True
    client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    authorizer._secret.clock = lambda: 1e12  # the TTL has run out
    assert authorizer.handler(event, None) == {"isAuthorized": False}
    assert len(calls) == 2
    entry = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (entry["level"], entry["decision"], entry["reason"]) == ("ERROR", "deny", "secret_unavailable")


def test_handler_fails_closed_without_any_cached_secret(secrets_manager, authorizer, monkeypatch, capsys):
    monkeypatch.setenv("SECRET_ARN", secrets_manager[1] + "-does-not-exist")
    assert authorizer.handler(event_with({"authorization": basic("alice:correct horse")}), None) == {"isAuthorized": False}
    entry = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert entry["level"] == "ERROR" and entry["reason"] == "secret_unavailable" and entry["decision"] == "deny"


def test_logs_never_contain_credentials_or_headers(secrets_manager, authorizer, capsys):
    headers = [case[1].get("headers", {}) for case in CASES]
    for header_map in headers:
        authorizer.handler(event_with(header_map), None)
    output = capsys.readouterr().out
    lines = output.splitlines()
    assert len(lines) == len(headers)  # one line per decision
    for entry in map(json.loads, lines):
        assert set(entry) <= {"level", "message", "source", "decision", "reason", "requestId", "error"}
        assert entry["source"] == "default"  # the metric filter counts denials per source from it
    for secret_text in ("correct horse", "pa:ss", "pässwörd", "alice", "bob", "zoe", ALICE, "Basic", "QUFB"):
        assert secret_text not in output, secret_text


def test_the_authorizer_serves_exactly_the_contracts_authenticated_modes(authorizer):
    """contract.json's auth_modes is what the Terraform validates and routes by;
    a mode with an identity source needs an entry in the authorizer, and no other."""
    from contract import AUTH_MODES

    authenticated = {mode for mode, spec in AUTH_MODES.items() if isinstance(spec, dict) and spec.get("identity_source")}
    assert set(authorizer.MODES) == authenticated == {"basic", "token"}
    assert "none" in AUTH_MODES and AUTH_MODES["none"]["identity_source"] is None
    for mode in authenticated:  # each mode is the module the contract names, with its two entry points
        module = authorizer.MODES[mode]
        assert module.__name__ == AUTH_MODES[mode]["module"]
        assert callable(module.parse_secret) and callable(module.decide)


def test_a_new_mode_is_its_contract_entry_and_its_module(monkeypatch, tmp_path):
    """Issue 21: a new auth mode touches the contract, its own module and its test, not app.py.
    A mode added to the contract (token's identity source, served by a module of its own) is served."""
    import contract

    monkeypatch.setitem(contract.AUTH_MODES, "api-key", dict(contract.AUTH_MODES["token"], module="api_key_auth"))
    (tmp_path / "api_key_auth.py").write_text("from token_auth import decide, parse_secret  # noqa: F401\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "api_key_auth", raising=False)
    app = load_handler_module("authorizer")
    assert set(app.MODES) == {"basic", "token", "api-key"}
    assert app.auth_mode({"AUTH_MODE": "api-key"}) == "api-key"
    secret = CachedSecret(fetch=lambda: json.dumps({"token": "t" * 20}), ttl_seconds=300, parse=app.MODES["api-key"].parse_secret)
    response, reason, _ = app.decide({"queryStringParameters": {"token": "t" * 20}}, secret, "api-key", "s")
    assert (response["isAuthorized"], reason) == (True, "match")
