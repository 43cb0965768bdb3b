"""sources.<name>.response: what an accepted request is answered instead of the JSON receipt.

Twilio's empty TwiML, Salesforce's acknowledgement, Adyen's [accepted]: exactly as configured,
and only once the message is durable (a failure to queue is still a 500, never this answer).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from edge_messages import Request

# A content type is one header line: printable ASCII, bounded.
CONTENT_TYPE = re.compile(r"[\x21-\x7e][\x20-\x7e]{0,254}")
MAX_RESPONSE_BODY = 64 * 1024


@dataclass(frozen=True)
class FixedResponse:
    status: int
    content_type: str
    body: str = ""


def parse(where: str, settings: Any) -> FixedResponse:
    if not isinstance(settings, Mapping) or set(settings) - {"status", "content_type", "body"}:
        raise ValueError(f"{where}: response takes status, content_type and body only")
    status, content_type, body = settings.get("status"), settings.get("content_type"), settings.get("body", "")
    if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 299:
        raise ValueError(f"{where}: response.status must be a success status, 200-299")
    if not isinstance(content_type, str) or not CONTENT_TYPE.fullmatch(content_type):
        raise ValueError(f"{where}: response.content_type must be a media type (printable ASCII)")
    size = utf8_size(body) if isinstance(body, str) else None
    if size is None or size > MAX_RESPONSE_BODY:
        raise ValueError(f"{where}: response.body must be text of at most {MAX_RESPONSE_BODY} bytes")
    return FixedResponse(status, content_type, body)


def answer(rule: FixedResponse, request: Request, accepted: dict[str, Any]) -> dict[str, Any]:
    """The configured answer, exactly as configured, in place of the receipt."""
    return {
        "statusCode": rule.status,
        "headers": {"content-type": rule.content_type},
        "body": rule.body,
        "isBase64Encoded": False,
    }


def utf8_size(text: str) -> int | None:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate from a JSON escape: no response can carry it
        return None
