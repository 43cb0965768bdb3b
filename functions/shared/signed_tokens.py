"""Public-key signed JWTs, verified with pyca/cryptography: Google's RS256 OIDC token
(google-pubsub-push) and Plaid's ES256 verification token (plaid). Imported by public_keys.py,
so only by the functions that carry the layer holding cryptography.

Their keys are not in the source's secret: Google's are fetched from its JWKS URL, Plaid's one by
one (by key id) from Plaid's API with the client id and secret the source's secret holds; both
through key_documents.py (HTTPS only, no redirect, bounded, cached, spaced). A key that cannot be
fetched keeps the message waiting (KeysUnavailable); a key id the sender does not know is a forgery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence

from contract import SIGNATURES
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from signature_parts import base64url, compact_jws, signing_input, within_tolerance

import key_documents
from key_documents import KeysUnavailable
from signature_rules import INVALID, OUTSIDE_TOLERANCE, Rejected, SignatureRule

# A key id Plaid has not shown yet makes us ask Plaid's API: at most once a minute, whatever
# requests ask (a forger inventing key ids cannot make us call Plaid per request).
NEW_PLAID_KEYS = key_documents.Spacing()
# Plaid's own answer to a key id it does not know (cached: the key id is not Plaid's).
NOT_PLAIDS = False


# --- Google Cloud Pub/Sub push ---------------------------------------------------------------------------


def oidc_token(rule: SignatureRule, keys: Sequence[bytes], headers: Mapping[str, str], body: bytes, received_at: float) -> None:
    """google-pubsub-push: "Bearer <JWT>" signed RS256 by one of Google's published keys (by kid),
    from Google, for this endpoint (aud: the source's URL, Pub/Sub's default audience), by one of
    the service accounts in the secret, and valid when API Gateway received it. The body is not
    signed: the token proves who sent the request, not what it carried."""
    facts = SIGNATURES["schemes"][rule.scheme]["public_key"]
    scheme, _, token = headers[rule.signature_header].partition(" ")
    if scheme.lower() != "bearer":
        raise Rejected(INVALID, "the Authorization header is not a Bearer token")
    segments, header, claims = compact_jws(token, "the bearer token")
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise Rejected(INVALID, "the token is not RS256 with a key id")
    key = google_key(facts, header["kid"])
    try:
        key.verify(base64url(segments[2]), signing_input(segments), padding.PKCS1v15(), hashes.SHA256())
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
        keys = key_documents.DOCUMENTS.get(facts["keys_url"], jwks_keys, facts["keys_ttl_seconds"], refetch=refetch)
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


# --- Plaid ---------------------------------------------------------------------------------------------


def plaid_token(rule: SignatureRule, keys: Sequence[bytes], headers: Mapping[str, str], body: bytes, received_at: float) -> None:
    """plaid: the Plaid-Verification header is a JWT signed ES256 with one of Plaid's keys (by kid,
    from Plaid's API with the credentials in the secret), issued (iat) within the tolerance of the
    receipt, whose request_body_sha256 is the body's SHA-256 (plaid.com/docs/api/webhooks/webhook-verification)."""
    facts = SIGNATURES["schemes"][rule.scheme]["public_key"]
    segments, header, claims = compact_jws(headers[rule.signature_header], "the Plaid-Verification token")
    kid = header.get("kid")
    if header.get("alg") != facts["algorithm"] or not isinstance(kid, str) or not kid.isascii() or not 0 < len(kid) <= 64:
        raise Rejected(INVALID, "the token is not ES256 with a key id")
    raw = base64url(segments[2])
    if len(raw) != 64:  # JOSE's ES256 signature: r and s, 32 bytes each
        raise Rejected(INVALID, "the token's signature is not an ES256 signature")
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    signed = signing_input(segments)
    matched, waiting, refused = False, None, None
    for credentials in keys:  # one set, or several during a rotation of the secret: each is asked
        try:
            key = plaid_key(facts, json.loads(credentials), kid)
            key.verify(signature, signed, ec.ECDSA(hashes.SHA256()))
            matched = True
        except KeysUnavailable as error:
            waiting = error
        except Rejected as error:
            refused = error
        except InvalidSignature:
            refused = Rejected(INVALID, "the token's signature does not verify")
    if not matched:
        # A set that could not ask Plaid may be the one that verifies: wait rather than refuse.
        raise waiting or refused or Rejected(INVALID, "no credentials to ask Plaid with")
    check_plaid_claims(rule, claims, body, received_at)


def check_plaid_claims(rule: SignatureRule, claims: Mapping, body: bytes, received_at: float) -> None:
    issued, digest = claims.get("iat"), claims.get("request_body_sha256")
    if not isinstance(issued, int) or isinstance(issued, bool) or not isinstance(digest, str):
        raise Rejected(INVALID, "the token has no iat and request_body_sha256")
    if not hmac.compare_digest(hashlib.sha256(body).hexdigest().encode("ascii"), digest.encode("utf-8", "replace")):
        raise Rejected(INVALID, "the body is not the one the token signed")
    within_tolerance(rule, issued, received_at)


def plaid_key(facts: Mapping, credentials: Mapping[str, str], kid: str) -> ec.EllipticCurvePublicKey:
    """Plaid's key `kid`, asked of the API of the credentials' environment; Rejected when Plaid does
    not know it or it has expired."""
    endpoint = facts["keys_endpoints"][credentials["environment"]]
    name = f"{endpoint}#{credentials['client_id']}#{kid}"
    if not key_documents.DOCUMENTS.holds(name) and not NEW_PLAID_KEYS.allow(f"{endpoint}#{kid}"):
        raise KeysUnavailable("a key id not asked of Plaid yet, a moment after another")

    def ask(_: str) -> bytes:
        payload = {"client_id": credentials["client_id"], "secret": credentials["secret"], "key_id": kid}
        status, answer = key_documents.post_json(endpoint, payload)
        if status == 200:
            return answer
        if status != 400 or plaid_error_code(answer) in facts["credential_errors"]:
            # Rate limited (429), refused credentials (ours to fix), any other answer: wait, never a forgery.
            raise KeysUnavailable(f"Plaid's key API answered {status} ({plaid_error_code(answer) or 'no error code'})")
        return json.dumps(NOT_PLAIDS).encode()  # 400 to a key id: Plaid does not know it (its own verifier's reading)

    key = key_documents.DOCUMENTS.get(name, plaid_jwk, facts["keys_ttl_seconds"], fetch=ask)
    if key is NOT_PLAIDS:
        raise Rejected(INVALID, "the token's key id is not one of Plaid's")
    public, expired = key
    if expired:
        raise Rejected(INVALID, "the token's key has expired")
    return public


def plaid_error_code(answer: bytes) -> str | None:
    """The error_code of one of Plaid's error answers (bounded: it may be logged), or None."""
    try:
        parsed = json.loads(answer)
    except (ValueError, RecursionError):
        return None
    code = parsed.get("error_code") if isinstance(parsed, dict) else None
    return code[:64] if isinstance(code, str) else None


def plaid_jwk(answer: bytes) -> tuple[ec.EllipticCurvePublicKey, bool] | bool:
    """(key, expired) from /webhook_verification_key/get's answer, or NOT_PLAIDS; KeysUnavailable
    (never kept) for an answer that is neither."""
    try:
        parsed = json.loads(answer)
    except (ValueError, RecursionError) as error:
        raise KeysUnavailable("Plaid's answer is not JSON") from error
    if parsed is NOT_PLAIDS:
        return NOT_PLAIDS
    jwk = parsed.get("key") if isinstance(parsed, dict) else None
    if not isinstance(jwk, dict) or (jwk.get("kty"), jwk.get("crv")) != ("EC", "P-256"):
        raise KeysUnavailable("Plaid's answer holds no P-256 key")
    try:
        x, y = (int.from_bytes(base64url(str(jwk[name])), "big") for name in ("x", "y"))
        public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    except (KeyError, ValueError, Rejected) as error:
        raise KeysUnavailable("Plaid's answer holds no P-256 key") from error
    return public, jwk.get("expired_at") is not None
