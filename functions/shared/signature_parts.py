"""Reading a signature header: the exact bytes a scheme signs, the candidate
signatures the header carries and its timestamp, or Rejected with a reason.

Header values are sender-controlled text: anything that is not what a scheme
expects (non-ASCII digits, lone surrogates, a malformed entry) is Rejected,
never another exception. signatures.py verifies with what these return.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from contract import SIGNATURES
from signature_rules import HEX, INVALID, MAX_SIGNATURES, PLACEHOLDER, TIMESTAMP, Rejected, SignatureRule


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
