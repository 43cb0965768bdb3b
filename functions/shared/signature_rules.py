"""Signature schemes as settings: what each scheme reads, how a source configures
one (load_signature); which keys a signing secret holds is signing_keys.py's.

Split from signatures.py, which re-exports what the consumer and the edge use, so
they import `signatures` only; the verifiers beside it (signature_parts.py: a
signature header into signed bytes and candidates; body_signatures.py,
public_keys.py, signed_tokens.py, connect_tokens.py) import this module directly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from contract import CONTRACT, SIGNATURES

# The schemes, their headers, the hmac defaults and the reasons are contract.json's
# (Terraform reads the same file): the names below are views of it.
# Named senders (shopify, zoom, ...): an hmac whose settings the contract holds.
PRESETS: dict[str, dict] = {name: preset for name, preset in SIGNATURES["presets"].items() if not name.startswith("_")}
SCHEMES = tuple(SIGNATURES["schemes"]) + tuple(PRESETS)
ALGORITHMS = {name: getattr(hashlib, name) for name in SIGNATURES["algorithms"]}
ENCODINGS = tuple(SIGNATURES["encodings"])
TOLERANCE = SIGNATURES["tolerance_seconds"]
TIMESTAMP_FORMATS = tuple(SIGNATURES["timestamp_formats"])
PAIRS_DEFAULTS = SIGNATURES["pairs_defaults"]

MISSING = SIGNATURES["reasons"]["missing"]
INVALID = SIGNATURES["reasons"]["invalid"]
OUTSIDE_TOLERANCE = SIGNATURES["reasons"]["outside_tolerance"]

# A header never carries more signatures than this; more is an attack, not a rotation.
MAX_SIGNATURES = 16
TIMESTAMP = re.compile(r"[0-9]{1,12}")
HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
HEADER_NAME = re.compile(CONTRACT["event_key"]["header_name"])
PLACEHOLDER = re.compile(r"\{(id|timestamp|url)\}")
# What a signature covers of the body: the bytes as sent, or (Twilio) the form's
# parameters sorted by name, each name then value.
BODY_PLACEHOLDERS = ("{body}", "{form}")
# The URL a sender signs is the one it was given (url), never a Host header a sender controls.
# ASCII whitespace only (Terraform's [[:space:]]); load_signature bounds the length to 2,048 as Terraform does.
PUBLIC_URL = re.compile(r"https?://[^\t\n\v\f\r ]+")
MAX_URL_LENGTH = 2048
# A URL a token binds (jira-connect): scheme, a host (no brackets: no IPv6 literal), RFC 3986's characters.
REQUEST_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?][A-Za-z0-9\-._~!$&()*+,;=:@/?%]*)?")


class Rejected(Exception):
    """The message is not what its sender signed: dead-letter it with `reason`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Pairs:
    """A signature header of several entries: key=value (Stripe-like, any spelling: Calendly and Mux
    "t=...,v1=...", Paddle "ts=...;h1=...", PagerDuty "v1=...,v1=..." without a timestamp), or
    entries without keys (key_value "": Recurly "<timestamp>,<signature>,<signature>")."""

    separator: str = PAIRS_DEFAULTS["separator"]
    key_value: str = PAIRS_DEFAULTS["key_value"]
    timestamp_key: str = PAIRS_DEFAULTS["timestamp_key"]  # "": the header has no timestamp
    signature_key: str = PAIRS_DEFAULTS["signature_key"]


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
    timestamp_format: str = SIGNATURES["hmac_defaults"]["timestamp_format"]
    pairs: Pairs | None = None
    url: str = ""  # {url}: the public URL the sender was given, query string included

    @property
    def family(self) -> str:
        """Which code reads the headers: a preset is an hmac with its settings from the contract."""
        return "hmac" if self.scheme in PRESETS else self.scheme

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
        return self.scheme in MULTI_SIGNATURE_SCHEMES or self.pairs is not None

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
# Schemes verified with a public key (public_keys.py, which needs the layer holding cryptography).
PUBLIC_KEY_SCHEMES = frozenset(name for name, scheme in SIGNATURES["schemes"].items() if "public_key" in scheme)
# Schemes whose key is chosen by the token, one per tenant (jira-connect: the installation's shared secret).
TENANT_SCHEMES = frozenset(name for name, scheme in SIGNATURES["schemes"].items() if "tenant_jwt" in scheme)
# Schemes whose body is a batch of items, each verified (adyen's HMAC, microsoft-graph's clientState).
ITEM_SCHEMES = frozenset(name for name, scheme in SIGNATURES["schemes"].items() if "items" in scheme)
# A single-signature header is prefix + encoded digest; "hmac" configures its own.
SINGLE_SIGNATURE_FORMS: dict[str, tuple[str, str]] = {
    name: (scheme["prefix"], scheme["encoding"]) for name, scheme in SIGNATURES["schemes"].items() if "prefix" in scheme
}
# The key prefix for a multi-signature header: the digest of the signed content follows.
SIGNED_CONTENT_KEY_PREFIX = "signed-sha256:"


def load_signature(settings: Mapping, where: str) -> SignatureRule:
    """A source's `signature` setting, refused with a clear error when it cannot work.

    A preset's settings are the contract's: a user names the sender, nothing more;
    header, timestamp_header, id_header or pairs beside it are refused (as in Terraform)."""
    if not isinstance(settings, Mapping) or settings.get("scheme") not in SCHEMES:
        raise ValueError(f"{where}: signature.scheme must be one of {', '.join(SCHEMES)}")
    tolerance = settings.get("tolerance_seconds", TOLERANCE["default"])
    low, high = TOLERANCE["min"], TOLERANCE["max"]
    if not isinstance(tolerance, int) or isinstance(tolerance, bool) or not low <= tolerance <= high:
        raise ValueError(f"{where}: signature.tolerance_seconds must be a whole number of seconds, {low}-{high}")
    given = PRESETS.get(settings["scheme"], settings)
    if given is not settings and any(settings.get(key) is not None for key in PRESET_OWNS):
        raise ValueError(
            f"{where}: scheme {settings['scheme']} brings its own {', '.join(PRESET_OWNS)}: leave them out, or use hmac"
        )
    fields = {key: given.get(key) or default for key, default in HMAC_DEFAULTS.items()}
    pairs = pairs_of(given.get("pairs"), where)
    url = settings.get("url") or ""  # the user's, also with a preset: only they know where the sender posts
    rule = SignatureRule(scheme=settings["scheme"], tolerance_seconds=tolerance, pairs=pairs, url=url, **fields)
    if rule.family == "hmac":
        check_hmac(rule, where)
    if rule.family in TENANT_SCHEMES and not (public_url(url) and REQUEST_URL.fullmatch(url)):
        # The token binds the URL the app gave Jira (qsh): without it, any URL's token would do. RFC 3986's
        # characters only: others Atlassian's library encodes or rewrites (' as %27, a backslash as /), so hashes would differ.
        raise ValueError(
            f"{where}: scheme {rule.scheme} needs url, the http(s):// URL the app's descriptor gives Jira, "
            "in RFC 3986's characters (percent-encode any other)"
        )
    if rule.family in PUBLIC_KEY_SCHEMES:
        # Now, with the settings: a function deployed without the layer fails as it starts, not
        # later as a signing secret that cannot be read (its requests would wait, or pass the edge).
        import public_keys  # noqa: F401
    return rule


# What a preset sets and a user cannot (the same list as the consumer module's validation).
PRESET_OWNS = ("header", "timestamp_header", "id_header", "pairs")
HMAC_DEFAULTS = {"header": "", **SIGNATURES["hmac_defaults"], "timestamp_header": "", "id_header": ""}


def pairs_of(settings: object, where: str) -> Pairs | None:
    """The `pairs` setting: null keeps a one-signature header; a missing key takes pairs_defaults;
    timestamp_key "" (or null in JSON: Terraform turns a null into the default "t") means the
    header holds no timestamp."""
    if settings is None:
        return None
    if not isinstance(settings, Mapping) or set(settings) - set(PAIRS_DEFAULTS):
        raise ValueError(f"{where}: pairs takes {', '.join(PAIRS_DEFAULTS)}")
    values = {key: settings.get(key, default) for key, default in PAIRS_DEFAULTS.items()}
    values["timestamp_key"] = values["timestamp_key"] or ""
    if not all(isinstance(value, str) for value in values.values()):
        raise ValueError(f"{where}: pairs' separators and keys are text")
    if not (values["separator"] and values["signature_key"]) or values["separator"] == values["key_value"]:
        raise ValueError(
            f'{where}: pairs needs a separator, a different key_value separator ("": entries without keys) and a signature_key'
        )
    return Pairs(**values)


def check_hmac(rule: SignatureRule, where: str) -> None:
    if not HEADER_NAME.fullmatch(rule.header):
        raise ValueError(f"{where}: an hmac signature needs header, a lower-case header name")
    if rule.algorithm not in ALGORITHMS or rule.encoding not in ENCODINGS:
        raise ValueError(f"{where}: algorithm must be one of {', '.join(ALGORITHMS)}, encoding {' or '.join(ENCODINGS)}")
    if rule.timestamp_format not in TIMESTAMP_FORMATS:
        raise ValueError(f"{where}: timestamp_format must be one of {', '.join(TIMESTAMP_FORMATS)}")
    for header in (rule.timestamp_header, rule.id_header):
        if header and not HEADER_NAME.fullmatch(header):
            raise ValueError(f"{where}: timestamp_header and id_header are lower-case header names")
    if sum(rule.signed_content.count(placeholder) for placeholder in BODY_PLACEHOLDERS) != 1:
        raise ValueError(f"{where}: signed_content must hold {{body}} (or {{form}}) exactly once")
    if ("{url}" in rule.signed_content) != bool(rule.url) or (rule.url and not public_url(rule.url)):
        raise ValueError(f"{where}: {{url}} in signed_content and url (the https:// URL the sender was given) go together")
    timestamp_from = rule.pairs.timestamp_key if rule.pairs is not None else rule.timestamp_header
    if rule.pairs is not None and rule.timestamp_header:
        raise ValueError(f"{where}: with pairs, the timestamp is the header's timestamp_key entry, not a timestamp_header")
    if ("{timestamp}" in rule.signed_content) != bool(timestamp_from):
        raise ValueError(f"{where}: {{timestamp}} in signed_content and timestamp_header (or pairs.timestamp_key) go together")
    if ("{id}" in rule.signed_content) != bool(rule.id_header):
        raise ValueError(f"{where}: {{id}} in signed_content and id_header go together")


def public_url(url: str) -> bool:
    return len(url) <= MAX_URL_LENGTH and PUBLIC_URL.fullmatch(url) is not None
