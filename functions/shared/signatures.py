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
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from contract import SIGNATURES

from cached_secret import InvalidSecret

# The schemes, their headers, the hmac defaults and the reasons are contract.json's
# (Terraform reads the same file): the names below are views of it.
SCHEMES = tuple(SIGNATURES["schemes"])
ALGORITHMS = {name: getattr(hashlib, name) for name in SIGNATURES["algorithms"]}
ENCODINGS = tuple(SIGNATURES["encodings"])
TOLERANCE = SIGNATURES["tolerance_seconds"]

MISSING = SIGNATURES["reasons"]["missing"]
INVALID = SIGNATURES["reasons"]["invalid"]
OUTSIDE_TOLERANCE = SIGNATURES["reasons"]["outside_tolerance"]

# A header never carries more signatures than this; more is an attack, not a rotation.
MAX_SIGNATURES = 16
MAX_SECRETS = 10
TIMESTAMP = re.compile(r"[0-9]{1,12}")
HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
HEADER_NAME = re.compile(r"[a-z0-9-]{1,100}")
PLACEHOLDER = re.compile(r"\{(id|timestamp)\}")
# What is taken off a secret and each entry of a rotation list: ASCII whitespace
# (space, tab, CR, LF, VT, FF) at either end, what `echo`, a copied line or a
# pasted indent adds. No sender issues a secret that begins or ends with it.
SECRET_PADDING = " \t\r\n\v\f"  # noqa: S105 (characters, not a password)


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
    tolerance_seconds: int = TOLERANCE["default"]
    header: str = ""
    algorithm: str = SIGNATURES["hmac_defaults"]["algorithm"]
    encoding: str = SIGNATURES["hmac_defaults"]["encoding"]
    prefix: str = SIGNATURES["hmac_defaults"]["prefix"]
    signed_content: str = SIGNATURES["hmac_defaults"]["signed_content"]
    timestamp_header: str = ""
    id_header: str = ""

    @property
    def headers(self) -> tuple[str, ...]:
        """The request headers the scheme reads (API Gateway carries them as attributes)."""
        return tuple(name for name in SCHEME_HEADERS.get(self.scheme, self._hmac_headers()) if name)

    def _hmac_headers(self) -> tuple[str, ...]:
        return (self.header, self.timestamp_header, self.id_header)

    @property
    def signature_header(self) -> str:
        """The header that holds the signature(s), by lower-case name."""
        return SIGNATURE_HEADERS.get(self.scheme, self.header)

    @property
    def several_signatures(self) -> bool:
        """True when the signature header may hold several signatures (a sender's key rotation)."""
        return self.scheme in MULTI_SIGNATURE_SCHEMES

    @property
    def signature_form(self) -> tuple[str, str]:
        """(prefix, encoding) of a single-signature scheme's header value, e.g. ("sha256=", "hex")."""
        return SINGLE_SIGNATURE_FORMS.get(self.scheme, (self.prefix, self.encoding))


# The headers each fixed scheme reads; "hmac" names its own (SignatureRule.header...).
SCHEME_HEADERS: dict[str, tuple[str, ...]] = {
    name: tuple(scheme["headers"]) for name, scheme in SIGNATURES["schemes"].items() if "headers" in scheme
}
# Which of a scheme's headers holds the signature; "hmac" names its own (SignatureRule.header).
SIGNATURE_HEADERS: dict[str, str] = {
    name: scheme["signature_header"] for name, scheme in SIGNATURES["schemes"].items() if "signature_header" in scheme
}
# Headers that list one signature per active secret (Stripe: t=...,v1=...,v1=...; Standard
# Webhooks and Svix: "v1,<b64> v1,<b64>"); the others carry exactly one.
MULTI_SIGNATURE_SCHEMES = frozenset(name for name, scheme in SIGNATURES["schemes"].items() if scheme.get("several_signatures"))
# A single-signature header is prefix + encoded digest; "hmac" configures its own.
SINGLE_SIGNATURE_FORMS: dict[str, tuple[str, str]] = {
    name: (scheme["prefix"], scheme["encoding"]) for name, scheme in SIGNATURES["schemes"].items() if "prefix" in scheme
}
# The key prefix for a multi-signature header: the digest of the signed content follows.
SIGNED_CONTENT_KEY_PREFIX = "signed-sha256:"


def load_signature(settings: Mapping, where: str) -> SignatureRule:
    """A source's `signature` setting, refused with a clear error when it cannot work."""
    if not isinstance(settings, Mapping) or settings.get("scheme") not in SCHEMES:
        raise ValueError(f"{where}: signature.scheme must be one of {', '.join(SCHEMES)}")
    tolerance = settings.get("tolerance_seconds", TOLERANCE["default"])
    low, high = TOLERANCE["min"], TOLERANCE["max"]
    if not isinstance(tolerance, int) or isinstance(tolerance, bool) or not low <= tolerance <= high:
        raise ValueError(f"{where}: signature.tolerance_seconds must be a whole number of seconds, {low}-{high}")
    fields = {key: settings.get(key) or default for key, default in HMAC_DEFAULTS.items()}
    rule = SignatureRule(scheme=settings["scheme"], tolerance_seconds=tolerance, **fields)
    if rule.scheme == "hmac":
        check_hmac(rule, where)
    return rule


HMAC_DEFAULTS = {"header": "", **SIGNATURES["hmac_defaults"], "timestamp_header": "", "id_header": ""}


def check_hmac(rule: SignatureRule, where: str) -> None:
    if not HEADER_NAME.fullmatch(rule.header):
        raise ValueError(f"{where}: an hmac signature needs header, a lower-case header name")
    if rule.algorithm not in ALGORITHMS or rule.encoding not in ENCODINGS:
        raise ValueError(f"{where}: algorithm must be one of {', '.join(ALGORITHMS)}, encoding {' or '.join(ENCODINGS)}")
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
    """The HMAC keys in a secret: the provider's signing secret as shown, or, during a
    rotation, a JSON array of 1-10 of them.

    Exactly one thing is stripped: ASCII whitespace (SECRET_PADDING) at both ends
    of the value and of each entry of a rotation list; whitespace inside a secret
    is kept. Only a value that parses as a JSON array whose entries are all
    non-empty strings (after stripping) is a rotation list; any other value,
    including one that starts with "[" ("[abc", "[]", "[1]", '[""]'), is the
    literal secret. A value that is empty or only whitespace is refused
    (InvalidSecret: the messages wait, they are not forgeries), as is a rotation
    list of more than 10 secrets.

    Standard Webhooks and Svix secrets (whsec_<base64>) key with their decoded
    bytes; every other scheme keys with the text's UTF-8 bytes (Stripe's whsec_ included).
    """
    text = secret_string.strip(SECRET_PADDING) if isinstance(secret_string, str) else ""
    secrets = rotation_list(text)
    if secrets is None:
        if not text:
            raise InvalidSecret("the signing secret is empty: put the provider's signing secret into it")
        secrets = [text]
    if len(secrets) > MAX_SECRETS:
        raise InvalidSecret(f"a rotation list holds at most {MAX_SECRETS} signing secrets")
    return tuple(signing_key(rule, secret) for secret in secrets)


def rotation_list(text: str) -> list[str] | None:
    """The stripped secrets of a JSON array of non-empty strings; None for any other text (a literal secret)."""
    if not text.startswith("["):
        return None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(parsed, list) or not parsed or not all(isinstance(entry, str) for entry in parsed):
        return None
    entries = [entry.strip(SECRET_PADDING) for entry in parsed]
    return entries if all(entries) else None


def signing_key(rule: SignatureRule, secret: str) -> bytes:
    if rule.scheme not in ("standard-webhooks", "svix"):
        try:
            return secret.encode("utf-8")
        except UnicodeEncodeError as error:  # a lone surrogate from a JSON escape
            raise InvalidSecret("the signing secret is not valid text") from error
    encoded = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidSecret("a Standard Webhooks secret is whsec_ followed by base64") from error


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
    signed, candidates, timestamp = SCHEME_PARTS[rule.scheme](rule, headers, body)
    digest = hashlib.sha256 if rule.scheme != "hmac" else ALGORITHMS[rule.algorithm]
    if not any_match(keys, signed, candidates, digest):
        raise Rejected(INVALID, "no signature matches a signing secret")
    if timestamp is not None and abs(received_at - timestamp) > rule.tolerance_seconds:
        raise Rejected(OUTSIDE_TOLERANCE, f"signed {received_at - timestamp:+.0f} s before it was received")


def signed_content_digest(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> str:
    """Lowercase hex SHA-256 of exactly the bytes the signature covers (Stripe: "{t}.{body}";
    Standard Webhooks and Svix: "{id}.{timestamp}.{body}"; Slack: "v0:{timestamp}:{body}";
    GitHub: the body; hmac: its signed_content). Raises Rejected when the headers do not parse."""
    signed, _, _ = SCHEME_PARTS[rule.scheme](rule, headers, body)
    return hashlib.sha256(signed).hexdigest()


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


def timestamp_of(value: str) -> int:
    # [0-9], not \d or str.isdigit(): int() and the signed bytes must agree on ASCII digits.
    if not TIMESTAMP.fullmatch(value):
        raise Rejected(INVALID, "the timestamp is not Unix seconds")
    return int(value)


def text_bytes(value: str) -> bytes:
    """A header value's UTF-8 bytes (what senders sign); a lone surrogate has none."""
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise Rejected(INVALID, "a signature header is not valid text") from error


def hex_signature(value: str) -> bytes:
    if not HEX.fullmatch(value):
        raise Rejected(INVALID, "the signature is not hex")
    return bytes.fromhex(value)


def base64_signature(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:  # non-ASCII text is a ValueError
        raise Rejected(INVALID, "the signature is not base64") from error


def bounded(candidates: list[bytes]) -> list[bytes]:
    if not candidates:
        raise Rejected(INVALID, "the header holds no signature of a known version")
    if len(candidates) > MAX_SIGNATURES:
        raise Rejected(INVALID, f"the header holds more than {MAX_SIGNATURES} signatures")
    return candidates


def single_signature(rule: SignatureRule, headers: Mapping[str, str]) -> bytes:
    """The decoded signature of a one-signature header (github, slack, hmac): prefix + hex or base64."""
    prefix, encoding = rule.signature_form
    value = headers[rule.signature_header]
    if not value.startswith(prefix):
        raise Rejected(INVALID, f"the signature does not start with {prefix!r}")
    encoded = value.removeprefix(prefix)
    return hex_signature(encoded) if encoding == "hex" else base64_signature(encoded)


Parts = tuple[bytes, list[bytes], int | None]


def github_parts(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> Parts:
    return body, [single_signature(rule, headers)], None


def stripe_parts(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> Parts:
    pairs = [item.partition("=") for item in headers[rule.signature_header].split(",")]
    timestamps = [value.strip() for key, _, value in pairs if key.strip() == "t"]
    if len(timestamps) != 1:
        raise Rejected(INVALID, "Stripe-Signature needs exactly one t=")
    timestamp = timestamp_of(timestamps[0])  # ASCII digits only, before they become signed bytes
    signatures = bounded([hex_signature(value.strip()) for key, _, value in pairs if key.strip() == "v1"])
    return timestamps[0].encode("ascii") + b"." + body, signatures, timestamp


def standard_webhooks_parts(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> Parts:
    scheme = SIGNATURES["schemes"][rule.scheme]
    message_id, timestamp = headers[scheme["id_header"]], headers[scheme["timestamp_header"]]
    seconds = timestamp_of(timestamp)
    entries = [entry.partition(",") for entry in headers[rule.signature_header].split(" ") if entry]
    signatures = bounded([base64_signature(value) for version, _, value in entries if version == "v1"])
    signed = text_bytes(message_id) + f".{timestamp}.".encode("ascii") + body  # digits as sent
    return signed, signatures, seconds


def slack_parts(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> Parts:
    timestamp = headers[SIGNATURES["schemes"][rule.scheme]["timestamp_header"]]
    seconds = timestamp_of(timestamp)  # ASCII digits only, before they become signed bytes
    return f"v0:{timestamp}:".encode("ascii") + body, [single_signature(rule, headers)], seconds


def hmac_parts(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> Parts:
    signature = single_signature(rule, headers)
    timestamp = headers.get(rule.timestamp_header, "") if rule.timestamp_header else None
    seconds = None if timestamp is None else timestamp_of(timestamp)
    before, _, after = rule.signed_content.partition("{body}")
    fill = {"id": headers.get(rule.id_header, ""), "timestamp": timestamp or ""}
    signed = text_bytes(fill_placeholders(before, fill)) + body + text_bytes(fill_placeholders(after, fill))
    return signed, [signature], seconds


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
