"""HTTP Basic credentials: parsing the header and comparing in constant time."""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cached_secret import CachedSecret, InvalidSecret, SecretUnavailable, json_object

# Longest token we decode. A real Basic token is a few hundred bytes; refusing
# early keeps a hostile 1 MB header from costing base64 work on every request.
MAX_TOKEN_LENGTH = 4096

# API Gateway writes the principal into the SQS MessageAttributes JSON as it is:
# a '"' or '\\' would break or rewrite every message of that sender.
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9._@+-]{1,128}")


@dataclass(frozen=True)
class Credential:
    username: bytes
    password: bytes


class Malformed(ValueError):
    """The Authorization header is present but is not valid HTTP Basic."""


def authorization_header(event: Mapping) -> str | None:
    """The Authorization value of a payload-2.0 REQUEST authorizer event.

    HTTP API lower-cases header names, but a test console or another proxy may
    not, so match case-insensitively; fall back to identitySource, which holds
    the value when the authorizer's identity source is the header.
    """
    headers = event.get("headers")
    if isinstance(headers, Mapping):
        for name, value in headers.items():
            if isinstance(name, str) and name.lower() == "authorization" and isinstance(value, str):
                return value
    identity_source = event.get("identitySource")
    if not isinstance(identity_source, list):
        return None
    # Other identity sources (e.g. $context.routeKey, added to scope the cache)
    # may sit beside the header: prefer a value that looks like Basic.
    values = [value for value in identity_source if isinstance(value, str) and value.strip()]
    for value in values:
        if value.strip()[:6].lower() == "basic ":
            return value
    return values[0] if values else None


def parse_basic(header: str) -> Credential:
    """Decode `Basic <base64(user:password)>`, strictly (RFC 7617).

    Raises Malformed for anything that is not exactly that: another scheme,
    non-canonical or invalid base64, bytes that are not UTF-8, no colon, or an
    empty username or password.
    """
    scheme, separator, token = header.strip().partition(" ")
    if not separator or scheme.lower() != "basic":
        raise Malformed("scheme")
    token = token.strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Malformed("token length")
    try:
        raw = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError) as error:
        raise Malformed("base64") from error
    # Canonical form only: rejects stray bits in the last group and padding games
    # that lenient decoders accept, so one credential has exactly one spelling.
    if base64.b64encode(raw).decode("ascii") != token:
        raise Malformed("non-canonical base64")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Malformed("utf-8") from error
    username, colon, password = decoded.partition(":")
    if not colon or not username or not password:
        raise Malformed("user-pass")
    return Credential(username.encode("utf-8"), password.encode("utf-8"))


def matching_username(candidate: Credential, known: Iterable[Credential]) -> str | None:
    """The username of the known credential equal to candidate, else None.

    Every field of every credential is compared (no short-circuit `and`, no
    early return), so the time taken says nothing about which part was wrong.
    """
    matched: str | None = None
    for credential in known:
        username_equal = hmac.compare_digest(candidate.username, credential.username)
        password_equal = hmac.compare_digest(candidate.password, credential.password)
        if username_equal & password_equal and matched is None:
            matched = credential.username.decode("utf-8")
    return matched


def parse_credentials(secret_string: str) -> tuple[Credential, ...]:
    """Accept {"username", "password"} or {"credentials": [{...}, ...]}.

    The list form lets several senders have their own credentials, and old and
    new credentials overlap during a rotation.
    """
    document = json_object(secret_string)
    entries = document.get("credentials", [document])
    if not isinstance(entries, list) or not entries:
        raise InvalidSecret("credentials must be a non-empty list")
    credentials = []
    for entry in entries:
        username = entry.get("username") if isinstance(entry, dict) else None
        password = entry.get("password") if isinstance(entry, dict) else None
        if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
            raise InvalidSecret("each credential needs a non-empty string username and password")
        if not USERNAME_PATTERN.fullmatch(username):
            raise InvalidSecret("usernames are 1-128 characters of letters, digits, '.', '_', '@', '+' or '-'")
        credentials.append(Credential(username.encode("utf-8"), password.encode("utf-8")))
    return tuple(credentials)


parse_secret = parse_credentials


def decide(event: Mapping, secret: CachedSecret, source: str) -> tuple[dict, str, bool]:
    """(authorizer response, reason category, served from a stale secret): the username is the principal."""
    header = authorization_header(event)
    if header is None:
        return {"isAuthorized": False}, "missing", False
    try:
        candidate = parse_basic(header)
    except Malformed:
        return {"isAuthorized": False}, "malformed", False
    try:
        credentials, stale = secret.get()
    except SecretUnavailable:
        return {"isAuthorized": False}, "secret_unavailable", False
    principal = matching_username(candidate, credentials)
    if principal is None:
        return {"isAuthorized": False}, "mismatch", stale
    return {"isAuthorized": True, "context": {"principal": principal}}, "match", stale
