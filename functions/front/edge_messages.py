"""What the edge reads and answers: a Request (header names lower-cased, query decoded) and a
Response (explicit non-HTML content type, nosniff), and the small readers the handshake presets
share (handshakes.py). Pure: the standard library only.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# Handshake bodies are a few hundred bytes; a larger body is an event, never parsed here.
MAX_HANDSHAKE_BODY = 16 * 1024

TEXT = "text/plain; charset=utf-8"
JSON = "application/json"


@dataclass(frozen=True)
class Request:
    """What a handshake reads: header names lower-cased, query parameters decoded."""

    method: str
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", self.method.upper())
        object.__setattr__(self, "headers", {name.lower(): value for name, value in self.headers.items()})


@dataclass(frozen=True)
class Response:
    """What the edge answers. `learned_secret` (asana, notion) is for the caller to store, never to log."""

    status: int
    headers: Mapping[str, str]
    body: bytes = b""
    learned_secret: str | None = None

    def __repr__(self) -> str:  # header names and sizes only: values may be secrets (asana)
        return f"Response(status={self.status}, headers={sorted(self.headers)}, body=<{len(self.body)} bytes>)"


def parse_query(raw_query: str) -> dict[str, str]:
    """Decode a raw query string ("+" and %XX); repeated names are joined with commas, as
    API Gateway's queryStringParameters join them, so both inputs give the same answer."""
    try:
        pairs = urllib.parse.parse_qsl(raw_query, keep_blank_values=True, max_num_fields=100)
    except ValueError:  # more than 100 parameters: no handshake looks like that
        return {}
    query: dict[str, str] = {}
    for name, value in pairs:
        query[name] = f"{query[name]},{value}" if name in query else value
    return query


def respond(
    status: int, content_type: str, body: bytes, extra: Mapping[str, str] | None = None, learned_secret: str | None = None
) -> Response:
    headers = {"content-type": content_type, "x-content-type-options": "nosniff", **(extra or {})}
    return Response(status, MappingProxyType(headers), body, learned_secret)  # read-only: MALFORMED is shared


def plain(value: str) -> Response:
    return respond(200, TEXT, value.encode("ascii"))


def as_json(document: Mapping[str, str]) -> Response:
    return respond(200, JSON, json.dumps(document, separators=(",", ":")).encode("ascii"))


# Refusals carry a fixed reason, never the request's content.
MALFORMED = respond(400, TEXT, b"malformed handshake challenge")
WRONG_VERIFY_TOKEN = respond(403, TEXT, b"wrong verify token")


def well_formed(value: object, pattern: re.Pattern[str]) -> str | None:
    return value if isinstance(value, str) and pattern.fullmatch(value) else None


def json_body(body: bytes, marker: bytes) -> dict | None:
    """The body as a JSON object when it may be a handshake: small and holding `marker`
    (a cheap test first, so an ordinary event is not parsed here); None otherwise."""
    if len(body) > MAX_HANDSHAKE_BODY or marker not in body:
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return document if isinstance(document, dict) else None
