"""Plaid's verification token (scheme plaid) against the vector in tests/fixtures/vendor_vectors/plaid.json.

Plaid publishes no signed example and its SDKs test only against the live sandbox, so the vector
is a token made in Plaid's documented format and accepted by the verifier Plaid's documentation
gives (its origin is in the file). Plaid's API (/webhook_verification_key/get) is played by a
fake post_json: no network in tests; what is tested is what is asked of it, and what each of its
answers makes of a message (verified, forged, or waiting).
"""

from __future__ import annotations

import base64
import json

import pytest
from test_signature_presets import VECTORS

import key_documents
import signed_tokens
from cached_secret import InvalidSecret, SecretUnavailable
from signatures import INVALID, OUTSIDE_TOLERANCE, Rejected, load_signature, parse_signing_secrets, verify

PLAID = VECTORS["plaid"]
SANDBOX = "https://sandbox.plaid.com/webhook_verification_key/get"
CREDENTIALS = {"client_id": "5f1c0e8b2d3a4b0011aabbcc", "secret": "0123456789abcdef0123456789abcd", "environment": "sandbox"}


class FakePlaid:
    """Plaid's /webhook_verification_key/get: the vector's key by its kid, 400 otherwise."""

    def __init__(self, answers: dict[str, tuple[int, dict]] | None = None) -> None:
        self.answers = answers if answers is not None else {PLAID["jwk"]["kid"]: (200, {"key": PLAID["jwk"], "request_id": "r"})}
        self.asked: list[tuple[str, dict]] = []

    def __call__(self, url: str, payload: dict) -> tuple[int, bytes]:
        self.asked.append((url, dict(payload)))
        status, answer = self.answers.get(
            payload["key_id"], (400, {"error_code": "INVALID_INPUT", "error_type": "INVALID_INPUT"})
        )
        return status, json.dumps(answer).encode()


@pytest.fixture
def plaid(monkeypatch: pytest.MonkeyPatch) -> FakePlaid:
    fake = FakePlaid()
    monkeypatch.setattr(key_documents, "post_json", fake)
    monkeypatch.setattr(key_documents, "DOCUMENTS", key_documents.Documents())
    monkeypatch.setattr(signed_tokens, "NEW_PLAID_KEYS", key_documents.Spacing())
    return fake


def check(body: bytes | None = None, token: str | None = None, credentials: object = None, at: float | None = None) -> None:
    rule = load_signature({"scheme": "plaid"}, "plaid")
    keys = parse_signing_secrets(rule, json.dumps(CREDENTIALS if credentials is None else credentials))
    headers = {"plaid-verification": PLAID["headers"]["plaid-verification"] if token is None else token}
    verify(rule, keys, headers, PLAID["body"].encode() if body is None else body, PLAID["signed_at"] + 1 if at is None else at)


def token_with(header: dict | None = None, claims: dict | None = None, signature: bytes | None = None) -> str:
    """The vector's token with a part replaced (its signature then no longer matches, unless kept for the test's purpose)."""
    head, payload, sig = PLAID["headers"]["plaid-verification"].split(".")

    def encode(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).decode().rstrip("=")

    if header is not None:
        head = encode(json.dumps(header).encode())
    if claims is not None:
        payload = encode(json.dumps(claims).encode())
    if signature is not None:
        sig = encode(signature)
    return f"{head}.{payload}.{sig}"


def test_plaids_vector_verifies_and_only_its_key_id_is_asked_of_the_sandbox(plaid: FakePlaid):
    check()
    check()  # the key is cached: asked once
    assert plaid.asked == [(SANDBOX, {**{k: CREDENTIALS[k] for k in ("client_id", "secret")}, "key_id": PLAID["jwk"]["kid"]})]


def test_a_one_byte_change_to_the_body_is_rejected(plaid: FakePlaid):
    """Plaid: "the hash is whitespace-sensitive": the body re-indented is not the signed one."""
    for body in (
        PLAID["body"].replace("TRANSACTIONS", "TRANSACTIONZ").encode(),
        json.dumps(json.loads(PLAID["body"]), indent=4).encode(),
    ):
        with pytest.raises(Rejected) as rejected:
            check(body=body)
        assert rejected.value.reason == INVALID


def test_a_token_signed_by_another_key_is_rejected(plaid: FakePlaid):
    with pytest.raises(Rejected, match="does not verify"):
        check(token=token_with(signature=bytes(64)))


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "HS256", "kid": PLAID["jwk"]["kid"], "typ": "JWT"},
        {"alg": "none", "kid": PLAID["jwk"]["kid"]},
        {"alg": "ES256"},
        {"alg": "ES256", "kid": "x" * 65},
    ],
    ids=["hs256", "none", "no-kid", "long-kid"],
)
def test_a_token_not_es256_with_a_key_id_is_refused_before_plaid_is_asked(header: dict, plaid: FakePlaid):
    with pytest.raises(Rejected) as rejected:
        check(token=token_with(header=header))
    assert rejected.value.reason == INVALID and plaid.asked == []


def test_a_key_id_plaid_does_not_know_is_a_forgery_asked_once(plaid: FakePlaid):
    token = token_with(header={"alg": "ES256", "kid": "00000000-0000-0000-0000-000000000000", "typ": "JWT"})
    for _ in range(2):
        with pytest.raises(Rejected, match="not one of Plaid's"):
            check(token=token)
    assert len(plaid.asked) == 1


def test_new_key_ids_are_asked_of_plaid_at_most_once_a_minute(plaid: FakePlaid):
    """A forger inventing key ids cannot make us call Plaid's API per request: the second new key
    id within the minute waits (it is not called a forgery), and Plaid is asked nothing more."""
    for index in range(2):
        token = token_with(header={"alg": "ES256", "kid": f"forged-{index}", "typ": "JWT"})
        with pytest.raises((Rejected, SecretUnavailable)) as raised:
            check(token=token)
        assert isinstance(raised.value, Rejected if index == 0 else SecretUnavailable)
    assert len(plaid.asked) == 1


def test_an_expired_key_is_rejected(plaid: FakePlaid):
    plaid.answers[PLAID["jwk"]["kid"]] = (200, {"key": dict(PLAID["jwk"], expired_at=PLAID["signed_at"] - 10)})
    with pytest.raises(Rejected, match="expired"):
        check()


@pytest.mark.parametrize(
    "answer",
    [
        (200, {"key": {"kty": "RSA"}}),  # not a P-256 key
        (200, {"key": dict(PLAID["jwk"], x="AAAA")}),  # not a point on the curve
        (400, {"error_code": "INVALID_API_KEYS", "error_type": "INVALID_INPUT"}),  # our credentials, not the sender
        (429, {"error_code": "RATE_LIMIT_EXCEEDED", "error_type": "RATE_LIMIT_EXCEEDED"}),
        (403, {}),
    ],
    ids=["rsa", "off-curve", "credentials", "rate-limited", "forbidden"],
)
def test_an_answer_that_is_no_key_makes_the_message_wait(answer: tuple[int, dict], plaid: FakePlaid):
    plaid.answers[PLAID["jwk"]["kid"]] = answer
    with pytest.raises(SecretUnavailable):
        check()


def test_plaid_unreachable_makes_the_message_wait(monkeypatch: pytest.MonkeyPatch, plaid: FakePlaid):
    def down(url: str, payload: dict) -> tuple[int, bytes]:
        raise key_documents.KeysUnavailable("the key API could not be reached (URLError)")

    monkeypatch.setattr(key_documents, "post_json", down)
    with pytest.raises(SecretUnavailable):
        check()


def test_a_token_issued_outside_the_tolerance_is_rejected(plaid: FakePlaid):
    """Plaid: reject a token whose iat is more than 5 minutes old (tolerance_seconds, 300 by default)."""
    check(at=PLAID["signed_at"] + 300)
    with pytest.raises(Rejected) as rejected:
        check(at=PLAID["signed_at"] + 301)
    assert rejected.value.reason == OUTSIDE_TOLERANCE


@pytest.mark.parametrize(
    "credentials",
    [
        "not json",
        {"client_id": "abc", "secret": "def"},
        {"client_id": "abc", "secret": "def", "environment": "development"},
        {"client_id": "abc", "secret": "has spaces", "environment": "sandbox"},
        {"client_id": "abc", "secret": "def", "environment": "sandbox", "extra": "x"},
    ],
)
def test_a_secret_that_is_not_plaids_credentials_waits_as_invalid(credentials: object):
    rule = load_signature({"scheme": "plaid"}, "plaid")
    text = credentials if isinstance(credentials, str) else json.dumps(credentials)
    with pytest.raises(InvalidSecret) as raised:
        parse_signing_secrets(rule, text)
    assert "def" not in str(raised.value) and "has spaces" not in str(raised.value)


def test_post_json_asks_over_https_only():
    with pytest.raises(key_documents.KeysUnavailable, match="HTTPS"):
        key_documents.post_json("http://sandbox.plaid.com/webhook_verification_key/get", {})


def test_a_rate_limited_answer_is_not_kept_as_a_forgery(plaid: FakePlaid, monkeypatch: pytest.MonkeyPatch):
    """Plaid answering 429 once must not make its genuine key a forgery afterwards."""
    genuine = plaid.answers[PLAID["jwk"]["kid"]]
    plaid.answers[PLAID["jwk"]["kid"]] = (429, {"error_code": "RATE_LIMIT_EXCEEDED"})
    with pytest.raises(SecretUnavailable):
        check()
    plaid.answers[PLAID["jwk"]["kid"]] = genuine
    monkeypatch.setattr(key_documents, "MIN_REFETCH_SECONDS", 0.0)
    check()


def test_each_credential_set_of_a_rotation_is_asked(plaid: FakePlaid, monkeypatch: pytest.MonkeyPatch):
    """[revoked, current]: the revoked set's refusal does not stop the current one from verifying, within
    the once-a-minute admission of a new key id (both sets ask for the same key id: it is admitted once)."""
    revoked = dict(CREDENTIALS, client_id="revokedrevokedrevoked000")

    def answers(url: str, payload: dict) -> tuple[int, bytes]:
        plaid.asked.append((url, dict(payload)))
        if payload["client_id"] == revoked["client_id"]:
            return 400, json.dumps({"error_code": "INVALID_API_KEYS"}).encode()
        return 200, json.dumps({"key": PLAID["jwk"]}).encode()

    monkeypatch.setattr(key_documents, "post_json", answers)
    rule = load_signature({"scheme": "plaid"}, "plaid")
    keys = parse_signing_secrets(rule, json.dumps([json.dumps(revoked), json.dumps(CREDENTIALS)]))
    headers = {"plaid-verification": PLAID["headers"]["plaid-verification"]}
    verify(rule, keys, headers, PLAID["body"].encode(), PLAID["signed_at"] + 1)
    assert [payload["client_id"] for _, payload in plaid.asked] == [revoked["client_id"], CREDENTIALS["client_id"]]
