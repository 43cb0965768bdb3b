"""Assembly: read a deployment back from the emulator and start serving it."""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .aws import POLLER_CONFIG, aws_client, queue_arn_from_url
from .custom_domain import read_domain, refusal_mode
from .front_door import FrontDoor, Route, route_pattern
from .iam_guard import RolePolicy, role_policy
from .lambda_runtime import LocalFunction, load_function
from .sqs_poller import Poller
from .undocumented import choose


@dataclass
class LocalRunner:
    """The parts of AWS moto cannot play, running: one HTTP API's front door and
    the pollers of the event source mappings on the queues it sends to."""

    endpoint: str
    url: str
    front_door: FrontDoor
    pollers: list[Poller]
    workdir: tempfile.TemporaryDirectory
    functions: list[LocalFunction]
    domain_url: str | None = None  # the custom domain's listener (https), when the API has one

    def function(self, name: str) -> LocalFunction:
        [found] = [function for function in self.functions if function.name == name]
        return found

    def function_log(self, function_name: str) -> str:
        """What a function has logged so far (its CloudWatch log group, locally)."""
        return self.function(function_name).log()

    def fail_function_calls(self, service: str, code: str = "ServiceUnavailable") -> Callable[[], None]:
        """Fault injection: the functions' calls to `service` (endpoint prefix,
        e.g. "dynamodb") fail with `code` until the returned function is called.
        Calls made outside a function, by a test or the demo, are untouched."""
        for function in self.functions:
            function.faults[service] = code

        def heal() -> None:
            for function in self.functions:
                function.faults.pop(service, None)

        return heal

    def stop(self) -> None:
        self.front_door.stop()
        for poller in self.pollers:
            poller.stop()
        for function in self.functions:
            function.stop()
        self.workdir.cleanup()

    def wait_until_drained(self, queue_urls: list[str], timeout: float = 60) -> bool:
        """True once no message is visible or in flight on the given queues."""
        sqs = aws_client("sqs", self.endpoint)
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = [sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"] for url in queue_urls]
            if all(int(c[names[0]]) + int(c[names[1]]) == 0 for c in counts):
                return True
            time.sleep(0.3)
        return False


def only_api(apigw: Any) -> str:
    """The deployment's one HTTP API (a fresh emulator holds only what was applied)."""
    apis = [api for api in apigw.get_apis()["Items"] if api.get("ProtocolType") == "HTTP"]
    if len(apis) != 1:
        names = ", ".join(f"{api['Name']} ({api['ApiId']})" for api in apis) or "none"
        raise RuntimeError(f"expected one HTTP API in the emulator, found {names}: name the one to serve")
    return apis[0]["ApiId"]


def read_routes(apigw: Any, iam: Any, api_id: str) -> list[Route]:
    routes, policies = [], {}
    for route in apigw.get_routes(ApiId=api_id)["Items"]:
        method, _, path = route["RouteKey"].partition(" ")
        authorizer = None
        if route.get("AuthorizationType") == "CUSTOM":
            authorizer = apigw.get_authorizer(ApiId=api_id, AuthorizerId=route["AuthorizerId"])
        integration = apigw.get_integration(ApiId=api_id, IntegrationId=route["Target"].split("/", 1)[1])
        role = integration.get("CredentialsArn")
        policies.setdefault(role, role_policy(iam, role) if role else RolePolicy("none", ()))
        integration["_policy"] = policies[role]
        routes.append(Route(method, route_pattern(path), route["RouteKey"], authorizer, integration))
    return routes


def invoked_function_name(uri: str, what: str) -> str:
    """The function an authorizer or integration URI invokes (.../functions/<arn>/invocations)."""
    match = re.search(r"functions/(.+)/invocations", uri or "")
    if match is None:
        raise RuntimeError(f"{what} does not invoke a Lambda function")
    return match.group(1).split(":")[-1]


def authorizer_function_name(authorizer: dict) -> str:
    return invoked_function_name(authorizer["AuthorizerUri"], f"authorizer {authorizer['AuthorizerId']}")


def start(
    endpoint: str,
    api_id: str | None = None,
    port: int = 0,
    poll: bool = True,
    *,
    header_interpolation: str | None = None,
    duplicate_keys: str | None = None,
    mtls_refusal: str | None = None,
) -> LocalRunner:
    """Read the deployed API and functions from the emulator and start serving them. What AWS does
    not document is chosen by header_interpolation ("raw", "escaped") and duplicate_keys ("first",
    "last", "reject"), else by LOCAL_RUNNER_HEADER_INTERPOLATION and LOCAL_RUNNER_DUPLICATE_KEYS,
    else "raw" and "last" (undocumented.py); and a custom domain's mutual TLS refusal by
    mtls_refusal ("handshake", "forbidden": custom_domain.py). Several runners may serve one
    deployment in turn."""
    undocumented = choose(header_interpolation, duplicate_keys)  # refuse a wrong value before starting anything
    refusal = refusal_mode(mtls_refusal)
    apigw, lambda_client, iam, sqs = (aws_client(name, endpoint) for name in ("apigatewayv2", "lambda", "iam", "sqs"))
    account = aws_client("sts", endpoint).get_caller_identity()["Account"]
    api_id = api_id or only_api(apigw)
    domain = read_domain(apigw, aws_client("s3", endpoint), api_id)  # before anything starts: a missing truststore stops here
    workdir = tempfile.TemporaryDirectory(prefix="webhook-ingest-local-")
    functions: dict[str, LocalFunction] = {}

    def function(name: str) -> LocalFunction:
        if name not in functions:
            functions[name] = load_function(lambda_client, iam, name, Path(workdir.name), endpoint, account)
        return functions[name]

    routes = read_routes(apigw, iam, api_id)
    # One authorizer per source: each runs its own function (and has its own cache).
    authorizers = {
        route.authorizer["AuthorizerId"]: function(authorizer_function_name(route.authorizer))
        for route in routes
        if route.authorizer is not None
    }
    # Lambda proxy integrations (the claim-check front function).
    proxies = {
        route.integration["IntegrationId"]: function(invoked_function_name(route.integration["IntegrationUri"], route.route_key))
        for route in routes
        if route.integration.get("IntegrationType") == "AWS_PROXY" and not route.integration.get("IntegrationSubtype")
    }
    front_door = FrontDoor(apigw.get_api(ApiId=api_id), routes, authorizers, sqs, account, proxies, undocumented)
    url = front_door.serve(port)
    domain_url = front_door.serve(0, domain, refusal) if domain is not None else None
    pollers = []
    if poll:
        # The mappings that consume the queues this API sends to: other stacks in
        # the same emulator are not ours to run.
        queues = {queue_arn_from_url(url) for url in front_door.queue_urls()}
        mappings = lambda_client.list_event_source_mappings()["EventSourceMappings"]
        for mapping in [m for m in mappings if m["EventSourceArn"] in queues]:
            poller = Poller(mapping, function(mapping["FunctionArn"].split(":")[-1]), aws_client("sqs", endpoint, POLLER_CONFIG))
            poller.start()
            pollers.append(poller)
    return LocalRunner(endpoint, url, front_door, pollers, workdir, list(functions.values()), domain_url)
