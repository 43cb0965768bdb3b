"""Webhook signatures, verified over the exact bytes a sender signed.

An HTTP API authorizer never sees the body, so signatures are checked by the
functions that do. The consumer verifies every message of a signed source
before anything is stored or archived: API Gateway (or the front function)
carries each signature header as a message attribute. For a claim-check
source with verify_at_edge, the front function also verifies the request
before it keeps anything, and answers 401 with the reason.

Every scheme is an HMAC over the body, in some cases joined with a timestamp
and a delivery id. A timestamp is compared with when API Gateway received the
request (the consumer: the message's receivedAt attribute, kept through a
redrive, else SQS's SentTimestamp; the front function: the request's
timeEpoch), never with the consumer's clock: a backlog or a redrive hours later
is not a replay. Each comparison is constant-time, and every candidate
signature is compared with every key (rotation: several signatures in one
header, several secrets in the secret).

Header values are sender-controlled text: anything that is not what a scheme
expects (non-ASCII digits, lone surrogates, a malformed entry) is Rejected
with a reason, never another exception. Keys taken from a signature header are
canonical (event_key_from_header), so a replay cannot become a new item by
re-spelling a valid signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from types import ModuleType

from signature_parts import (
    HEADER_PARTS,
    Parts,
    base64_signature,
    body_hash_url,
    bounded,
    fill_placeholders,
    hex_signature,
    single_signature,
    text_bytes,
    timestamp_of,
    within_tolerance,
)

# The scheme definitions and settings (signature_rules.py), the secrets' keys (signing_keys.py)
# and the header parsing (signature_parts.py) live beside this module; the names the consumer
# and the edge use are re-exported, so those callers import `signatures` alone.
import connect_tokens
from body_signatures import compares_secret, item_parts, item_signed_content, mailgun_parts
from signature_rules import (
    ALGORITHMS,
    ENCODINGS,
    HEADER_NAME,
    HEX,
    HMAC_DEFAULTS,
    INVALID,
    ITEM_SCHEMES,
    MAX_SIGNATURES,
    MISSING,
    MULTI_SIGNATURE_SCHEMES,
    OUTSIDE_TOLERANCE,
    PLACEHOLDER,
    PRESETS,
    PUBLIC_KEY_SCHEMES,
    SCHEME_HEADERS,
    SCHEMES,
    SIGNATURE_HEADERS,
    SIGNED_CONTENT_KEY_PREFIX,
    SINGLE_SIGNATURE_FORMS,
    TENANT_SCHEMES,
    TIMESTAMP,
    TOLERANCE,
    Rejected,
    SignatureRule,
    check_hmac,
    load_signature,
)
from signing_keys import MAX_SECRETS, SECRET_PADDING, parse_signing_secrets, rotation_list, signing_key

__all__ = [
    "ALGORITHMS",
    "ENCODINGS",
    "HEADER_NAME",
    "HEX",
    "HMAC_DEFAULTS",
    "INVALID",
    "ITEM_SCHEMES",
    "MAX_SECRETS",
    "MAX_SIGNATURES",
    "MISSING",
    "MULTI_SIGNATURE_SCHEMES",
    "OUTSIDE_TOLERANCE",
    "PLACEHOLDER",
    "PRESETS",
    "PUBLIC_KEY_SCHEMES",
    "SCHEMES",
    "SCHEME_HEADERS",
    "SCHEME_PARTS",
    "SECRET_PADDING",
    "SIGNATURE_HEADERS",
    "SIGNED_CONTENT_KEY_PREFIX",
    "SINGLE_SIGNATURE_FORMS",
    "TENANT_SCHEMES",
    "TIMESTAMP",
    "TOLERANCE",
    "Parts",
    "Rejected",
    "SignatureRule",
    "any_match",
    "base64_signature",
    "bounded",
    "check_hmac",
    "encode_signature",
    "event_key_from_header",
    "fill_placeholders",
    "hex_signature",
    "load_signature",
    "parse_signing_secrets",
    "rotation_list",
    "signed_content_digest",
    "signing_key",
    "single_signature",
    "text_bytes",
    "timestamp_of",
    "verify",
]


# Each HMAC scheme's reader: a header's (signature_parts.py), or a body's (mailgun).
SCHEME_PARTS = {**HEADER_PARTS, "mailgun": mailgun_parts}


def verify(rule: SignatureRule, keys: Sequence[bytes], headers: Mapping[str, str], body: bytes, received_at: float) -> None:
    """Return if the body is signed by one of `keys` inside the tolerance; raise Rejected otherwise.

    `headers` holds the scheme's headers by lower-case name ("" when absent);
    `received_at` is when API Gateway received the request, in Unix seconds. A
    timestamp exactly `tolerance_seconds` before or after it is accepted; one
    second more is not.
    """
    missing = [name for name in rule.headers if not headers.get(name)]
    if missing:
        raise Rejected(MISSING, f"no {', '.join(missing)} header")
    if rule.family in PUBLIC_KEY_SCHEMES:
        public_key_scheme().verify(rule, keys, headers, body, received_at)
        return
    if rule.family in ITEM_SCHEMES:
        verify_items(rule, keys, body)
        return
    if rule.family in TENANT_SCHEMES:
        connect_tokens.verify(rule, keys, headers, received_at)
        return
    signed, candidates, timestamp = SCHEME_PARTS[rule.family](rule, headers, body)
    digest = hashlib.sha256 if rule.family != "hmac" else ALGORITHMS[rule.algorithm]
    if not any_match(keys, signed, candidates, digest):
        # Twilio signs a JSON body another way (body_hash_url); which one it chose is in a query
        # string the consumer never sees, so both are tried: as many as Twilio's own validator accepts.
        other = body_hash_url(rule, body)
        if other is None or not any_match(keys, other, candidates, digest):
            raise Rejected(INVALID, "no signature matches a signing secret")
    if timestamp is not None:
        within_tolerance(rule, timestamp, received_at)


def signed_content_digest(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> str:
    """Lowercase hex SHA-256 of exactly the bytes the signature covers (Stripe: "{t}.{body}";
    Standard Webhooks and Svix: "{id}.{timestamp}.{body}"; Slack: "v0:{timestamp}:{body}";
    GitHub: the body; hmac: its signed_content). Raises Rejected when the headers do not parse."""
    if rule.family in PUBLIC_KEY_SCHEMES:
        return hashlib.sha256(public_key_scheme().signed_content(rule, headers, body)).hexdigest()
    if rule.family in ITEM_SCHEMES:
        return hashlib.sha256(item_signed_content(rule, body)).hexdigest()
    if rule.family in TENANT_SCHEMES:
        return hashlib.sha256(connect_tokens.signed_content(rule, headers)).hexdigest()
    signed, _, _ = SCHEME_PARTS[rule.family](rule, headers, body)
    return hashlib.sha256(signed).hexdigest()


def verify_items(rule: SignatureRule, keys: Sequence[bytes], body: bytes) -> None:
    """Every item of a batch (adyen, microsoft-graph) must verify: one forged item rejects the message."""
    equal = compares_secret(rule)
    for signed, candidates in item_parts(rule, body):
        matched = any_equal(keys, candidates) if equal else any_match(keys, signed, candidates, hashlib.sha256)
        if not matched:
            raise Rejected(INVALID, "an item of the body matches no signing secret")


def any_equal(keys: Sequence[bytes], candidates: Sequence[bytes]) -> bool:
    """A shared secret carried as it is (Graph's clientState): every key against every candidate."""
    matched = False
    for key in keys:
        for candidate in candidates:
            matched |= hmac.compare_digest(key, candidate)
    return matched


def public_key_scheme() -> ModuleType:
    """public_keys.py, imported on first use: it needs cryptography, which is in the layer that
    only the functions serving a public-key source carry (every other function never imports it)."""
    import public_keys

    return public_keys


def event_key_from_header(rule: SignatureRule, header: str, headers: Mapping[str, str], body: bytes) -> str:
    """The key of a message whose event_key is the request header `header`, once it verified.

    A header other than the scheme's signature header (an id or timestamp
    header, or any other) keys by its value as sent. The signature header keys
    by a spelling that is the same for every header value that verifies the
    same signed content, so a replay cannot become a new item by re-spelling it:
    - one signature per header (github, slack, hmac): the prefix and the decoded
      signature re-encoded canonically, lowercase hex or standard padded base64
      (what genuine senders send, so their keys are unchanged);
    - several signatures per header (stripe, standard-webhooks, svix): entries can
      be added, dropped, reordered or re-spelled around a valid one, so the key is
      SIGNED_CONTENT_KEY_PREFIX + signed_content_digest(...).
    Raises Rejected when the signature header does not parse (the caller verified it first).
    """
    if header != rule.signature_header:
        return headers.get(header, "")
    if rule.several_signatures:
        return SIGNED_CONTENT_KEY_PREFIX + signed_content_digest(rule, headers, body)
    prefix, encoding = rule.signature_form
    return prefix + encode_signature(single_signature(rule, headers), encoding)


def encode_signature(signature: bytes, encoding: str) -> str:
    return signature.hex() if encoding == "hex" else base64.b64encode(signature).decode("ascii")


def any_match(keys: Sequence[bytes], signed: bytes, candidates: Sequence[bytes], digest) -> bool:
    """Every key against every candidate, without stopping at the first match."""
    matched = False
    for key in keys:
        expected = hmac.new(key, signed, digest).digest()
        for candidate in candidates:
            matched |= hmac.compare_digest(expected, candidate)
    return matched
