"""Token sources: a secret token in the query string (`?token=...`), or in a request
header the sender lets you fill (GitLab's X-Gitlab-Token, Okta's configured header),
compared in constant time.

The cheap gate in front of senders that cannot send HTTP Basic: it keeps forged
traffic out before a signature is ever computed. A header keeps the token out of
URLs, so out of proxies' and access logs.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable, Mapping

from basic_auth import Malformed
from cached_secret import CachedSecret, InvalidSecret, SecretUnavailable, json_object

QUERY_PARAMETER = "token"
# A generated token is 40 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 512


class InvalidTokenSecret(InvalidSecret):
    """The secret does not hold {"token": "..."} or {"tokens": ["...", ...]}."""


def parse_tokens(secret_string: str) -> tuple[bytes, ...]:
    """Accept {"token": "..."} or {"tokens": [...]} (old and new overlap during a rotation)."""
    document = json_object(secret_string, InvalidTokenSecret)
    tokens = document.get("tokens", [document.get("token")])
    if not isinstance(tokens, list) or not tokens:
        raise InvalidTokenSecret("tokens must be a non-empty list")
    if not all(isinstance(token, str) and 16 <= len(token) <= MAX_TOKEN_LENGTH for token in tokens):
        raise InvalidTokenSecret(f"each token must be a string of 16-{MAX_TOKEN_LENGTH} characters")
    return tuple(token.encode("utf-8") for token in tokens)


def query_token(event: Mapping) -> str | None:
    """The token of a payload-2.0 REQUEST authorizer event, from its query string.

    API Gateway joins repeated parameters with ","; a repeated token is malformed
    (which of the two would a sender mean?).
    """
    parameters = event.get("queryStringParameters")
    value = parameters.get(QUERY_PARAMETER) if isinstance(parameters, Mapping) else None
    if value is None:
        return None
    if not isinstance(value, str) or not value or "," in value or len(value) > MAX_TOKEN_LENGTH:
        raise Malformed("token")
    return value


def header_token(event: Mapping, name: str) -> str | None:
    """The token in the request header `name` (lower-case) of a payload-2.0 REQUEST
    authorizer event. HTTP API lower-cases header names (another proxy may not: matched
    case-insensitively) and joins a repeated header with ","; a repeated token is malformed."""
    headers = event.get("headers")
    if not isinstance(headers, Mapping):
        return None
    values = [value for key, value in headers.items() if isinstance(key, str) and key.lower() == name]
    if not values:
        return None
    value = values[0]
    if len(values) > 1 or not isinstance(value, str) or not value or "," in value or len(value) > MAX_TOKEN_LENGTH:
        raise Malformed("token")
    return value


def token_matches(candidate: str, known: Iterable[bytes]) -> bool:
    """Whether candidate equals one of the known tokens; every one is compared."""
    given = candidate.encode("utf-8")
    matched = False
    for token in known:
        matched |= hmac.compare_digest(given, token)
    return matched


parse_secret = parse_tokens


def decide(event: Mapping, secret: CachedSecret, source: str) -> tuple[dict, str, bool]:
    """(authorizer response, reason category, served from a stale secret): the token from the
    TOKEN_HEADER request header when the function has one, else from the query string."""
    header = os.environ.get("TOKEN_HEADER", "").strip().lower()
    try:
        candidate = header_token(event, header) if header else query_token(event)
    except Malformed:
        return {"isAuthorized": False}, "malformed", False
    if candidate is None:
        return {"isAuthorized": False}, "missing", False
    try:
        tokens, stale = secret.get()
    except SecretUnavailable:
        return {"isAuthorized": False}, "secret_unavailable", False
    if not token_matches(candidate, tokens):
        return {"isAuthorized": False}, "mismatch", stale
    return {"isAuthorized": True, "context": {"principal": f"{source or 'token'}-token"}}, "match", stale
