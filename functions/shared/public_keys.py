"""Public-key signatures, verified with pyca/cryptography (never arithmetic of ours):
Ed25519 (discord), ECDSA P-256 (sendgrid) and SHA256withRSA under a certificate PayPal names
(paypal) here; JWTs (Google's RS256 OIDC token, Plaid's ES256 token) in signed_tokens.py.

Only sources with such a scheme import this module (signatures.verify imports it on first
use), and only their functions carry the layer that holds cryptography
(packages/public-key-*.zip): every other function keeps the standard library and boto3.

What the source's "signing secret" holds for each (a JSON array of several during a rotation):
discord and sendgrid the sender's public key as its console shows it (hex; base64 DER);
google-pubsub-push the push subscription's service account email (the token's `email`);
paypal the webhook ID (it is part of what PayPal signs). Keys that are not in the secret
(Google's, PayPal's certificates) are fetched by key_documents.py: only from the contract's
HTTPS hosts, never through a redirect, cached; one that cannot be fetched keeps the message
waiting (KeysUnavailable), it never makes it a forgery.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Mapping, Sequence

from contract import SIGNATURES
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from signature_parts import (
    base64_signature,
    hex_signature,
    rfc3339_seconds,
    text_bytes,
    timestamp_of,
    within_tolerance,
)

import key_documents
from cached_secret import InvalidSecret
from key_documents import KeysUnavailable, allowed_url
from signature_rules import INVALID, Rejected, SignatureRule
from signed_tokens import oidc_token, plaid_token

# Each public-key scheme's facts (contract.json): its headers, and under public_key how it verifies.
SCHEMES: dict[str, dict] = {name: facts for name, facts in SIGNATURES["schemes"].items() if "public_key" in facts}
EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}")
# A PayPal webhook ID as its dashboard shows it (8PT597110X687430LKGECATA).
WEBHOOK_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
# Plaid's client_id (24 hex) and secret (30 hex), bounded generously.
PLAID_CREDENTIAL = re.compile(r"[A-Za-z0-9]{1,128}")


# --- what the secret holds ----------------------------------------------------------------------------


def secret_key(scheme: str, text: str) -> bytes:
    """One entry of the source's secret, checked now (a wrong value waits as InvalidSecret, it does
    not reject every message as forged): the raw Ed25519 key, the DER of the P-256 key, the email,
    the webhook ID or Plaid's API credentials (as JSON)."""
    kind = SCHEMES[scheme]["public_key"]["holds"]
    if kind == "ed25519-hex":
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
        except ValueError as error:
            raise InvalidSecret("a Discord public key is 64 hex characters") from error
        return bytes.fromhex(text)
    if kind == "p256-base64-der":
        return p256_der(text)
    if kind == "plaid-credentials":
        return plaid_credentials(SCHEMES[scheme]["public_key"], text)
    if kind == "webhook-id":
        if not WEBHOOK_ID.fullmatch(text):
            raise InvalidSecret("the secret holds the PayPal webhook ID (letters, digits and '-')")
    elif not EMAIL.fullmatch(text):
        raise InvalidSecret("the secret holds the push subscription's service account email")
    return text.encode("ascii")


def plaid_credentials(facts: Mapping, text: str) -> bytes:
    """{"client_id", "secret", "environment"}: what Plaid's API takes to give its keys (never shown in an error)."""
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        parsed = None
    fields = ("client_id", "secret", "environment")
    if not isinstance(parsed, dict) or set(parsed) != set(fields) or not all(isinstance(parsed[name], str) for name in fields):
        raise InvalidSecret('the secret holds {"client_id": ..., "secret": ..., "environment": ...} from the Plaid dashboard')
    if not PLAID_CREDENTIAL.fullmatch(parsed["client_id"]) or not PLAID_CREDENTIAL.fullmatch(parsed["secret"]):
        raise InvalidSecret("Plaid's client_id and secret are letters and digits")
    if parsed["environment"] not in facts["keys_endpoints"]:
        raise InvalidSecret(f"Plaid's environment is one of {', '.join(sorted(facts['keys_endpoints']))}")
    return json.dumps({name: parsed[name] for name in fields}, sort_keys=True).encode("ascii")


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


def certificate_signature(
    rule: SignatureRule, keys: Sequence[bytes], headers: Mapping[str, str], body: bytes, received_at: float
) -> None:
    """paypal: SHA256withRSA over "<transmission id>|<transmission time>|<webhook ID>|<CRC32 of the
    body>" under the certificate at paypal-cert-url, fetched only from PayPal's API hosts; its
    subject is PayPal's message verification name and it was valid at the transmission time."""
    facts = SCHEMES[rule.scheme]
    transmitted = headers[facts["timestamp_header"]]
    seconds = rfc3339_seconds(transmitted)
    certificate = paypal_certificate(facts["public_key"], headers[facts["public_key"]["certificate_header"]], seconds)
    signature = base64_signature(headers[rule.signature_header])
    public = certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    matched = False
    for webhook_id in keys:  # every one, without stopping at the first match
        try:
            public.verify(signature, paypal_signed_string(facts, headers, body, webhook_id), padding.PKCS1v15(), hashes.SHA256())
            matched = True
        except InvalidSignature:
            continue
    if not matched:
        raise Rejected(INVALID, "no signature matches the certificate and a webhook ID")
    within_tolerance(rule, seconds, received_at)


def paypal_signed_string(facts: Mapping, headers: Mapping[str, str], body: bytes, webhook_id: bytes) -> bytes:
    """What PayPal signs: transmission id|transmission time|webhook ID|CRC32 of the body (unsigned decimal)."""
    crc = str(zlib.crc32(body) & 0xFFFFFFFF).encode("ascii")
    return b"|".join((text_bytes(headers[facts["id_header"]]), text_bytes(headers[facts["timestamp_header"]]), webhook_id, crc))


def paypal_certificate(facts: Mapping, url: str, at: float) -> x509.Certificate:
    """The certificate at `url` (only PayPal's: else Rejected before anything is fetched), PayPal's
    message verification certificate, valid at `at`, with an RSA key. Not spaced like Plaid's keys:
    a certificate is a public document on PayPal's host, fetched without credentials, so a request
    naming a new one costs one GET (a failed one is not asked again for a minute), and spacing would
    let a forger keep a genuine new certificate out."""
    if not allowed_url(url, facts["certificate_hosts"], facts["certificate_path"]):
        raise Rejected(INVALID, "the certificate URL is not one of PayPal's")
    certificate = key_documents.DOCUMENTS.get(url, pem_certificate, facts["keys_ttl_seconds"])
    names = [attribute.value for attribute in certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    if not any(name in facts["certificate_names"] for name in names):
        raise Rejected(INVALID, "the certificate is not PayPal's message verification certificate")
    if not certificate.not_valid_before_utc.timestamp() <= at <= certificate.not_valid_after_utc.timestamp():
        raise Rejected(INVALID, "the certificate was not valid at the transmission time")
    if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
        raise Rejected(INVALID, "the certificate's key is not RSA")
    return certificate


def pem_certificate(document: bytes) -> x509.Certificate:
    """A PEM certificate; KeysUnavailable (never kept) for anything else."""
    try:
        return x509.load_pem_x509_certificate(document)
    except ValueError as error:
        raise KeysUnavailable("the certificate PayPal named is not a certificate") from error


VERIFIERS = {"detached": detached, "oidc-token": oidc_token, "plaid-token": plaid_token, "certificate": certificate_signature}


def verify(rule: SignatureRule, keys: Sequence[bytes], headers: Mapping[str, str], body: bytes, received_at: float) -> None:
    """Return when the request is what its sender signed; Rejected (with its reason) or
    KeysUnavailable (wait) otherwise."""
    VERIFIERS[SCHEMES[rule.scheme]["public_key"]["verifier"]](rule, keys, headers, body, received_at)


def signed_content(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> bytes:
    """What identifies the signed request (for a key taken from the signature header): a
    signature can be re-encoded (ECDSA's is malleable, a token re-serialised), what it covers cannot."""
    facts = SCHEMES[rule.scheme]
    verifier = facts["public_key"]["verifier"]
    if verifier == "detached":
        return text_bytes(headers[facts["timestamp_header"]]) + body
    if verifier == "certificate":  # what PayPal signs, but the webhook ID (the same for every message of the source)
        return paypal_signed_string(facts, headers, body, b"")
    token = headers[rule.signature_header]  # a JWT: what its signature covers (Google's after "Bearer ")
    return text_bytes((token.partition(" ")[2] if verifier == "oidc-token" else token).rpartition(".")[0])
