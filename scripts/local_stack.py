#!/usr/bin/env python3
"""The parts of AWS that moto cannot play, played locally against moto's state.

moto stores the deployed API Gateway and Lambda configuration but cannot serve
an HTTP API or run Lambda code without Docker. This runner reads that deployed
configuration back *from the emulator* (routes, authorizer, integration request
parameters, function environments, event source mappings, role policies) and
acts on it, so a wiring mistake in the Terraform fails here as it would on AWS:

- a front door on 127.0.0.1 that matches routes, answers 401 without an
  identity source, runs the authorizer (from the built zip, with the deployed
  environment), caches its decisions for the deployed TTL, evaluates the
  integration's request parameters and calls SQS SendMessage on moto;
- a poller per event source mapping that receives batches, runs the consumer
  and deletes only what its batchItemFailures says succeeded;
- an IAM guard: every AWS call a function makes is checked against the inline
  policies of its deployed role (exact action and resource match).
"""

from __future__ import annotations

import base64
import contextvars
import fnmatch
import hashlib
import importlib.util
import ipaddress
import json
import os
import re
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "packages"
REGION = "us-east-1"
# moto accepts any keys; these can never authenticate against real AWS.
DUMMY_KEY = "testing"


def aws_client(service: str, endpoint: str):
    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=DUMMY_KEY, aws_secret_access_key=DUMMY_KEY
    )


# --- IAM guard ---------------------------------------------------------------------------

_current_role: contextvars.ContextVar[RolePolicy | None] = contextvars.ContextVar("current_role", default=None)


@dataclass(frozen=True)
class RolePolicy:
    """The Allow statements of a role's inline policies (all this module writes)."""

    role_name: str
    statements: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # (actions, resources)

    def allows(self, action: str, resource: str) -> bool:
        return any(
            any(fnmatch.fnmatchcase(action, pattern) for pattern in actions)
            and any(fnmatch.fnmatchcase(resource, pattern) for pattern in resources)
            for actions, resources in self.statements
        )


def role_policy(iam: Any, role_arn: str) -> RolePolicy:
    role_name = role_arn.rsplit("/", 1)[-1]
    statements = []
    for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        for statement in _as_list(document.get("Statement")):
            if statement.get("Effect") == "Allow":
                statements.append((tuple(_as_list(statement.get("Action"))), tuple(_as_list(statement.get("Resource")))))
    return RolePolicy(role_name, tuple(statements))


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value] if value is not None else []


def queue_arn_from_url(url: str) -> str:
    account, name = url.rstrip("/").split("/")[-2:]
    return f"arn:aws:sqs:{REGION}:{account}:{name}"


def guarded_resources(service: str, operation: str, params: Mapping[str, Any], account: str) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) pairs a call needs, for the calls our functions make."""
    if service == "sqs" and "QueueUrl" in params:
        action = "SendMessage" if operation == "SendMessageBatch" else operation
        action = "DeleteMessage" if operation == "DeleteMessageBatch" else action
        return [(f"sqs:{action}", queue_arn_from_url(params["QueueUrl"]))]
    if service == "dynamodb":
        tables = list(params.get("RequestItems", {})) or [params.get("TableName")]
        return [(f"dynamodb:{operation}", f"arn:aws:dynamodb:{REGION}:{account}:table/{table}") for table in tables if table]
    if service == "secretsmanager" and "SecretId" in params:
        return [(f"secretsmanager:{operation}", params["SecretId"])]
    return []


def is_loopback(host: str) -> bool:
    """True only for a loopback IP address, or the name localhost.

    The address is checked, not the spelling: "127.attacker.example" is a
    name that resolves wherever its owner wants, so any other name is refused.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# service endpoint prefix -> error code, set by LocalStack.fail_function_calls.
# Consulted by a hook installed once: botocore copies a session's event hooks
# into each client when it is created, so hooks added later would not apply.
_injected_faults: dict[str, str] = {}


def install_iam_guard(session: boto3.Session, account: str, loopback_only: bool = True) -> None:
    """Refuse a function's AWS call that its deployed role does not allow and,
    unless told otherwise (in-process moto tests), any request not to loopback."""

    def check(model: Any, params: Mapping[str, Any], **_: Any) -> None:
        policy = _current_role.get()
        if policy is None:
            return
        service = model.service_model.endpoint_prefix
        if service in _injected_faults:
            error = {"Code": _injected_faults[service], "Message": "injected fault"}
            raise ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": 503}}, model.name)
        for action, resource in guarded_resources(service, model.name, params, account):
            if not policy.allows(action, resource):
                raise ClientError(
                    {"Error": {"Code": "AccessDeniedException", "Message": f"{policy.role_name} may not {action} on {resource}"}},
                    model.name,
                )

    def refuse_non_loopback(request: Any, **_: Any) -> None:
        # The functions run in this process with the SDK pointed at moto by
        # AWS_ENDPOINT_URL; if anything ever unset it, refuse rather than let a
        # request leave the machine.
        host = urllib.parse.urlsplit(request.url).hostname or ""
        if not is_loopback(host):
            raise RuntimeError(f"local stack: refusing a request to {host}: only loopback endpoints are allowed")

    # before-parameter-build sees the API parameters (QueueUrl, TableName...);
    # before-call would only see the serialized request.
    session.events.register("before-parameter-build", check)
    if loopback_only:
        session.events.register("before-send", refuse_non_loopback)


# --- Lambda functions run in-process from the built zip ---------------------------------


@dataclass
class LocalFunction:
    """One deployed function: its zip extracted, its handler loaded under a unique name."""

    name: str
    configuration: Mapping[str, Any]
    policy: RolePolicy
    module: ModuleType
    log: Any  # the function's log file (its "CloudWatch log group")
    _cold: threading.Lock = field(default_factory=threading.Lock)
    _warm: bool = False

    def invoke(self, event: Mapping[str, Any], context: Any) -> Any:
        # Each Lambda container runs one request at a time; the first (cold)
        # invocation runs alone so lazy client creation is not raced.
        token = _current_role.set(self.policy)
        try:
            if self._warm:
                return self.module.handler(event, context)
            with self._cold:
                result = self.module.handler(event, context)
                self._warm = True
                return result
        finally:
            _current_role.reset(token)


class LambdaContext:
    def __init__(self, function_name: str, timeout_seconds: float) -> None:
        self.function_name = function_name
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def package_for(configuration: Mapping[str, Any]) -> Path:
    """The built zip whose hash is the deployed CodeSha256 (refuse to run anything else)."""
    deployed = configuration["CodeSha256"]
    for candidate in sorted(PACKAGES.glob("*.zip")):
        if base64.b64encode(hashlib.sha256(candidate.read_bytes()).digest()).decode() == deployed:
            return candidate
    raise RuntimeError(f"{configuration['FunctionName']}: no zip in packages/ matches the deployed CodeSha256 {deployed}")


def load_function(lambda_client: Any, iam: Any, function_name: str, workdir: Path) -> LocalFunction:
    configuration = lambda_client.get_function_configuration(FunctionName=function_name)
    target = workdir / function_name
    with zipfile.ZipFile(package_for(configuration)) as archive:
        archive.extractall(target)
    if str(target) not in sys.path:
        sys.path.insert(0, str(target))
    module_name = f"local_{re.sub(r'[^A-Za-z0-9_]', '_', function_name)}"
    handler_file, handler_name = configuration["Handler"].rsplit(".", 1)
    spec = importlib.util.spec_from_file_location(module_name, target / f"{handler_file}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    if handler_name != "handler":
        module.handler = getattr(module, handler_name)
    # The function's deployed environment, as Lambda would set it. The two
    # functions' variable names do not overlap, so one process can host both.
    os.environ.update(configuration.get("Environment", {}).get("Variables", {}))
    # What the function prints goes to its own log file, as Lambda sends it to
    # CloudWatch Logs (the handlers print their JSON lines from app.py).
    log = open(workdir / f"{function_name}.log", "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - closed by LocalStack.stop
    module.print = lambda *args, file=None, **kwargs: print(*args, file=log, **kwargs)
    return LocalFunction(function_name, configuration, role_policy(iam, configuration["Role"]), module, log)


# --- API Gateway HTTP API front door -------------------------------------------------------


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


_PARAMETER = re.compile(r"\$\{?(request\.body|request\.header\.[A-Za-z0-9_-]+|context\.[A-Za-z0-9_.]+)\}?")


def evaluate_parameter(template: str, body: str, headers: Mapping[str, str], context: Mapping[str, str]) -> str:
    """API Gateway's request-parameter mapping: `$request.body`, `$request.header.x`,
    `$context.x`, alone or embedded as `${...}` in static text."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "request.body":
            return body
        if name.startswith("request.header."):
            return headers.get(name[len("request.header.") :].lower(), "")
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

    def __init__(self, api: Mapping[str, Any], routes: list[Route], authorizer_function: LocalFunction, sqs: Any, account: str):
        self.api = api
        self.routes = routes
        self.authorizer_function = authorizer_function
        self.sqs = sqs
        self.account = account
        self.caches: dict[str, DecisionCache] = {}
        self.stats = FrontDoorStats()
        self._stats_lock = threading.Lock()
        self._size_limits: dict[str, int] = {}
        self.server: ThreadingHTTPServer | None = None

    def match(self, method: str, path: str) -> Route | None:
        for route in self.routes:
            if route.method in (method, "ANY") and route.path_pattern.match(path):
                return route
        return None

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: str, source_ip: str
    ) -> tuple[int, dict]:
        request_id = base64.b32encode(uuid.uuid4().bytes[:10]).decode().rstrip("=")
        route = self.match(method, path)
        if route is None:
            return 404, {"message": "Not Found"}
        context: dict[str, str] = {"requestId": request_id, "routeKey": route.route_key, "stage": "$default"}
        if route.authorizer is not None:
            status, outcome = self.authorize(route, method, path, query, headers, source_ip, request_id)
            if status != 200:
                return status, outcome
            context.update({f"authorizer.{key}": str(value) for key, value in outcome.get("context", {}).items()})
        return self.integrate(route, headers, body, context)

    def authorize(self, route: Route, method, path, query, headers, source_ip, request_id) -> tuple[int, dict]:
        authorizer = route.authorizer
        assert authorizer is not None
        identity = []
        for source in authorizer["IdentitySource"]:
            value = evaluate_parameter(source, "", headers, {"routeKey": route.route_key}) if source.startswith("$") else source
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
                decision = self.authorizer_function.invoke(event, LambdaContext(self.authorizer_function.name, 10))
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
            "headers": dict(headers),
            "requestContext": {
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
                "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "timeEpoch": int(now * 1000),
            },
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
            arguments["MessageAttributes"] = json.loads(parameters["MessageAttributes"])
        for optional in ("DelaySeconds", "MessageGroupId", "MessageDeduplicationId"):
            if optional in parameters:
                arguments[optional] = int(parameters[optional]) if optional == "DelaySeconds" else parameters[optional]
        if not arguments["MessageBody"]:
            # AWS's SQS refuses an empty body (moto accepts it): answer as API Gateway relays SQS's error.
            return 400, {"Error": {"Code": "MissingParameter", "Message": "The request must contain the parameter MessageBody."}}
        too_large = self.message_too_large(arguments)
        if too_large is not None:
            return 400, too_large
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
                body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
                path, _, query = self.path.partition("?")
                headers: dict[str, str] = {}
                for name, value in self.headers.items():  # HTTP API lower-cases names and joins repeats with ","
                    key = name.lower()
                    headers[key] = f"{headers[key]},{value}" if key in headers else value
                status, payload = front_door.handle(self.command, path, query, headers, body, self.client_address[0])
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


# --- SQS event source mapping poller --------------------------------------------------------


@dataclass
class PollerStats:
    batches: int = 0
    records: int = 0
    deleted: int = 0
    failed: int = 0
    errors: int = 0


def sqs_event_record(message: Mapping[str, Any], queue_arn: str) -> dict:
    attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        attributes[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": base64.b64encode(value["BinaryValue"]).decode() if value.get("BinaryValue") is not None else None,
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value["DataType"],
        }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def succeeded_receipts(records: list[dict], response: Any, report_failures: bool) -> list[str]:
    """Receipt handles to delete, as Lambda decides from the function's response."""
    if not report_failures:
        return [record["receiptHandle"] for record in records]
    failures = (response or {}).get("batchItemFailures") if isinstance(response, Mapping) else None
    if not failures:
        return [record["receiptHandle"] for record in records]  # empty or null: all succeeded
    known = {record["messageId"] for record in records}
    failed_ids = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not identifier or identifier not in known:
            return []  # a malformed itemIdentifier fails the whole batch
        failed_ids.add(identifier)
    return [record["receiptHandle"] for record in records if record["messageId"] not in failed_ids]


class Poller:
    """Plays one event source mapping: receive, invoke, delete what succeeded."""

    def __init__(self, mapping: Mapping[str, Any], function: LocalFunction, sqs: Any, wait_seconds: int = 1) -> None:
        self.mapping = mapping
        self.function = function
        self.sqs = sqs
        self.queue_arn = mapping["EventSourceArn"]
        account, name = self.queue_arn.split(":")[4:6]
        self.queue_url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        self.batch_size = mapping.get("BatchSize", 10)
        self.window = mapping.get("MaximumBatchingWindowInSeconds", 0)
        self.concurrency = (mapping.get("ScalingConfig") or {}).get("MaximumConcurrency") or 2
        self.report_failures = "ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or [])
        self.timeout = function.configuration.get("Timeout", 3)
        self.wait_seconds = wait_seconds
        self.stats = PollerStats()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def receive_batch(self) -> list[dict]:
        messages: list[dict] = []
        deadline = time.monotonic() + self.window
        while len(messages) < self.batch_size and not self._stop.is_set():
            received = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(10, self.batch_size - len(messages)),
                WaitTimeSeconds=self.wait_seconds if not messages else 0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages.extend(received)
            if (not received and (messages or self.window == 0)) or time.monotonic() >= deadline:
                break
        return [sqs_event_record(message, self.queue_arn) for message in messages]

    def poll_once(self) -> int:
        records = self.receive_batch()
        if not records:
            return 0
        try:
            response = self.function.invoke({"Records": records}, LambdaContext(self.function.name, self.timeout))
        except Exception:
            response, delete = None, []  # the whole batch returns after the visibility timeout
            with self._lock:
                self.stats.errors += 1
        else:
            delete = succeeded_receipts(records, response, self.report_failures)
        for start in range(0, len(delete), 10):
            entries = [{"Id": str(i), "ReceiptHandle": handle} for i, handle in enumerate(delete[start : start + 10])]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        with self._lock:
            self.stats.batches += 1
            self.stats.records += len(records)
            self.stats.deleted += len(delete)
            self.stats.failed += len(records) - len(delete)
        return len(records)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                with self._lock:
                    self.stats.errors += 1
                self._stop.wait(0.5)

    def start(self, workers: int | None = None) -> None:
        for index in range(workers or min(self.concurrency, 4)):
            thread = threading.Thread(target=self.run, name=f"poller-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.wait_seconds + self.timeout + 5)


# --- Assembly ---------------------------------------------------------------------------


@dataclass
class LocalStack:
    endpoint: str
    url: str
    front_door: FrontDoor
    pollers: list[Poller]
    workdir: tempfile.TemporaryDirectory
    functions: list[LocalFunction]
    restore_sdk: Callable[[], None]

    def function_log(self, function_name: str) -> str:
        """What a function has logged so far (its CloudWatch log group, locally)."""
        return (Path(self.workdir.name) / f"{function_name}.log").read_text(encoding="utf-8")

    def fail_function_calls(self, service: str, code: str = "ServiceUnavailable") -> Callable[[], None]:
        """Fault injection: the functions' calls to `service` (endpoint prefix,
        e.g. "dynamodb") fail with `code` until the returned function is called.
        Calls made outside a function, by a test or the demo, are untouched."""
        _injected_faults[service] = code
        return lambda: _injected_faults.pop(service, None)

    def stop(self) -> None:
        self.front_door.stop()
        for poller in self.pollers:
            poller.stop()
        for function in self.functions:
            function.log.close()
        self.workdir.cleanup()
        self.restore_sdk()

    def wait_until_drained(self, queue_urls: list[str], timeout: float = 60) -> bool:
        """True once no message is visible or in flight on the given queues."""
        sqs = aws_client("sqs", self.endpoint)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = [
                sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
                )["Attributes"]
                for url in queue_urls
            ]
            if all(int(c["ApproximateNumberOfMessages"]) + int(c["ApproximateNumberOfMessagesNotVisible"]) == 0 for c in counts):
                return True
            time.sleep(0.3)
        return False


SDK_ENVIRONMENT = (
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_PROFILE",
)


def point_sdk_at(endpoint: str) -> tuple[boto3.Session, Callable[[], None]]:
    """Make the in-process functions' boto3 calls go to moto, with dummy keys.
    Returns the session and a function that puts the process back as it was."""
    saved_environment = {name: os.environ.get(name) for name in SDK_ENVIRONMENT}
    saved_session = boto3.DEFAULT_SESSION

    def restore() -> None:
        for name, value in saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        boto3.DEFAULT_SESSION = saved_session

    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID=DUMMY_KEY,
        AWS_SECRET_ACCESS_KEY=DUMMY_KEY,
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
    )
    os.environ.pop("AWS_PROFILE", None)
    boto3.setup_default_session()
    return boto3.DEFAULT_SESSION, restore


def start(endpoint: str, api_id: str, port: int = 0, poll: bool = True) -> LocalStack:
    """Read the deployed API and functions from moto and start serving them."""
    session, restore_sdk = point_sdk_at(endpoint)
    account = aws_client("sts", endpoint).get_caller_identity()["Account"]
    install_iam_guard(session, account)
    apigw, lambda_client, iam, sqs = (aws_client(name, endpoint) for name in ("apigatewayv2", "lambda", "iam", "sqs"))
    workdir = tempfile.TemporaryDirectory(prefix="webhook-ingest-local-")
    api = apigw.get_api(ApiId=api_id)
    routes, authorizer_functions, policies = [], {}, {}
    for route in apigw.get_routes(ApiId=api_id)["Items"]:
        method, _, path = route["RouteKey"].partition(" ")
        authorizer = None
        if route.get("AuthorizationType") == "CUSTOM":
            authorizer = apigw.get_authorizer(ApiId=api_id, AuthorizerId=route["AuthorizerId"])
            function_arn = re.search(r"functions/(.+)/invocations", authorizer["AuthorizerUri"]).group(1)
            if function_arn not in authorizer_functions:
                authorizer_functions[function_arn] = load_function(
                    lambda_client, iam, function_arn.split(":")[-1], Path(workdir.name)
                )
        integration = apigw.get_integration(ApiId=api_id, IntegrationId=route["Target"].split("/", 1)[1])
        role = integration.get("CredentialsArn")
        policies.setdefault(role, role_policy(iam, role) if role else RolePolicy("none", ()))
        integration["_policy"] = policies[role]
        routes.append(Route(method, route_pattern(path), route["RouteKey"], authorizer, integration))
    [authorizer_function] = authorizer_functions.values()
    front_door = FrontDoor(api, routes, authorizer_function, sqs, account)
    url = front_door.serve(port)
    pollers = []
    if poll:
        # The mappings that consume the queues this API sends to: other stacks in
        # the same emulator are not ours to run.
        queues = {queue_arn_from_url(route.integration["RequestParameters"]["QueueUrl"]) for route in routes}
        mappings = lambda_client.list_event_source_mappings()["EventSourceMappings"]
        for mapping in [m for m in mappings if m["EventSourceArn"] in queues]:
            function = load_function(lambda_client, iam, mapping["FunctionArn"].split(":")[-1], Path(workdir.name))
            poller = Poller(mapping, function, aws_client("sqs", endpoint))
            poller.start()
            pollers.append(poller)
    functions = [authorizer_function, *(poller.function for poller in pollers)]
    return LocalStack(endpoint, url, front_door, pollers, workdir, functions, restore_sdk)
