"""The API Gateway HTTP API front door, served on 127.0.0.1 from the deployed configuration.

Matches the deployed routes, answers 401 without an identity source, runs the
authorizer and caches its decisions for the deployed TTL, evaluates the
integration's request parameters and calls SQS SendMessage on the emulator,
answering with SQS's response as API Gateway relays it.
"""

from __future__ import annotations

import base64
import json
import ssl
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .authorizer_calls import AuthorizerCalls, DecisionCache
from .custom_domain import FORBIDDEN, CustomDomain, mapped_path, server_context
from .lambda_proxy import (
    HTTP_API_MAX_BODY_BYTES,
    LAMBDA_MAX_EVENT_BYTES,
    TOO_LARGE,
    Invocable,
    LambdaProxy,
    ProxyFunction,
    RawAnswer,
    proxy_event_bytes,
)
from .routing import Route, evaluate_parameter, path_parameters, query_parameters, route_pattern
from .sqs_integration import NOT_ALLOWED_BY_SQS, SqsIntegration, sqs_refusal
from .undocumented import Undocumented

# Names other code (tests, the runner) reads from this module.
__all__ = [
    "HTTP_API_MAX_BODY_BYTES",
    "LAMBDA_MAX_EVENT_BYTES",
    "NOT_ALLOWED_BY_SQS",
    "TOO_LARGE",
    "DecisionCache",
    "FrontDoor",
    "FrontDoorServer",
    "FrontDoorStats",
    "Invocable",
    "ProxyFunction",
    "Route",
    "Undocumented",
    "evaluate_parameter",
    "path_parameters",
    "proxy_event_bytes",
    "query_parameters",
    "route_pattern",
    "sqs_refusal",
]


@dataclass
class FrontDoorStats:
    requests: int = 0
    authorizer_invocations: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


class FrontDoorServer(ThreadingHTTPServer):
    # The default listen backlog of 5 resets connections under a burst of
    # concurrent clients, which API Gateway would simply accept.
    request_queue_size = 256
    daemon_threads = True


class DomainServer(FrontDoorServer):
    """The custom domain's listener: each connection's TLS handshake runs in its own thread
    (not in accept), and a refused one (mutual TLS) is not an error worth a traceback;
    any other error is reported as the execute-api listener reports it."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError)):
            super().handle_error(request, client_address)


class FrontDoor(AuthorizerCalls, LambdaProxy, SqsIntegration):
    """Serves the deployed HTTP API's routes on 127.0.0.1."""

    def __init__(
        self,
        api: Mapping[str, Any],
        routes: list[Route],
        authorizer_functions: Mapping[str, Invocable],
        sqs: Any,
        account: str,
        integration_functions: Mapping[str, ProxyFunction] | None = None,
        undocumented: Undocumented | None = None,
    ):
        self.api = api
        self.routes = routes
        self.authorizer_functions = authorizer_functions  # by AuthorizerId
        self.integration_functions = integration_functions or {}  # by IntegrationId (Lambda proxy)
        self.sqs = sqs
        self.account = account
        self.caches: dict[str, DecisionCache] = {}
        self.stats = FrontDoorStats()
        self._stats_lock = threading.Lock()
        self._size_limits: dict[str, int] = {}
        self.servers: list[ThreadingHTTPServer] = []  # the execute-api address's, and the custom domain's
        self.server_certificate_pem: bytes | None = None  # the custom domain's (self-signed) certificate
        self.mtls_refusal: str | None = None  # how the custom domain refuses a client without a certificate
        self.undocumented = undocumented or Undocumented()
        # API Gateway's context ($context.requestId, requestTimeEpoch, routeKey, authorizer.*) of each
        # request handed to an integration, newest last, as its access log would show them: what a
        # test compares a message's trusted attributes with. Bounded, for a long `make local`.
        self.forwarded: deque[dict[str, str]] = deque(maxlen=10_000)

    def queue_urls(self) -> list[str]:
        """The queues this API sends to: its SQS integrations' and its front functions'."""
        urls = {
            route.integration["RequestParameters"]["QueueUrl"]
            for route in self.routes
            if route.integration.get("RequestParameters")
        }
        urls |= {function.env["QUEUE_URL"] for function in self.integration_functions.values() if "QUEUE_URL" in function.env}  # type: ignore[attr-defined]
        return sorted(urls)

    def match(self, method: str, path: str) -> Route | None:
        for route in self.routes:
            if route.method in (method, "ANY") and route.path_pattern.match(path):
                return route
        return None

    def handle(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: str,
        source_ip: str,
        raw_body: bytes | None = None,
    ) -> tuple[int, dict | RawAnswer]:
        if raw_body is not None and len(raw_body) > HTTP_API_MAX_BODY_BYTES:
            return TOO_LARGE
        request_id = base64.b32encode(uuid.uuid4().bytes[:10]).decode().rstrip("=")
        route = self.match(method, path)
        if route is None:
            return 404, {"message": "Not Found"}
        context: dict[str, str] = {
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "requestTimeEpoch": str(int(time.time() * 1000)),
        }
        if route.authorizer is not None:
            status, outcome = self.authorize(route, method, path, query, headers, source_ip, request_id)
            if status != 200:
                return status, outcome
            context.update({f"authorizer.{key}": str(value) for key, value in outcome.get("context", {}).items()})
        self.forwarded.append(dict(context))
        if route.integration.get("IntegrationId") in self.integration_functions:
            raw = raw_body if raw_body is not None else body.encode("utf-8")
            return self.invoke_proxy(route, method, path, query, headers, raw, source_ip, context)
        return self.integrate(route, headers, body, context, query_parameters(query), path_parameters(route.route_key, path))

    def at_the_door(self, domain: CustomDomain | None, path: str, has_certificate: bool) -> tuple[int, dict] | str:
        """The API's path for a request a listener lets in, else what it answers before routing: the
        execute-api address when the API disables it, a path outside the domain's base path, a
        domain with mutual TLS reached without a certificate."""
        if domain is None:
            return FORBIDDEN if self.api.get("DisableExecuteApiEndpoint") else path
        if domain.truststore_pem is not None and not has_certificate:
            return FORBIDDEN
        api_path = mapped_path(domain, path)
        return (404, {"message": "Not Found"}) if api_path is None else api_path

    def serve(self, port: int = 0, domain: CustomDomain | None = None, refusal: str = "handshake") -> str:
        """Serve the execute-api address, or (domain) the custom domain over TLS; the listener's URL."""
        front_door = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                # Bytes that are not UTF-8 become U+FFFD, as a Java UTF-8 decoder
                # does by default (assumed of API Gateway: docs/local-runner.md).
                body = raw.decode("utf-8", errors="replace")
                path, _, query = self.path.partition("?")
                headers: dict[str, str] = {}
                for name, value in self.headers.items():  # HTTP API lower-cases names and joins repeats with ","
                    key = name.lower()
                    headers[key] = f"{headers[key]},{value}" if key in headers else value
                has_certificate = bool(getattr(self.connection, "getpeercert", lambda: None)())
                admitted = front_door.at_the_door(domain, path, has_certificate)
                if isinstance(admitted, tuple):
                    status, payload = admitted
                else:
                    status, payload = front_door.handle(self.command, admitted, query, headers, body, self.client_address[0], raw)
                with front_door._stats_lock:
                    front_door.stats.requests += 1
                    front_door.stats.by_status[status] = front_door.stats.by_status.get(status, 0) + 1
                if isinstance(payload, RawAnswer):
                    data, headers_out = payload.body, dict(payload.headers)
                else:
                    data, headers_out = json.dumps(payload).encode(), {"content-type": "application/json"}
                self.send_response(status)
                for name, value in headers_out.items():
                    if name not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_any

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = (FrontDoorServer if domain is None else DomainServer)(("127.0.0.1", port), Handler)
        scheme = "http"
        if domain is not None:
            context, self.server_certificate_pem = server_context(domain, refusal)
            self.mtls_refusal = refusal
            server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
            scheme = "https"
        self.servers.append(server)
        threading.Thread(target=server.serve_forever, name="front-door", daemon=True).start()
        return f"{scheme}://127.0.0.1:{server.server_address[1]}"

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
