"""Public-key signatures, verified with pyca/cryptography (never arithmetic of ours):
Ed25519 (discord), ECDSA P-256 (sendgrid) and Google's RS256 OIDC token (google-pubsub-push).

Only sources with such a scheme import this module (signatures.verify imports it on first
use), and only their functions carry the layer that holds cryptography
(packages/public-key-*.zip): every other function keeps the standard library and boto3.

What the source's "signing secret" holds for each (a JSON array of several during a rotation):
discord and sendgrid the sender's public key as its console shows it (hex; base64 DER);
google-pubsub-push the push subscription's service account email (the token's `email`).
Keys that are not in the secret (Google's) are fetched only from the contract's HTTPS URL,
never through a redirect, and cached (fetch_document and Documents below).

A key that cannot be fetched is not the sender's fault: KeysUnavailable (a
SecretUnavailable) keeps the message waiting, as an unreadable signing secret does.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from contract import SIGNATURES
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from signature_parts import (
    base64_signature,
    base64url,
    compact_jws,
    hex_signature,
    text_bytes,
    timestamp_of,
    within_tolerance,
)
from signature_rules import INVALID, OUTSIDE_TOLERANCE, Rejected, SignatureRule

from cached_secret import InvalidSecret, SecretUnavailable

# Each public-key scheme's facts (contract.json): its headers, and under public_key how it verifies.
SCHEMES: dict[str, dict] = {name: facts for name, facts in SIGNATURES["schemes"].items() if "public_key" in facts}
# Google's key document is a few KiB; more is not Google's.
MAX_DOCUMENT_BYTES = 64 * 1024
# A fetch must fit the edge's deadline (senders give up after 3 s or more).
FETCH_TIMEOUT_SECONDS = 2.0
# An unknown key id refetches the keys at most this often: a sender cannot make us fetch per request.
MIN_REFETCH_SECONDS = 60.0
EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}")


class KeysUnavailable(SecretUnavailable):
    """The sender's published keys could not be fetched: the message waits, it is not forged."""


# --- what the secret holds ----------------------------------------------------------------------------


def secret_key(scheme: str, text: str) -> bytes:
    """One entry of the source's secret, checked now (a wrong value waits as InvalidSecret, it does
    not reject every message as forged): the raw Ed25519 key, the DER of the P-256 key or the email."""
    kind = SCHEMES[scheme]["public_key"]["holds"]
    if kind == "ed25519-hex":
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
        except ValueError as error:
            raise InvalidSecret("a Discord public key is 64 hex characters") from error
        return bytes.fromhex(text)
    if kind == "p256-base64-der":
        return p256_der(text)
    if not EMAIL.fullmatch(text):
        raise InvalidSecret("the secret holds the push subscription's service account email")
    return text.encode("ascii")


def p256_der(text: str) -> bytes:
    """SendGrid's verification key: base64 DER, with or without PEM armour."""
    armoured = text.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "")
    try:
        der = base64.b64decode("".join(armoured.split()), validate=True)
        key = serialization.load_der_public_key(der)
    except (binascii.Error, ValueError, UnsupportedAlgorithm) as error:
        raise InvalidSecret("a SendGrid verification key is base64 of a public key") from error
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise InvalidSecret("a SendGrid verification key is a P-256 key")
    return der


# --- fetched documents ---------------------------------------------------------------------------------


@functools.cache
def opener() -> Any:
    """An opener that follows no redirect (one could leave Google's host). Built on first use:
    only Google's keys are fetched, so discord and sendgrid never load http and ssl."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    return urllib.request.build_opener(NoRedirect)


def fetch_document(url: str) -> bytes:
    """GET a key document (the contract's HTTPS URL), bounded in time and size; KeysUnavailable
    for any failure of the network, TLS or HTTP (a broken status line, a truncated body)."""
    import http.client

    try:
        with opener().open(url, timeout=FETCH_TIMEOUT_SECONDS) as response:
            if response.status != 200:
                raise KeysUnavailable(f"the key document answered {response.status}")
            document = response.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, ValueError, http.client.HTTPException) as error:  # URLError and HTTPError are OSErrors
        raise KeysUnavailable(f"the key document could not be fetched ({type(error).__name__})") from error
    if len(document) > MAX_DOCUMENT_BYTES:
        raise KeysUnavailable("the key document is larger than any a sender publishes")
    return document


@dataclass
class Cached:
    value: Any  # the parsed document; None: no fetch has succeeded yet
    fetched_at: float  # when `value` was fetched
    attempted_at: float  # the last attempt, successful or not
    failed: bool  # whether that attempt failed


class Documents:
    """Key documents by URL, kept parsed (one that does not parse is never kept) for `ttl_seconds`,
    and longer while refetching fails (the keys a sender published an hour ago still verify what
    it signed with them). Fetches are spaced: after any attempt, failed or not, none for
    MIN_REFETCH_SECONDS, whatever requests ask. `refetch` (an unknown key id) wants a copy newer
    than the cached one: when it cannot have one (the fetch failed, or failed lately), it is
    KeysUnavailable, so that a sender's new key never turns genuine requests into forgeries."""

    def __init__(self, fetch: Callable[[str], bytes] = fetch_document, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._clock = clock
        self._cache: dict[str, Cached] = {}

    def get(self, url: str, parse: Callable[[bytes], Any], ttl_seconds: float, refetch: bool = False) -> Any:
        entry, now = self._cache.get(url), self._clock()
        if entry is not None:
            due = refetch or entry.value is None or now - entry.fetched_at >= ttl_seconds
            if not due or now - entry.attempted_at < MIN_REFETCH_SECONDS:
                if entry.value is None or (refetch and entry.failed):
                    raise KeysUnavailable("the keys could not be fetched a moment ago")
                return entry.value
        try:
            value = parse(self._fetch(url))
        except KeysUnavailable:
            self._cache[url] = Cached(entry.value if entry else None, entry.fetched_at if entry else now, now, True)
            if entry is None or entry.value is None or refetch:
                raise
            return entry.value
        self._cache[url] = Cached(value, now, now, False)
        return value


DOCUMENTS = Documents()


# --- the schemes -----------------------------------------------------------------------------------------


def detached(rule: SignatureRule, keys: Sequence[bytes], headers: Mapping[str, str], body: bytes, received_at: float) -> None:
    """discord, sendgrid: a signature over the timestamp header's text followed by the body."""
    facts = SCHEMES[rule.scheme]
    timestamp = headers[facts["timestamp_header"]]
    seconds = timestamp_of(timestamp)  # ASCII digits only, before they become signed bytes
    signed = signed_content(rule, headers, body)
    value = headers[rule.signature_header]
    signature = hex_signature(value) if facts["public_key"]["signature_encoding"] == "hex" else base64_signature(value)
    if not any(detached_matches(rule.scheme, key, signature, signed) for key in keys):
        raise Rejected(INVALID, "no signature matches a public key")
    within_tolerance(rule, seconds, received_at)


def detached_matches(scheme: str, key: bytes, signature: bytes, signed: bytes) -> bool:
    try:
        if SCHEMES[scheme]["public_key"]["holds"] == "ed25519-hex":
            ed25519.Ed25519PublicKey.from_public_bytes(key).verify(signature, signed)
        else:
            public = serialization.load_der_public_key(key)
            assert isinstance(public, ec.EllipticCurvePublicKey)
            public.verify(signature, signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def oidc_token(rule: SignatureRule, keys: Sequence[bytes], headers: Mapping[str, str], body: bytes, received_at: float) -> None:
    """google-pubsub-push: "Bearer <JWT>" signed RS256 by one of Google's published keys (by kid),
    from Google, for this endpoint (aud: the source's URL, Pub/Sub's default audience), by one of
    the service accounts in the secret, and valid when API Gateway received it. The body is not
    signed: the token proves who sent the request, not what it carried."""
    facts = SCHEMES[rule.scheme]["public_key"]
    scheme, _, token = headers[rule.signature_header].partition(" ")
    if scheme.lower() != "bearer":
        raise Rejected(INVALID, "the Authorization header is not a Bearer token")
    segments, header, claims = compact_jws(token, "the bearer token")
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise Rejected(INVALID, "the token is not RS256 with a key id")
    key = google_key(facts, header["kid"])
    try:
        key.verify(base64url(segments[2]), f"{segments[0]}.{segments[1]}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as error:
        raise Rejected(INVALID, "the token's signature does not verify") from error
    check_claims(rule, facts, claims, keys, received_at)


def check_claims(rule: SignatureRule, facts: Mapping, claims: Mapping, keys: Sequence[bytes], received_at: float) -> None:
    if claims.get("iss") not in facts["issuers"]:
        raise Rejected(INVALID, "the token names another issuer")
    if claims.get("aud") != rule.url:
        raise Rejected(INVALID, "the token is for another audience")
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is not True or email.encode("utf-8", "replace") not in keys:
        raise Rejected(INVALID, "the token is for another service account")
    issued, expires = claims.get("iat"), claims.get("exp")
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (issued, expires)):
        raise Rejected(INVALID, "the token has no iat and exp")
    assert isinstance(issued, int) and isinstance(expires, int)
    if received_at > expires or received_at < issued - rule.tolerance_seconds:
        raise Rejected(OUTSIDE_TOLERANCE, "the token was not valid when the request was received")


def google_key(facts: Mapping, kid: str) -> rsa.RSAPublicKey:
    """Google's key `kid` from its JWKS (a key id not in the cached copy refetches it)."""
    for refetch in (False, True):
        keys = DOCUMENTS.get(facts["keys_url"], jwks_keys, facts["keys_ttl_seconds"], refetch=refetch)
        if kid in keys:
            return keys[kid]
    raise Rejected(INVALID, "the token's key id is not one of Google's keys")


def jwks_keys(document: bytes) -> dict[str, rsa.RSAPublicKey]:
    """The RSA keys of a JWKS by key id; KeysUnavailable (never kept) when it holds none."""
    try:
        parsed = json.loads(document)
    except (ValueError, RecursionError) as error:
        raise KeysUnavailable("the key document is not JSON") from error
    entries = parsed.get("keys") if isinstance(parsed, dict) else None
    keys = {}
    for jwk in entries if isinstance(entries, list) else []:
        if isinstance(jwk, dict) and jwk.get("kty") == "RSA" and isinstance(jwk.get("kid"), str):
            key = rsa_key(jwk)
            if key is not None:
                keys[jwk["kid"]] = key
    if not keys:
        raise KeysUnavailable("the key document holds no RSA key")
    return keys


def rsa_key(jwk: Mapping) -> rsa.RSAPublicKey | None:
    """The JWK's RSA public key; None for an entry that is not one (skipped, the others kept)."""
    try:
        modulus, exponent = (int.from_bytes(base64url(str(jwk[name])), "big") for name in ("n", "e"))
        return rsa.RSAPublicNumbers(exponent, modulus).public_key()
    except (KeyError, ValueError, Rejected):
        return None


VERIFIERS = {"detached": detached, "oidc-token": oidc_token}


def verify(rule: SignatureRule, keys: Sequence[bytes], headers: Mapping[str, str], body: bytes, received_at: float) -> None:
    """Return when the request is what its sender signed; Rejected (with its reason) or
    KeysUnavailable (wait) otherwise."""
    VERIFIERS[SCHEMES[rule.scheme]["public_key"]["verifier"]](rule, keys, headers, body, received_at)


def signed_content(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> bytes:
    """What identifies the signed request (for a key taken from the signature header): a
    signature can be re-encoded (ECDSA's is malleable, a token re-serialised), what it covers cannot."""
    facts = SCHEMES[rule.scheme]
    if facts["public_key"]["verifier"] == "detached":
        return text_bytes(headers[facts["timestamp_header"]]) + body
    return text_bytes(headers[rule.signature_header].partition(" ")[2].rpartition(".")[0])
