"""Reading a signature header: the exact bytes a scheme signs, the candidate
signatures the header carries and its timestamp, or Rejected with a reason.

Header values are sender-controlled text: anything that is not what a scheme
expects (non-ASCII digits, lone surrogates, a malformed entry) is Rejected,
never another exception. signatures.py verifies with what these return.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import hmac
import json
import re
import urllib.parse
from collections.abc import Mapping
from datetime import date

from contract import SIGNATURES

from signature_rules import (
    HEX,
    INVALID,
    MAX_SIGNATURES,
    OUTSIDE_TOLERANCE,
    PLACEHOLDER,
    PRESETS,
    TIMESTAMP,
    Pairs,
    Rejected,
    SignatureRule,
)

# Unix milliseconds: 13 digits until the year 2286; 15 leaves room and bounds int().
MILLISECONDS = re.compile(r"[0-9]{1,15}")
# RFC 3339 with ASCII digits only (re.ASCII: int() and the signed bytes must agree), any
# fraction (Twitch sends nanoseconds), Z or an offset.
RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))",
    re.ASCII,
)


def timestamp_of(value: str) -> int:
    # [0-9], not \d or str.isdigit(): int() and the signed bytes must agree on ASCII digits.
    if not TIMESTAMP.fullmatch(value):
        raise Rejected(INVALID, "the timestamp is not Unix seconds")
    return int(value)


def milliseconds_of(value: str) -> float:
    if not MILLISECONDS.fullmatch(value):
        raise Rejected(INVALID, "the timestamp is not Unix milliseconds")
    return int(value) / 1000


def rfc3339_seconds(value: str) -> float:
    """Unix seconds of an RFC 3339 date and time, by arithmetic (calendar.timegm): any year
    0001-9999 with any offset stays a number, never a datetime out of range. A leap second
    (:60) counts as :59; hours over 23, minutes or offsets over 59 are not a time."""
    match = RFC3339.fullmatch(value)
    if match is None:
        raise Rejected(INVALID, "the timestamp is not an RFC 3339 date and time")
    year, month, day, hour, minute, second, fraction, zulu, sign, offset_hours, offset_minutes = match.groups()
    clock = (int(hour), int(minute), int(second))
    offset = (0, 0) if zulu else (int(offset_hours), int(offset_minutes))
    try:
        date(int(year), int(month), int(day))  # February 30th, month 13, year 0
    except ValueError as error:
        raise Rejected(INVALID, "the timestamp is not a date") from error
    if clock[0] > 23 or clock[1] > 59 or clock[2] > 60 or offset[0] > 23 or offset[1] > 59:
        raise Rejected(INVALID, "the timestamp is not a time of day")
    seconds = calendar.timegm((int(year), int(month), int(day), clock[0], clock[1], min(clock[2], 59)))
    seconds -= (1 if sign == "+" else -1) * (offset[0] * 3600 + offset[1] * 60) if not zulu else 0
    return seconds + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)


# Each of the contract's timestamp_formats: a header value in Unix seconds, or Rejected.
TIMESTAMP_READERS = {"unix": timestamp_of, "unix-ms": milliseconds_of, "rfc3339": rfc3339_seconds}


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


def bounded(candidates: list) -> list:
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


Parts = tuple[bytes, list[bytes], float | None]


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
    """An hmac (or preset): a one-signature header, or key=value pairs; {timestamp} from its
    header or pair, as sent; {id} from the id header."""
    if rule.pairs is None:
        candidates = [single_signature(rule, headers)]
        timestamp = headers.get(rule.timestamp_header, "") if rule.timestamp_header else None
    else:
        candidates, timestamp = paired_signatures(rule.pairs, rule.encoding, headers[rule.signature_header])
    seconds = None if timestamp is None else TIMESTAMP_READERS[rule.timestamp_format](timestamp)
    try:
        covered, placeholder = (form_content(body), "{form}") if "{form}" in rule.signed_content else (body, "{body}")
    except Rejected:
        if (other := body_hash_url(rule, body)) is None:
            raise
        return other, candidates, seconds  # no form (Twilio's JSON body): its other reading only
    before, _, after = rule.signed_content.partition(placeholder)
    fill = {"id": headers.get(rule.id_header, ""), "timestamp": timestamp or "", "url": rule.url}
    signed = text_bytes(fill_placeholders(before, fill)) + covered + text_bytes(fill_placeholders(after, fill))
    return signed, candidates, seconds


def body_hash_url(rule: SignatureRule, body: bytes) -> bytes | None:
    """Twilio's other way to sign (a JSON body): the URL it was given with its body's SHA-256 appended
    as a query parameter (contract presets.twilio.body_hash_parameter), the body not signed otherwise;
    twilio-python's RequestValidator.validate with bodySHA256. None for a preset without it. Computed
    from the configured URL and the body: never from a query string the request brings."""
    parameter = PRESETS.get(rule.scheme, {}).get("body_hash_parameter")
    if parameter is None:
        return None
    separator = "&" if "?" in rule.url else "?"
    return text_bytes(f"{rule.url}{separator}{parameter}=") + sha256_hex(body)


def form_content(body: bytes) -> bytes:
    """{form}: a form-encoded body's parameters, decoded, each name once in sorted order followed
    by its distinct values sorted, each name then value with nothing between: what twilio-python's
    RequestValidator.compute_signature signs (sorted(set(names)), sorted(set(values))). Empty
    segments ("a=1&") are skipped, as a web framework's form parser does."""
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=1000)
    except ValueError as error:  # not UTF-8, or over 1000 fields
        raise Rejected(INVALID, "the body is not a form") from error
    values: dict[str, set[str]] = {}
    for name, value in pairs:
        values.setdefault(name, set()).add(value)
    return text_bytes("".join(name + value for name in sorted(values) for value in sorted(values[name])))


def paired_signatures(pairs: Pairs, encoding: str, value: str) -> tuple[list[bytes], str | None]:
    """(the candidate signatures, decoded; the timestamp or None) of a header of several entries.

    key=value entries: every signature_key entry is a candidate, other keys are skipped (a
    sender's newer versions), exactly one timestamp_key entry. Entries without keys (key_value
    "", Recurly's "<ms>,<sig>,<sig>"): the first is the timestamp, every other a candidate."""
    entries = [entry.strip() for entry in value.split(pairs.separator)]
    if not pairs.key_value:
        timestamp, signatures = (entries[0], entries[1:]) if pairs.timestamp_key else (None, entries)
    else:
        keyed = [(key.strip(), entry.strip()) for key, _, entry in (entry.partition(pairs.key_value) for entry in entries)]
        signatures = [entry for key, entry in keyed if key == pairs.signature_key]
        timestamps = [entry for key, entry in keyed if key == pairs.timestamp_key] if pairs.timestamp_key else [None]
        if len(timestamps) != 1:
            raise Rejected(INVALID, f"the signature header needs exactly one {pairs.timestamp_key}{pairs.key_value}")
        timestamp = timestamps[0]
    decode = hex_signature if encoding == "hex" else base64_signature
    return [decode(entry) for entry in bounded(signatures)], timestamp


# A JWS is three base64url segments; a Netlify token is a few hundred bytes.
JWS_SEGMENT = re.compile(r"[A-Za-z0-9_-]{1,4096}")


def jws_parts(rule: SignatureRule, headers: Mapping[str, str], body: bytes) -> Parts:
    """A JWS in a header (Netlify): the algorithm pinned (HS256: never "none", never another
    key type), the issuer, and the body's SHA-256 in a claim; signed is "<header>.<claims>"
    as sent, the candidate the third segment."""
    jws = SIGNATURES["schemes"][rule.scheme]["jws"]
    segments, header, claims = compact_jws(headers[rule.signature_header], "the signature")
    if header.get("alg") != jws["algorithm"]:
        raise Rejected(INVALID, f"the JWS is not {jws['algorithm']}")
    if claims.get("iss") != jws["issuer"]:
        raise Rejected(INVALID, "the JWS names another issuer")
    body_hash = claims.get(jws["body_sha256_claim"])
    if not isinstance(body_hash, str) or not hmac.compare_digest(body_hash.encode("utf-8", "replace"), sha256_hex(body)):
        raise Rejected(INVALID, "the JWS covers another body")
    return signing_input(segments), [base64url(segments[2])], None


def compact_jws(value: str, what: str) -> tuple[list[str], dict, dict]:
    """A compact JWS (Netlify's signature, Google's token): its three segments as sent, and its
    header and claims decoded; Rejected when `what` is not one."""
    segments = value.split(".")
    if len(segments) != 3 or not all(JWS_SEGMENT.fullmatch(segment) for segment in segments):
        raise Rejected(INVALID, f"{what} is not a compact JWS")
    header, claims = (json_segment(segment) for segment in segments[:2])
    return segments, header, claims


def signing_input(segments: list[str]) -> bytes:
    """What a compact JWS's signature covers: its header and claims segments as sent, joined by "."."""
    return f"{segments[0]}.{segments[1]}".encode("ascii")


def within_tolerance(rule: SignatureRule, seconds: float, received_at: float) -> None:
    """Rejected when the signed time is more than the rule's tolerance from when API Gateway received it."""
    if abs(received_at - seconds) > rule.tolerance_seconds:
        raise Rejected(OUTSIDE_TOLERANCE, f"signed {received_at - seconds:+.0f} s before it was received")


def base64url(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except binascii.Error as error:  # a length no base64 has (4n + 1)
        raise Rejected(INVALID, "a JWS segment is not base64url") from error


def json_segment(segment: str) -> dict:
    try:
        document = json.loads(base64url(segment))
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise Rejected(INVALID, "a JWS segment is not JSON") from error
    if not isinstance(document, dict):
        raise Rejected(INVALID, "a JWS segment is not a JSON object")
    return document


def sha256_hex(body: bytes) -> bytes:
    return hashlib.sha256(body).hexdigest().encode("ascii")


def fill_placeholders(template: str, values: Mapping[str, str]) -> str:
    """One pass, so a header value that looks like a placeholder stays as it is."""
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


# Each HMAC scheme that reads its signature from headers (signatures.SCHEME_PARTS adds the body's).
HEADER_PARTS = {
    "github": github_parts,
    "stripe": stripe_parts,
    "standard-webhooks": standard_webhooks_parts,
    "svix": standard_webhooks_parts,
    "slack": slack_parts,
    "netlify": jws_parts,
    "hmac": hmac_parts,
}
