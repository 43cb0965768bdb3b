"""Lambda proxy integrations (payload 2.0): the event, Lambda's size limit, the answer relayed."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .routing import ApiContext, Route

# Lambda refuses a synchronous invocation whose event is this large or larger
# (RequestEntityTooLargeException); API Gateway's HTTP API takes 10 MB bodies.
LAMBDA_MAX_EVENT_BYTES = 6 * 1024 * 1024
HTTP_API_MAX_BODY_BYTES = 10 * 1024 * 1024
TOO_LARGE = (413, {"message": "Request Entity Too Large"})


def proxy_event_bytes(event: Mapping[str, Any]) -> int:
    """The size Lambda's payload limit counts: the event as UTF-8 JSON. Non-ASCII text
    travels as its UTF-8 bytes (2 for é, 4 for an emoji), not as \\u escapes (6 and 12),
    which would refuse a 2.2 MB body of é that AWS accepts. JSON's own escapes (quotes,
    backslashes, control characters) are counted, as they are sent."""
    return len(json.dumps(event, ensure_ascii=False).encode("utf-8"))


@dataclass(frozen=True)
class RawAnswer:
    """A proxy function's answer that is not JSON (a handshake's text/plain challenge, a
    fixed TwiML response): relayed as API Gateway does, its headers and bytes as given."""

    headers: Mapping[str, str]
    body: bytes


def relayed(answer: Mapping[str, Any]) -> dict | RawAnswer:
    """Payload 2.0's response format: statusCode, headers, body (base64 when isBase64Encoded).
    A JSON answer stays a dict (what the callers of FrontDoor.handle read); anything else,
    or a JSON answer with headers of its own beyond its content type, is relayed as it is."""
    headers = {str(name).lower(): str(value) for name, value in (answer.get("headers") or {}).items()}
    text = answer.get("body") or ""
    body = base64.b64decode(text) if answer.get("isBase64Encoded") else str(text).encode("utf-8")
    content_type = headers.get("content-type", "application/json")
    if content_type.startswith("application/json") and set(headers) <= {"content-type"}:
        try:
            payload = json.loads(body or b"{}")
            if isinstance(payload, dict):
                return payload
        except ValueError:
            pass
    return RawAnswer(headers, body)


class Invocable(Protocol):
    def invoke(self, event: Mapping[str, Any]) -> Any: ...


class ProxyFunction(Invocable, Protocol):
    """A Lambda proxy integration's function, with the environment it was deployed with."""

    env: Mapping[str, str]


class LambdaProxy(ApiContext):
    """FrontDoor's Lambda proxy integrations (a mixin: FrontDoor holds the functions by IntegrationId)."""

    integration_functions: Mapping[str, ProxyFunction]

    def invoke_proxy(
        self, route: Route, method, path, query, headers, raw: bytes, source_ip, context
    ) -> tuple[int, dict | RawAnswer]:
        """A Lambda proxy integration (payload 2.0): the function's answer is the response."""
        event = self.proxy_event(route, method, path, query, headers, raw, source_ip, context)
        if proxy_event_bytes(event) >= LAMBDA_MAX_EVENT_BYTES:
            return TOO_LARGE  # Lambda refuses the invocation (assumed relayed as 413: docs/local-runner.md)
        try:
            answer = self.integration_functions[route.integration["IntegrationId"]].invoke(event)
        except Exception:
            return 500, {"message": "Internal Server Error"}
        if not isinstance(answer, Mapping) or not isinstance(answer.get("statusCode"), int):
            return 500, {"message": "Internal Server Error"}
        return answer["statusCode"], relayed(answer)

    def proxy_event(self, route: Route, method, path, query, headers, raw: bytes, source_ip, context) -> dict:
        try:
            body, encoded = raw.decode("utf-8"), False
        except UnicodeDecodeError:  # API Gateway base64-encodes a body that is not text
            body, encoded = base64.b64encode(raw).decode("ascii"), True
        authorizer = {key.removeprefix("authorizer."): value for key, value in context.items() if key.startswith("authorizer.")}
        now_ms = int(context["requestTimeEpoch"])
        return {
            "version": "2.0",
            "routeKey": route.route_key,
            "rawPath": path,
            "rawQueryString": query,
            "headers": dict(headers),
            "requestContext": {
                **self.request_context(route, method, path, headers, source_ip, context["requestId"], now_ms),
                **({"authorizer": {"lambda": authorizer}} if authorizer else {}),
            },
            "body": body,
            "isBase64Encoded": encoded,
        }
