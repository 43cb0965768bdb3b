"""Public-key schemes (discord, sendgrid, google-pubsub-push, paypal) against the senders' own vectors.

Each vector is in tests/fixtures/vendor_vectors/<sender>.json with its origin:
SendGrid's SDK test (its key, signature and body), PayPal's SDK test (its event,
headers and webhook ID; the certificate its recorded mock serves), Google's
documented push token with the key that signed it, and a Discord signature made by
Discord's own SDK test helper (no published vector exists). What Google and PayPal
publish is served by a fake fetch (no network in tests): what is tested is that only
their URLs are asked.
"""

from __future__ import annotations

import base64
import http.server
import json
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from test_signature_presets import VECTORS

import key_documents
import public_keys
import signed_tokens
from cached_secret import InvalidSecret, SecretUnavailable
from signatures import (
    INVALID,
    MISSING,
    OUTSIDE_TOLERANCE,
    PUBLIC_KEY_SCHEMES,
    Rejected,
    event_key_from_header,
    load_signature,
    parse_signing_secrets,
    verify,
)

ROOT = Path(__file__).resolve().parent.parent
GOOGLE = VECTORS["google-pubsub-push"]
PAYPAL = VECTORS["paypal"]


class FakeFetch:
    """The documents Google and PayPal publish, by URL; records what was asked."""

    def __init__(self, documents: dict[str, bytes]) -> None:
        self.documents = documents
        self.asked: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.asked.append(url)
        if url not in self.documents:
            raise public_keys.KeysUnavailable("not published")
        return self.documents[url]


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> FakeFetch:
    """Google's JWKS holding the key of the documented token; PayPal's certificate at its URL."""
    fetch = FakeFetch(
        {
            GOOGLE["jwks_url"]: json.dumps({"keys": [GOOGLE["jwk"]]}).encode(),
            PAYPAL["headers"]["paypal-cert-url"]: PAYPAL["public_key"].encode(),
        }
    )
    monkeypatch.setattr(key_documents, "DOCUMENTS", key_documents.Documents(fetch))
    return fetch


SECRETS = {
    "discord": VECTORS["discord"]["public_key"],
    "sendgrid": VECTORS["sendgrid"]["public_key"],
    "google-pubsub-push": GOOGLE["jwt_claims"]["email"],
    "paypal": PAYPAL["webhook_id"],
}
URLS = {"google-pubsub-push": GOOGLE["jwt_claims"]["aud"]}


def headers_of(vector: dict) -> dict[str, str]:
    return {key.lower(): value for key, value in vector["headers"].items()}


def check(name: str, body: bytes | None = None, headers: dict | None = None, secret: str | None = None, at: float | None = None):
    vector = VECTORS[name]
    rule = load_signature({"scheme": name, **({"url": URLS[name]} if name in URLS else {})}, name)
    keys = parse_signing_secrets(rule, SECRETS[name] if secret is None else secret)
    verify(
        rule,
        keys,
        headers_of(vector) if headers is None else headers,
        vector["body"].encode() if body is None else body,
        vector["signed_at"] + 1 if at is None else at,
    )
    return rule


def test_the_public_key_schemes_are_the_contracts():
    assert {"discord", "sendgrid", "google-pubsub-push", "paypal", "plaid"} == PUBLIC_KEY_SCHEMES


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_each_senders_vector_verifies(name: str, published: FakeFetch):
    check(name)


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_a_one_byte_change_to_what_is_signed_is_rejected(name: str, published: FakeFetch):
    body = VECTORS[name]["body"].encode()
    if name == "google-pubsub-push":  # the token signs no body: change a claim instead
        token = headers_of(GOOGLE)["authorization"].removeprefix("Bearer ")
        head, claims, signature = token.split(".")
        forged = json.loads(base64.urlsafe_b64decode(claims + "=="))
        forged["aud"] = forged["aud"] + "/"
        encoded = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
        with pytest.raises(Rejected) as rejected:
            check(name, headers={"authorization": f"Bearer {head}.{encoded}.{signature}"})
    else:
        with pytest.raises(Rejected) as rejected:
            check(name, body=body.replace(b"e", b"f", 1))
    assert rejected.value.reason == INVALID


def test_sendgrid_signs_the_trailing_crlf_it_sends():
    """SendGrid's SDK test: 'Be sure to include the trailing carriage return and newline!'."""
    body = VECTORS["sendgrid"]["body"].encode()
    assert body.endswith(b"\r\n")
    with pytest.raises(Rejected):
        check("sendgrid", body=body[:-2])


@pytest.mark.parametrize("name", ["discord", "sendgrid"])
def test_a_signature_outside_the_tolerance_is_rejected(name: str, published: FakeFetch):
    signed_at = VECTORS[name]["signed_at"]
    check(name, at=signed_at + 300)
    with pytest.raises(Rejected) as rejected:
        check(name, at=signed_at + 301)
    assert rejected.value.reason == OUTSIDE_TOLERANCE


def test_another_key_is_rejected_and_a_rotation_list_accepts_either():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    with pytest.raises(Rejected):
        check("discord", secret=other)
    check("discord", secret=json.dumps([other, SECRETS["discord"]]))


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("discord", "not hex"),
        ("discord", "ab" * 31),  # 31 bytes
        ("sendgrid", "bm90IGEga2V5"),  # base64 of "not a key"
        ("sendgrid", "MCowBQYDK2VwAyEAD4PKWNUIwsXz4iJAYIGp1y/JgcGMRjaIl+fah8izrJ8="),  # an Ed25519 key, not P-256
        ("google-pubsub-push", "not an email"),
        ("paypal", "has spaces in it"),
        ("paypal", "https://api.paypal.com/"),
    ],
)
def test_a_secret_that_is_not_the_senders_key_waits_as_invalid(name: str, secret: str):
    """A wrong value in the secret is the operator's mistake: messages wait, none is dead-lettered as forged."""
    rule = load_signature({"scheme": name, **({"url": URLS[name]} if name in URLS else {})}, name)
    with pytest.raises(InvalidSecret):
        parse_signing_secrets(rule, secret)


def test_sendgrid_takes_its_key_with_or_without_pem_armour():
    key = SECRETS["sendgrid"]
    check("sendgrid", secret=f"-----BEGIN PUBLIC KEY-----\n{key}\n-----END PUBLIC KEY-----\n")


def test_a_missing_header_is_rejected_as_missing():
    headers = headers_of(VECTORS["discord"])
    del headers["x-signature-timestamp"]
    with pytest.raises(Rejected) as rejected:
        check("discord", headers=headers)
    assert rejected.value.reason == MISSING


# --- Google ----------------------------------------------------------------------------------------------


def test_google_asks_only_googles_keys_url(published: FakeFetch):
    check("google-pubsub-push")
    assert published.asked == [GOOGLE["jwks_url"]]


@pytest.mark.parametrize(
    ("claim", "value"),
    [("iss", "https://evil.example"), ("email", "someone@else.iam.gserviceaccount.com"), ("email_verified", False)],
)
def test_google_claims_are_checked_after_the_signature(claim: str, value: object, published: FakeFetch):
    """The documented token with one claim changed no longer verifies (signature first); the claim
    checks themselves are shown with the genuine token and another expectation."""
    rule = load_signature({"scheme": "google-pubsub-push", "url": URLS["google-pubsub-push"]}, "g")
    claims = dict(GOOGLE["jwt_claims"], **{claim: value})
    keys = parse_signing_secrets(rule, SECRETS["google-pubsub-push"])
    with pytest.raises(Rejected):
        signed_tokens.check_claims(
            rule, public_keys.SCHEMES["google-pubsub-push"]["public_key"], claims, keys, GOOGLE["signed_at"]
        )


def test_google_token_for_another_audience_or_account_is_rejected(published: FakeFetch):
    rule = load_signature({"scheme": "google-pubsub-push", "url": "https://hooks.example.com/hooks/pubsub"}, "g")
    keys = parse_signing_secrets(rule, SECRETS["google-pubsub-push"])
    with pytest.raises(Rejected, match="audience"):
        verify(rule, keys, headers_of(GOOGLE), b"{}", GOOGLE["signed_at"] + 1)
    with pytest.raises(Rejected, match="service account"):
        check("google-pubsub-push", secret="other@example.iam.gserviceaccount.com")


def test_google_token_is_valid_only_between_iat_and_exp(published: FakeFetch):
    claims = GOOGLE["jwt_claims"]
    check("google-pubsub-push", at=claims["exp"])
    with pytest.raises(Rejected) as rejected:
        check("google-pubsub-push", at=claims["exp"] + 1)
    assert rejected.value.reason == OUTSIDE_TOLERANCE


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNz", "Bearer not-a-token", "Bearer a.b", "Bearer " + "a" * 5000 + ".b.c"],
)
def test_google_refuses_what_is_not_a_bearer_token(authorization: str, published: FakeFetch):
    with pytest.raises(Rejected) as rejected:
        check("google-pubsub-push", headers={"authorization": authorization})
    assert rejected.value.reason == INVALID
    assert published.asked == []


def test_google_token_with_another_algorithm_is_refused_before_any_key_is_fetched(published: FakeFetch):
    token = headers_of(GOOGLE)["authorization"].removeprefix("Bearer ")
    _, claims, signature = token.split(".")
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","kid":"x"}').decode().rstrip("=")
    with pytest.raises(Rejected, match="RS256"):
        check("google-pubsub-push", headers={"authorization": f"Bearer {header}.{claims}.{signature}"})
    assert published.asked == []


GOOGLE_JWKS = json.dumps({"keys": [GOOGLE["jwk"]]}).encode()
ANOTHER_KID = "0" * 40


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def documents(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeFetch, Clock]:
    """Google's keys served by a fake, on a clock the test moves."""
    fetch, clock = FakeFetch({GOOGLE["jwks_url"]: GOOGLE_JWKS}), Clock()
    monkeypatch.setattr(key_documents, "DOCUMENTS", key_documents.Documents(fetch, clock=clock))
    return fetch, clock


FACTS = public_keys.SCHEMES["google-pubsub-push"]["public_key"]


def test_an_unknown_key_id_refetches_at_most_once_a_minute(documents):
    fetch, clock = documents
    for _ in range(3):
        with pytest.raises(Rejected, match="key id"):
            signed_tokens.google_key(FACTS, ANOTHER_KID)
    assert len(fetch.asked) == 1  # the first fetch is fresh: no refetch within a minute
    clock.now = 61.0
    with pytest.raises(Rejected):
        signed_tokens.google_key(FACTS, ANOTHER_KID)
    assert len(fetch.asked) == 2


def test_an_unknown_key_id_waits_when_the_refetch_fails(documents):
    """Google rotated its keys and cannot be reached: the genuine token waits, it is not a forgery."""
    fetch, clock = documents
    signed_tokens.google_key(FACTS, GOOGLE["jwk"]["kid"])
    fetch.documents.clear()
    clock.now = 61.0
    with pytest.raises(public_keys.KeysUnavailable):
        signed_tokens.google_key(FACTS, ANOTHER_KID)
    clock.now = 62.0  # within a minute of the failed attempt: no fetch, still waiting
    with pytest.raises(public_keys.KeysUnavailable):
        signed_tokens.google_key(FACTS, ANOTHER_KID)
    assert len(fetch.asked) == 2
    assert signed_tokens.google_key(FACTS, GOOGLE["jwk"]["kid"])  # the known key still verifies


def test_failures_are_spaced_too(documents):
    """A sender cannot make the function fetch per request while Google fails."""
    fetch, clock = documents
    fetch.documents.clear()
    for _ in range(20):
        with pytest.raises(public_keys.KeysUnavailable):
            signed_tokens.google_key(FACTS, ANOTHER_KID)
    assert len(fetch.asked) == 1
    clock.now = 61.0
    fetch.documents[GOOGLE["jwks_url"]] = GOOGLE_JWKS
    assert signed_tokens.google_key(FACTS, GOOGLE["jwk"]["kid"])


@pytest.mark.parametrize("document", [b'{"keys"', b"[1]", b'{"keys": {}}', b'{"keys": [{"kty": "EC", "kid": "x"}]}'])
def test_a_document_without_keys_is_never_kept(documents, document: bytes):
    fetch, clock = documents
    fetch.documents[GOOGLE["jwks_url"]] = document
    with pytest.raises(public_keys.KeysUnavailable):
        signed_tokens.google_key(FACTS, GOOGLE["jwk"]["kid"])
    clock.now = 61.0
    fetch.documents[GOOGLE["jwks_url"]] = GOOGLE_JWKS
    assert signed_tokens.google_key(FACTS, GOOGLE["jwk"]["kid"])


def test_keys_that_cannot_be_fetched_make_the_message_wait(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(key_documents, "DOCUMENTS", key_documents.Documents(FakeFetch({})))
    with pytest.raises(SecretUnavailable):
        check("google-pubsub-push")


def test_a_cached_document_outlives_a_failed_refetch(documents):
    fetch, clock = documents
    signed_tokens.google_key(FACTS, GOOGLE["jwk"]["kid"])
    fetch.documents.clear()
    clock.now = 4000.0  # past the hour
    assert signed_tokens.google_key(FACTS, GOOGLE["jwk"]["kid"])
    assert len(fetch.asked) == 2


def test_googles_keys_url_is_https():
    assert FACTS["keys_url"].startswith("https://www.googleapis.com/")


def test_a_redirect_is_never_followed():
    import urllib.request

    [handler] = [h for h in key_documents.opener().handlers if isinstance(h, urllib.request.HTTPRedirectHandler)]
    assert handler.redirect_request() is None


# --- PayPal ----------------------------------------------------------------------------------------------


def test_paypal_signs_its_sdks_string():
    """PayPal's SDK test computes this string (transmission id|time|webhook ID|CRC32 of the body)."""
    signed = public_keys.paypal_signed_string(
        public_keys.SCHEMES["paypal"], PAYPAL["headers"], PAYPAL["body"].encode(), PAYPAL["webhook_id"].encode()
    )
    assert signed == PAYPAL["signed_string_for_this_vector"].encode()


def test_paypal_asks_only_the_certificate_url_it_sent(published: FakeFetch):
    check("paypal")
    assert published.asked == [PAYPAL["headers"]["paypal-cert-url"]]


@pytest.mark.parametrize(
    "url",
    [
        "http://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77",
        "https://api.sandbox.paypal.com.evil.example/v1/notifications/certs/CERT-1",
        "https://evil.example/v1/notifications/certs/CERT-1",
        "https://api.paypal.com:8443/v1/notifications/certs/CERT-1",
        "https://api.paypal.com:443/v1/notifications/certs/CERT-1",
        "https://user@api.paypal.com/v1/notifications/certs/CERT-1",
        "https://api.paypal.com/v1/oauth2/token",
        "https://api.paypal.com/v1/notifications/certs/../../oauth2/token",
        "https://api.paypal.com/v1/notifications/certs/CERT-1#fragment",
        "https://api.paypal.com:bad/v1/notifications/certs/CERT-1",
        "https://api.paypal.com/v1/notifications/certs/CERT-1\n",
        "https://api.paypal.com/v1/notifications/certs/CERT-1?n=1",  # a query: a new URL per request
        "https://api.paypal.com/v1/notifications/certs/%2e%2e/%2e%2e/oauth2/token",
        "https://api.paypal.com/v1/notifications/certs/",
    ],
)
def test_paypal_fetches_a_certificate_only_from_paypals_hosts(url: str, published: FakeFetch):
    headers = dict(PAYPAL["headers"], **{"paypal-cert-url": url})
    with pytest.raises(Rejected, match="certificate URL") as rejected:
        check("paypal", headers=headers)
    assert rejected.value.reason == INVALID
    assert published.asked == []


def test_paypal_forged_certificate_names_cost_one_fetch_each_and_never_push_out_the_genuine_one(
    published: FakeFetch, monkeypatch: pytest.MonkeyPatch
):
    """A forger naming new certificates on PayPal's host: each is fetched once (a failure is not asked
    again for a minute), and the genuine certificate, in use between them, stays cached (least recently
    used goes first), so genuine deliveries never wait on the forger."""
    monkeypatch.setattr(key_documents, "MAX_CACHED", 3)
    genuine = PAYPAL["headers"]["paypal-cert-url"]
    for index in range(6):
        forged = dict(
            PAYPAL["headers"], **{"paypal-cert-url": f"https://api.paypal.com/v1/notifications/certs/CERT-forged-{index}"}
        )
        for _ in range(2):
            with pytest.raises(SecretUnavailable):
                check("paypal", headers=forged)
        check("paypal")
    assert published.asked.count(genuine) == 1
    assert len(published.asked) == 7  # the genuine one once, each forged one once


def test_a_cache_of_documents_keeps_at_most_max_cached_dropping_the_least_recently_used(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(key_documents, "MAX_CACHED", 2)
    documents = key_documents.Documents(lambda url: url.encode(), clock=lambda: 0.0)
    documents.get("https://keys.example/0", bytes, ttl_seconds=10)
    documents.get("https://keys.example/1", bytes, ttl_seconds=10)
    documents.get("https://keys.example/0", bytes, ttl_seconds=10)  # used again: now the most recent
    documents.get("https://keys.example/2", bytes, ttl_seconds=10)
    assert [documents.holds(f"https://keys.example/{index}") for index in range(3)] == [True, False, True]


def test_paypal_certificate_must_have_been_valid_at_the_transmission_time(published: FakeFetch):
    """The SDK's certificate expired in 2017: a transmission dated 2018 under it is refused."""
    headers = dict(PAYPAL["headers"], **{"paypal-transmission-time": "2018-05-18T15:45:13Z"})
    with pytest.raises(Rejected, match="not valid"):
        check("paypal", headers=headers, at=1526658313)


def test_paypal_refuses_a_certificate_that_is_not_its_message_verification_certificate(monkeypatch: pytest.MonkeyPatch):
    """A certificate at PayPal's URL but issued to another name (www.paypal.com) is not PayPal's signer:
    refused by its name, before its key is tried."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "www.paypal.com")])
    start = datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    fetch = FakeFetch({PAYPAL["headers"]["paypal-cert-url"]: certificate.public_bytes(serialization.Encoding.PEM)})
    monkeypatch.setattr(key_documents, "DOCUMENTS", key_documents.Documents(fetch))
    with pytest.raises(Rejected, match="message verification certificate"):
        check("paypal")


def test_paypal_another_webhook_id_is_rejected_and_a_list_accepts_either(published: FakeFetch):
    with pytest.raises(Rejected) as rejected:
        check("paypal", secret="8PT597110X687430LKGECATA")
    assert rejected.value.reason == INVALID
    check("paypal", secret=json.dumps(["8PT597110X687430LKGECATA", PAYPAL["webhook_id"]]))


def test_paypal_transmission_outside_the_tolerance_is_rejected(published: FakeFetch):
    signed_at = PAYPAL["signed_at"]
    check("paypal", at=signed_at + 300)
    with pytest.raises(Rejected) as rejected:
        check("paypal", at=signed_at + 301)
    assert rejected.value.reason == OUTSIDE_TOLERANCE


def test_paypal_certificate_that_cannot_be_fetched_makes_the_message_wait(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(key_documents, "DOCUMENTS", key_documents.Documents(FakeFetch({})))
    with pytest.raises(SecretUnavailable):
        check("paypal")


def test_paypal_document_that_is_not_a_certificate_waits_and_is_never_kept(monkeypatch: pytest.MonkeyPatch):
    fetch = FakeFetch({PAYPAL["headers"]["paypal-cert-url"]: b"<html>maintenance</html>"})
    monkeypatch.setattr(key_documents, "DOCUMENTS", key_documents.Documents(fetch, clock=lambda: 0.0))
    with pytest.raises(SecretUnavailable):
        check("paypal")
    fetch.documents[PAYPAL["headers"]["paypal-cert-url"]] = PAYPAL["public_key"].encode()
    monkeypatch.setattr(key_documents, "MIN_REFETCH_SECONDS", 0.0)
    check("paypal")


# --- keys taken from the signature header ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["discord", "sendgrid", "paypal"])
def test_a_key_from_the_signature_header_is_the_signed_contents_digest(name: str):
    """ECDSA signatures are malleable (s or n - s): a re-spelled signature must not be a new item."""
    rule = load_signature({"scheme": name}, name)
    vector = VECTORS[name]
    key = event_key_from_header(rule, rule.signature_header, headers_of(vector), vector["body"].encode())
    assert key.startswith("signed-sha256:")


class KeyServer(http.server.BaseHTTPRequestHandler):
    """Loopback stand-in for a key host: /keys answers, /moved redirects, /huge is too large, /down
    fails, /broken answers what is not HTTP."""

    def do_GET(self) -> None:
        if self.path == "/broken":  # not HTTP: http.client's BadStatusLine, an HTTPException (no OSError)
            self.wfile.write(b"garbage\r\n\r\n")
            return
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/keys")
            self.end_headers()
            return
        status, body = {"/keys": (200, b'{"keys": []}'), "/huge": (200, b"x" * (key_documents.MAX_DOCUMENT_BYTES + 1))}.get(
            self.path, (500, b"")
        )
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # a key API (Plaid's): /refused answers 400 with its error, the rest as GET
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/refused":
            body = b'{"error_code": "INVALID_API_KEYS"}'
            self.send_response(400)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.do_GET()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def key_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), KeyServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_fetch_document_reads_a_published_document(key_server: str):
    assert key_documents.fetch_document(key_server + "/keys") == b'{"keys": []}'


@pytest.mark.parametrize("path", ["/moved", "/huge", "/down", "/broken"])
def test_fetch_document_refuses_a_redirect_an_oversized_document_and_a_failure(key_server: str, path: str):
    with pytest.raises(public_keys.KeysUnavailable):
        key_documents.fetch_document(key_server + path)


def api_request(url: str) -> urllib.request.Request:
    return urllib.request.Request(url, data=b"{}", headers={"Content-Type": "application/json"}, method="POST")  # noqa: S310 - loopback


def test_a_key_apis_answer_and_its_4xx_are_answers(key_server: str):
    """What post_json asks through (key_documents.exchange): a 2xx or a 4xx is the API's answer."""
    assert key_documents.exchange(api_request(key_server + "/keys"), "the key API") == (200, b'{"keys": []}')
    assert key_documents.exchange(api_request(key_server + "/refused"), "the key API") == (
        400,
        b'{"error_code": "INVALID_API_KEYS"}',
    )


@pytest.mark.parametrize("path", ["/moved", "/huge", "/down", "/broken"])
def test_a_key_apis_redirect_5xx_oversized_or_broken_answer_waits(key_server: str, path: str):
    with pytest.raises(key_documents.KeysUnavailable):
        key_documents.exchange(api_request(key_server + path), "the key API")


def test_a_function_without_the_layer_fails_as_it_loads_its_settings():
    """Not later as an unreadable secret (its requests would wait, or pass the edge unchecked)."""
    code = (
        "import sys, importlib.abc\n"
        "class NoLayer(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('cryptography', '_cffi_backend'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, NoLayer())\n"
        f"sys.path[:0] = [{str(ROOT / 'functions' / 'shared')!r}]\n"
        "import signatures\n"
        "signatures.load_signature({'scheme': 'github'}, 'github')\n"
        "try:\n"
        "    signatures.load_signature({'scheme': 'discord'}, 'discord')\n"
        "except ModuleNotFoundError:\n"
        "    print('refused')\n"
    )
    result = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=False)
    assert result.stdout.strip() == "refused", result.stderr
