"""API Gateway's routes, request-parameter mapping and payload-2.0 request context, as the front door applies them."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Route:
    method: str
    path_pattern: re.Pattern
    route_key: str
    authorizer: Mapping[str, Any] | None
    integration: Mapping[str, Any]


def route_pattern(path: str) -> re.Pattern:
    parts = [re.escape(part) if not part.startswith("{") else "[^/]+" for part in re.split(r"(\{[^}]+\})", path) if part]
    return re.compile("^" + "".join(parts) + "$")


_PARAMETER = re.compile(
    r"\$\{?(request\.body|request\.header\.[A-Za-z0-9_-]+|request\.querystring\.[A-Za-z0-9_.~-]+"
    r"|request\.path\.[A-Za-z0-9_.~-]+|context\.[A-Za-z0-9_.]+)\}?"
)
# The values a sender chooses (the body is passed whole, never into text).
_SENDER_CONTROLLED = ("request.header.", "request.querystring.", "request.path.")


def path_parameters(route_key: str, path: str) -> dict[str, str]:
    """`$request.path.name`: the segments of the request path under the route's `{name}` segments,
    percent-decoded (assumed: a sender can then put a `"` in one as `%22`)."""
    template = route_key.partition(" ")[2].split("/")
    return {
        part[1:-1]: urllib.parse.unquote(segment)
        for part, segment in zip(template, path.split("/"), strict=False)
        if part.startswith("{") and part.endswith("}")
    }


def query_parameters(query: str) -> dict[str, str]:
    """The query string as API Gateway passes it: repeated names joined with ","."""
    parameters: dict[str, str] = {}
    for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters


def evaluate_parameter(
    template: str,
    body: str,
    headers: Mapping[str, str],
    context: Mapping[str, str],
    query: Mapping[str, str] | None = None,
    path: Mapping[str, str] | None = None,
    escape_sender_values: bool = False,
) -> str:
    """API Gateway's request-parameter mapping: `$request.body`, `$request.header.x`, `$request.querystring.x`,
    `$request.path.x`, `$context.x`, alone or embedded as `${...}` in static text. With escape_sender_values, a
    header, query string or path value is JSON-string-escaped (the "escaped" switch of undocumented.py; whether
    API Gateway does so inside a JSON template is not documented)."""

    def lookup(name: str) -> str:
        if name == "request.body":
            return body
        if name.startswith("request.header."):
            return headers.get(name[len("request.header.") :].lower(), "")
        if name.startswith("request.querystring."):
            return (query or {}).get(name[len("request.querystring.") :], "")
        if name.startswith("request.path."):
            return (path or {}).get(name[len("request.path.") :], "")
        return context.get(name[len("context.") :], "")

    def value(match: re.Match) -> str:
        found = lookup(match.group(1))
        if escape_sender_values and match.group(1).startswith(_SENDER_CONTROLLED):
            return json.dumps(found, ensure_ascii=False)[1:-1]
        return found

    return _PARAMETER.sub(value, template)


class ApiContext:
    """What every event the front door builds says about the API: its account and id."""

    api: Mapping[str, Any]
    account: str

    def request_context(self, route: Route, method, path, headers, source_ip, request_id: str, now_ms: int) -> dict:
        """The payload-2.0 requestContext both the authorizer's and a proxy integration's events carry."""
        return {
            "accountId": self.account,
            "apiId": self.api["ApiId"],
            "domainName": "127.0.0.1",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now_ms / 1000)),
            "timeEpoch": now_ms,
        }
