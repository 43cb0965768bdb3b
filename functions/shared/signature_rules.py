"""Signature schemes as settings: what each scheme reads, how a source configures
one (load_signature), and which keys a signing secret holds (parse_signing_secrets).

Split from signatures.py, which re-exports every public name here: the rest of
the code imports `signatures` only. Verification is signatures.py's; parsing a
signature header into signed bytes and candidates is signature_parts.py's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
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
