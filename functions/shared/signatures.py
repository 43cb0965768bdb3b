"""Webhook signatures, verified over the exact bytes a sender signed.

An HTTP API authorizer never sees the body, so signatures are checked here,
after the queue: API Gateway carries each signature header as a message
attribute and the consumer verifies the message before anything is stored.

Every scheme is an HMAC over the body, in some cases joined with a timestamp
and a delivery id. A timestamp is compared with when SQS received the message
(SentTimestamp), never with the consumer's clock: a backlog or a redrive hours
later is not a replay. Each comparison is constant-time, and every candidate
signature is compared with every key (rotation: several signatures in one
header, several secrets in the secret).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cached_secret import InvalidSecret

SCHEMES = ("github", "stripe", "standard-webhooks", "svix", "slack", "hmac")
ALGORITHMS = {"sha256": hashlib.sha256, "sha512": hashlib.sha512, "sha1": hashlib.sha1}
ENCODINGS = ("hex", "base64")

MISSING = "signature_missing"
INVALID = "signature_invalid"
OUTSIDE_TOLERANCE = "timestamp_outside_tolerance"

# A header never carries more signatures than this; more is an attack, not a rotation.
MAX_SIGNATURES = 16
MAX_SECRETS = 10
TIMESTAMP = re.compile(r"[0-9]{1,12}")
HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
HEADER_NAME = re.compile(r"[a-z0-9-]{1,100}")
PLACEHOLDER = re.compile(r"\{(id|timestamp)\}")


class Rejected(Exception):
    """The message is not what its sender signed: dead-letter it with `reason`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class SignatureRule:
    """How one source signs. For "hmac", the fields below `tolerance_seconds` say how."""

    scheme: str
    tolerance_seconds: int = 300
    header: str = ""
    algorithm: str = "sha256"
    encoding: str = "hex"
    prefix: str = ""
    signed_content: str = "{body}"
    timestamp_header: str = ""
    id_header: str = ""

    @property
    def headers(self) -> tuple[str, ...]:
        """The request headers the scheme reads (API Gateway carries them as attributes)."""
        return tuple(name for name in SCHEME_HEADERS.get(self.scheme, self._hmac_headers()) if name)

    def _hmac_headers(self) -> tuple[str, ...]:
        return (self.header, self.timestamp_header, self.id_header)


SCHEME_HEADERS: dict[str, tuple[str, ...]] = {
    "github": ("x-hub-signature-256",),
    "stripe": ("stripe-signature",),
    "standard-webhooks": ("webhook-id", "webhook-timestamp", "webhook-signature"),
    "svix": ("svix-id", "svix-timestamp", "svix-signature"),
    "slack": ("x-slack-signature", "x-slack-request-timestamp"),
}


def load_signature(settings: Mapping, where: str) -> SignatureRule:
    """A source's `signature` setting, refused with a clear error when it cannot work."""
    if not isinstance(settings, Mapping) or settings.get("scheme") not in SCHEMES:
        raise ValueError(f"{where}: signature.scheme must be one of {', '.join(SCHEMES)}")
    tolerance = settings.get("tolerance_seconds", 300)
    if not isinstance(tolerance, int) or isinstance(tolerance, bool) or not 1 <= tolerance <= 86400:
        raise ValueError(f"{where}: signature.tolerance_seconds must be a whole number of seconds, 1-86400")
    fields = {key: settings.get(key) or default for key, default in HMAC_DEFAULTS.items()}
    rule = SignatureRule(scheme=settings["scheme"], tolerance_seconds=tolerance, **fields)
    if rule.scheme == "hmac":
        check_hmac(rule, where)
    return rule


HMAC_DEFAULTS = {
    "header": "",
    "algorithm": "sha256",
    "encoding": "hex",
    "prefix": "",
    "signed_content": "{body}",
    "timestamp_header": "",
    "id_header": "",
}


def check_hmac(rule: SignatureRule, where: str) -> None:
    if not HEADER_NAME.fullmatch(rule.header):
        raise ValueError(f"{where}: an hmac signature needs header, a lower-case header name")
    if rule.algorithm not in ALGORITHMS or rule.encoding not in ENCODINGS:
        raise ValueError(f"{where}: algorithm must be one of {', '.join(ALGORITHMS)}, encoding hex or base64")
    for header in (rule.timestamp_header, rule.id_header):
        if header and not HEADER_NAME.fullmatch(header):
            raise ValueError(f"{where}: timestamp_header and id_header are lower-case header names")
    if rule.signed_content.count("{body}") != 1:
        raise ValueError(f"{where}: signed_content must hold {{body}} exactly once")
    if ("{timestamp}" in rule.signed_content) != bool(rule.timestamp_header):
        raise ValueError(f"{where}: {{timestamp}} in signed_content and timestamp_header go together")
    if ("{id}" in rule.signed_content) != bool(rule.id_header):
        raise ValueError(f"{where}: {{id}} in signed_content and id_header go together")


def parse_signing_secrets(rule: SignatureRule, secret_string: str) -> tuple[bytes, ...]:
    """The HMAC keys in a secret: the provider's secret as shown, or a JSON list of
    them during a rotation. Standard Webhooks secrets (whsec_<base64>) key with
    their decoded bytes; every other scheme keys with the text itself (Stripe's
    whsec_ included)."""
    text = secret_string.strip() if isinstance(secret_string, str) else ""
    if text.startswith("["):
        try:
            secrets = json.loads(text)
        except ValueError as error:
            raise InvalidSecret("secret starts with '[' but is not a JSON list") from error
    else:
        secrets = [text]
    if not isinstance(secrets, list) or not 1 <= len(secrets) <= MAX_SECRETS:
        raise InvalidSecret(f"the secret holds a signing secret or a list of 1-{MAX_SECRETS}")
    if not all(isinstance(secret, str) and secret.strip() for secret in secrets):
        raise InvalidSecret("the signing secret is empty: put the provider's signing secret into it")
    return tuple(signing_key(rule, secret.strip()) for secret in secrets)


def signing_key(rule: SignatureRule, secret: str) -> bytes:
    if rule.scheme not in ("standard-webhooks", "svix"):
        return secret.encode("utf-8")
    encoded = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidSecret("a Standard Webhooks secret is whsec_ followed by base64") from error


def verify(rule: SignatureRule, keys: Sequence[bytes], headers: Mapping[str, str], body: bytes, received_at: float) -> None:
    """Return if the body is signed by one of `keys` inside the tolerance; raise Rejected otherwise.

    `headers` holds the scheme's headers by lower-case name ("" when absent);
    `received_at` is when SQS received the message, in Unix seconds.
    """
    missing = [name for name in rule.headers if not headers.get(name)]
    if missing:
        raise Rejected(MISSING, f"no {', '.join(missing)} header")
    signed, candidates, timestamp = SCHEME_PARTS[rule.scheme](rule, headers, body)
    digest = hashlib.sha256 if rule.scheme != "hmac" else ALGORITHMS[rule.algorithm]
    if not any_match(keys, signed, candidates, digest):
        raise Rejected(INVALID, "no signature matches a signing secret")
    if timestamp is not None and abs(received_at - timestamp) > rule.tolerance_seconds:
        raise Rejected(OUTSIDE_TOLERANCE, f"signed {received_at - timestamp:+.0f} s before it was received")


def any_match(keys: Sequence[bytes], signed: bytes, candidates: Sequence[bytes], digest) -> bool:
    """Every key against every candidate, without stopping at the first match."""
    matched = False
    for key in keys:
        expected = hmac.new(key, signed, digest).digest()
        for candidate in candidates:
            matched |= hmac.compare_digest(expected, candidate)
    return matched


def timestamp_of(value: str) -> int:
    if not TIMESTAMP.fullmatch(value):
        raise Rejected(INVALID, "the timestamp is not Unix seconds")
    return int(value)


def hex_signature(value: str) -> bytes:
    if not HEX.fullmatch(value):
        raise Rejected(INVALID, "the signature is not hex")
    return bytes.fromhex(value)


def base64_signature(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise Rejected(INVALID, "the signature is not base64") from error


def bounded(candidates: list[bytes]) -> list[bytes]:
    if not candidates:
        raise Rejected(INVALID, "the header holds no signature of a known version")
    if len(candidates) > MAX_SIGNATURES:
        raise Rejected(INVALID, f"the header holds more than {MAX_SIGNATURES} signatures")
    return candidates


Parts = tuple[bytes, list[bytes], int | None]


def github_parts(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> Parts:
    value = headers["x-hub-signature-256"]
    if not value.startswith("sha256="):
        raise Rejected(INVALID, "X-Hub-Signature-256 does not start with sha256=")
    return body, [hex_signature(value.removeprefix("sha256="))], None


def stripe_parts(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> Parts:
    pairs = [item.partition("=") for item in headers["stripe-signature"].split(",")]
    timestamps = [value.strip() for key, _, value in pairs if key.strip() == "t"]
    if len(timestamps) != 1:
        raise Rejected(INVALID, "Stripe-Signature needs exactly one t=")
    signatures = bounded([hex_signature(value.strip()) for key, _, value in pairs if key.strip() == "v1"])
    return timestamps[0].encode("ascii") + b"." + body, signatures, timestamp_of(timestamps[0])


def standard_webhooks_parts(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> Parts:
    prefix = "svix-" if rule.scheme == "svix" else "webhook-"
    message_id, timestamp = headers[prefix + "id"], headers[prefix + "timestamp"]
    entries = [entry.partition(",") for entry in headers[prefix + "signature"].split(" ") if entry]
    signatures = bounded([base64_signature(value) for version, _, value in entries if version == "v1"])
    signed = f"{message_id}.{timestamp}.".encode() + body
    return signed, signatures, timestamp_of(timestamp)


def slack_parts(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> Parts:
    value, timestamp = headers["x-slack-signature"], headers["x-slack-request-timestamp"]
    if not value.startswith("v0="):
        raise Rejected(INVALID, "X-Slack-Signature does not start with v0=")
    return f"v0:{timestamp}:".encode() + body, [hex_signature(value.removeprefix("v0="))], timestamp_of(timestamp)


def hmac_parts(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> Parts:
    value = headers[rule.header]
    if not value.startswith(rule.prefix):
        raise Rejected(INVALID, f"the signature does not start with {rule.prefix!r}")
    encoded = value.removeprefix(rule.prefix)
    signature = hex_signature(encoded) if rule.encoding == "hex" else base64_signature(encoded)
    timestamp = headers.get(rule.timestamp_header, "") if rule.timestamp_header else None
    before, _, after = rule.signed_content.partition("{body}")
    fill = {"id": headers.get(rule.id_header, ""), "timestamp": timestamp or ""}
    signed = fill_placeholders(before, fill).encode() + body + fill_placeholders(after, fill).encode()
    return signed, [signature], None if timestamp is None else timestamp_of(timestamp)


def fill_placeholders(template: str, values: Mapping[str, str]) -> str:
    """One pass, so a header value that looks like a placeholder stays as it is."""
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


SCHEME_PARTS = {
    "github": github_parts,
    "stripe": stripe_parts,
    "standard-webhooks": standard_webhooks_parts,
    "svix": standard_webhooks_parts,
    "slack": slack_parts,
    "hmac": hmac_parts,
}
