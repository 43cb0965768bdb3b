"""The API Gateway HTTP API front door, served on 127.0.0.1 from the deployed configuration.

Matches the deployed routes, answers 401 without an identity source, runs the
authorizer and caches its decisions for the deployed TTL, evaluates the
integration's request parameters and calls SQS SendMessage on the emulator,
answering with SQS's response as API Gateway relays it.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from botocore.exceptions import ClientError

from .aws import REGION, queue_arn_from_url

# Lambda refuses a synchronous invocation whose event is this large or larger
# (RequestEntityTooLargeException); API Gateway's HTTP API takes 10 MB bodies.
LAMBDA_MAX_EVENT_BYTES = 6 * 1024 * 1024
HTTP_API_MAX_BODY_BYTES = 10 * 1024 * 1024
TOO_LARGE = (413, {"message": "Request Entity Too Large"})

# The characters SQS accepts in a message body and in attribute values
# (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
NOT_ALLOWED_BY_SQS = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def sqs_refusal(arguments: Mapping[str, Any]) -> dict | None:
    """What AWS's SQS answers (and moto does not) for a body with characters it
    does not accept, or an attribute whose string value is empty."""
    if NOT_ALLOWED_BY_SQS.search(arguments["MessageBody"]):
        message = (
            "Invalid binary character in the message body. "
            "Allowed: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        )
        return {"Error": {"Code": "InvalidMessageContents", "Message": message}}
    for name, attribute in (arguments.get("MessageAttributes") or {}).items():
        if attribute.get("DataType") == "String" and not attribute.get("StringValue"):
            message = f"Message (user) attribute '{name}' must contain a non-empty value of type 'String'."
            return {"Error": {"Code": "InvalidParameterValue", "Message": message}}
    return None


def proxy_event_bytes(event: Mapping[str, Any]) -> int:
    """The size Lambda's payload limit counts: the event as UTF-8 JSON. Non-ASCII text
    travels as its UTF-8 bytes (2 for é, 4 for an emoji), not as \\u escapes (6 and 12),
    which would refuse a 2.2 MB body of é that AWS accepts. JSON's own escapes (quotes,
    backslashes, control characters) are counted, as they are sent."""
    return len(json.dumps(event, ensure_ascii=False).encode("utf-8"))


class Invocable(Protocol):
    def invoke(self, event: Mapping[str, Any]) -> Any: ...


class ProxyFunction(Invocable, Protocol):
    """A Lambda proxy integration's function, with the environment it was deployed with."""

    env: Mapping[str, str]


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
    r"\$\{?(request\.body|request\.header\.[A-Za-z0-9_-]+|request\.querystring\.[A-Za-z0-9_.~-]+|context\.[A-Za-z0-9_.]+)\}?"
)


def query_parameters(query: str) -> dict[str, str]:
    """The query string as API Gateway passes it: repeated names joined with ","."""
    parameters: dict[str, str] = {}
    for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters


def evaluate_parameter(
    template: str, body: str, headers: Mapping[str, str], context: Mapping[str, str], query: Mapping[str, str] | None = None
) -> str:
    """API Gateway's request-parameter mapping: `$request.body`, `$request.header.x`, `$request.querystring.x`,
    `$context.x`, alone or embedded as `${...}` in static text."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "request.body":
            return body
        if name.startswith("request.header."):
            return headers.get(name[len("request.header.") :].lower(), "")
        if name.startswith("request.querystring."):
            return (query or {}).get(name[len("request.querystring.") :], "")
        return context.get(name[len("context.") :], "")

    return _PARAMETER.sub(value, template)


class DecisionCache:
    """Authorizer results per identity-source value, for the deployed TTL."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._entries: dict[tuple, tuple[float, Mapping[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Mapping[str, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            return entry[1] if entry and entry[0] > time.monotonic() else None

    def put(self, key: tuple, decision: Mapping[str, Any]) -> None:
        if self.ttl > 0:
            with self._lock:
                self._entries[key] = (time.monotonic() + self.ttl, decision)


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


class FrontDoor:
    """Serves the deployed HTTP API's routes on 127.0.0.1."""

    def __init__(
        self,
        api: Mapping[str, Any],
        routes: list[Route],
        authorizer_functions: Mapping[str, Invocable],
        sqs: Any,
        account: str,
        integration_functions: Mapping[str, ProxyFunction] | None = None,
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
        self.server: ThreadingHTTPServer | None = None

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
    ) -> tuple[int, dict]:
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
        if route.integration.get("IntegrationId") in self.integration_functions:
            raw = raw_body if raw_body is not None else body.encode("utf-8")
            return self.invoke_proxy(route, method, path, query, headers, raw, source_ip, context)
        return self.integrate(route, headers, body, context)

    def invoke_proxy(self, route: Route, method, path, query, headers, raw: bytes, source_ip, context) -> tuple[int, dict]:
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
        try:
            payload = json.loads(answer.get("body") or "{}")
        except ValueError:
            payload = {"body": answer.get("body")}
        return answer["statusCode"], payload

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

    def authorize(self, route: Route, method, path, query, headers, source_ip, request_id) -> tuple[int, dict]:
        authorizer = route.authorizer
        assert authorizer is not None
        identity = []
        for source in authorizer["IdentitySource"]:
            context = {"routeKey": route.route_key}
            value = (
                evaluate_parameter(source, "", headers, context, query_parameters(query)) if source.startswith("$") else source
            )
            if not value:
                return 401, {"message": "Unauthorized"}  # API Gateway answers without invoking the authorizer
            identity.append(value)
        cache = self.caches.setdefault(
            authorizer["AuthorizerId"], DecisionCache(authorizer.get("AuthorizerResultTtlInSeconds", 0))
        )
        key = tuple(identity)
        decision = cache.get(key)
        if decision is None:
            event = self.authorizer_event(route, method, path, query, headers, source_ip, request_id, identity)
            with self._stats_lock:
                self.stats.authorizer_invocations += 1
            try:
                decision = self.authorizer_functions[authorizer["AuthorizerId"]].invoke(event)
            except Exception:
                return 500, {"message": "Internal Server Error"}
            if not isinstance(decision, Mapping) or not isinstance(decision.get("isAuthorized"), bool):
                return 500, {"message": "Internal Server Error"}  # an invalid authorizer response
            cache.put(key, decision)
        if not decision["isAuthorized"]:
            return 403, {"message": "Forbidden"}
        return 200, dict(decision)

    def authorizer_event(self, route: Route, method, path, query, headers, source_ip, request_id, identity) -> dict:
        now = time.time()
        return {
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": f"arn:aws:execute-api:{REGION}:{self.account}:{self.api['ApiId']}/$default/{method}{path}",
            "identitySource": identity,
            "routeKey": route.route_key,
            "rawPath": path,
            "rawQueryString": query,
            **({"queryStringParameters": query_parameters(query)} if query else {}),
            "headers": dict(headers),
            "requestContext": self.request_context(route, method, path, headers, source_ip, request_id, int(now * 1000)),
        }

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

    def integrate(self, route: Route, headers: Mapping[str, str], body: str, context: Mapping[str, str]) -> tuple[int, dict]:
        integration = route.integration
        if integration.get("IntegrationSubtype") != "SQS-SendMessage":
            return 500, {"message": f"integration {integration.get('IntegrationSubtype')} is not emulated"}
        parameters = {
            name: evaluate_parameter(template, body, headers, context)
            for name, template in integration["RequestParameters"].items()
        }
        arguments: dict[str, Any] = {"QueueUrl": parameters["QueueUrl"], "MessageBody": parameters.get("MessageBody", "")}
        if "MessageAttributes" in parameters:
            try:
                arguments["MessageAttributes"] = json.loads(parameters["MessageAttributes"])
            except ValueError:  # a header value broke the JSON it was interpolated into
                return 500, {"message": "Internal Server Error"}
        for optional in ("DelaySeconds", "MessageGroupId", "MessageDeduplicationId"):
            if optional in parameters:
                arguments[optional] = int(parameters[optional]) if optional == "DelaySeconds" else parameters[optional]
        if not arguments["MessageBody"]:
            # AWS's SQS refuses an empty body (moto accepts it): answer as API Gateway relays SQS's error.
            return 400, {"Error": {"Code": "MissingParameter", "Message": "The request must contain the parameter MessageBody."}}
        refused = sqs_refusal(arguments) or self.message_too_large(arguments)
        if refused is not None:
            return 400, refused
        integration_role = integration["_policy"]
        if not integration_role.allows("sqs:SendMessage", queue_arn_from_url(arguments["QueueUrl"])):
            return 500, {"message": "Internal Server Error"}  # API Gateway cannot assume a role that may not send
        try:
            response = self.sqs.send_message(**arguments)
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
            return status, {
                "Error": {"Code": error.response["Error"].get("Code"), "Message": error.response["Error"].get("Message")}
            }
        result = {key: response[key] for key in ("MessageId", "MD5OfMessageBody", "MD5OfMessageAttributes") if key in response}
        return 200, {
            "SendMessageResponse": {
                "ResponseMetadata": {"RequestId": response.get("ResponseMetadata", {}).get("RequestId", context["requestId"])},
                "SendMessageResult": {**result, "SequenceNumber": None, "MD5OfMessageSystemAttributes": None},
            }
        }

    def message_too_large(self, arguments: Mapping[str, Any]) -> dict | None:
        """SQS's answer to a message over the queue's MaximumMessageSize, which
        counts the attributes too (their names, types and values); moto only
        counts the body."""
        size = len(arguments["MessageBody"].encode("utf-8"))
        for name, attribute in (arguments.get("MessageAttributes") or {}).items():
            value = attribute.get("StringValue") or attribute.get("BinaryValue") or ""
            size += sum(
                len(part.encode("utf-8")) if isinstance(part, str) else len(part) for part in (name, attribute["DataType"], value)
            )
        limit = self.maximum_message_size(arguments["QueueUrl"])
        if size <= limit:
            return None
        message = f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes."
        return {"Error": {"Code": "InvalidParameterValue", "Message": message}}

    def maximum_message_size(self, queue_url: str) -> int:
        if queue_url not in self._size_limits:
            attributes = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["MaximumMessageSize"])["Attributes"]
            self._size_limits[queue_url] = int(attributes["MaximumMessageSize"])
        return self._size_limits[queue_url]

    def serve(self, port: int = 0) -> str:
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
                status, payload = front_door.handle(self.command, path, query, headers, body, self.client_address[0], raw)
                with front_door._stats_lock:
                    front_door.stats.requests += 1
                    front_door.stats.by_status[status] = front_door.stats.by_status.get(status, 0) + 1
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_any

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = FrontDoorServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, name="front-door", daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
