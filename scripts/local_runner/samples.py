"""A request each deployed route accepts: what `make local` prints as curl
commands, and what the demo and tests send to try every source.

Read from the deployment, like the rest of the runner: the route and its
mapping (its static source), the authorizer's mode and secret, the consumer's
key rule for the source. Signed sources have no sample: only their sender holds
what signs them.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import shlex
import urllib.parse
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .aws import aws_client
from .lambda_runtime import ROOT
from .runner import LocalRunner


def shared_module(name: str) -> ModuleType:
    """A module of functions/shared, loaded from its file (the runner is not a Lambda package)."""
    spec = importlib.util.spec_from_file_location(f"shared_{name}", ROOT / "functions" / "shared" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ENVIRONMENT_JSON = shared_module("environment_json")


@dataclass(frozen=True)
class SampleRequest:
    source: str | None  # None: the single source of a deployment without sources
    url: str
    headers: dict[str, str]
    body: str
    expected_key: str  # the item's key once stored

    def curl(self) -> str:
        headers = " ".join(f"-H {shlex.quote(f'{name}: {value}')}" for name, value in self.headers.items())
        return f"curl {headers} -d {shlex.quote(self.body)} {shlex.quote(self.url)}"


def body_with(pointer: str, value: str) -> dict[str, Any]:
    """The smallest JSON object holding `value` at an RFC 6901 `pointer`."""
    steps = [step.replace("~1", "/").replace("~0", "~") for step in pointer.split("/")[1:]]
    document: dict[str, Any] = {}
    node = document
    for step in steps[:-1]:
        node = node.setdefault(step, {})
    node[steps[-1]] = value
    return document


def consumer_variables(runner: LocalRunner) -> dict[str, str]:
    """The deployed consumer's environment (the function that writes to a table)."""
    for function in runner.functions:
        variables = function.configuration.get("Environment", {}).get("Variables", {})
        if "TABLE_NAME" in variables:
            return variables
    return {}


def consumer_sources(runner: LocalRunner) -> tuple[dict[str, dict], str]:
    """(the consumer's SOURCES, its partition key), from the deployed environment."""
    variables = consumer_variables(runner)
    return environment_json("SOURCES", variables.get("SOURCES") or ""), variables.get("PARTITION_KEY", "eventId")


def environment_json(name: str, value: str) -> Any:
    """A JSON setting of a deployed function (ROUTES, SOURCES), decoded by the functions' own
    reader (functions/shared/environment_json.py: plain JSON, or base64 of its gzip when long)."""
    return json.loads(ENVIRONMENT_JSON.json_text(name, value)) if value.strip() else {}


def route_source(runner: LocalRunner, route: Any) -> str | None:
    """The source a route belongs to: its SQS mapping's static attribute, or, on a
    claim-check route, the front function's ROUTES entry."""
    parameters = route.integration.get("RequestParameters")
    if parameters:
        attributes = json.loads(parameters.get("MessageAttributes") or "{}")
        return (attributes.get("source") or {}).get("StringValue")
    function = runner.front_door.integration_functions.get(route.integration["IntegrationId"])
    routes = environment_json("ROUTES", function.env.get("ROUTES") or "") if function is not None else {}
    return (routes.get(route.route_key) or {}).get("source")


def sample_requests(runner: LocalRunner, event_id: str = "hello-1") -> list[SampleRequest]:
    secrets = aws_client("secretsmanager", runner.endpoint)
    sources, partition_key = consumer_sources(runner)
    samples = []
    for route in runner.front_door.routes:
        source = route_source(runner, route)
        rule = sources.get(source or "", {"event_key": f"/{partition_key}", "body": "json"})
        if rule.get("signature"):
            continue  # only its sender can sign it (README, Connecting senders)
        headers = {"content-type": "application/json"}
        if not rule["event_key"].startswith("/"):
            headers[rule["event_key"]] = event_id
        if rule.get("body") == "raw":
            headers["content-type"] = "application/x-www-form-urlencoded"
            body = f"sample=1&id={event_id}"
        else:
            body = json.dumps(body_with(rule["event_key"], event_id) if rule["event_key"].startswith("/") else {"sample": 1})
        url = runner.url + re.sub(r"\{[^}]+\}", "sample", route.route_key.split(" ", 1)[1])
        if route.authorizer is not None:
            function = runner.front_door.authorizer_functions[route.authorizer["AuthorizerId"]]
            variables = function.configuration.get("Environment", {}).get("Variables", {})
            secret = json.loads(secrets.get_secret_value(SecretId=variables["SECRET_ARN"])["SecretString"])
            if variables.get("AUTH_MODE") == "token":
                token = (secret.get("tokens") or [secret.get("token")])[0]
                if variables.get("TOKEN_HEADER"):  # in the header the sender fills (GitLab's x-gitlab-token)
                    headers[variables["TOKEN_HEADER"]] = token
                else:
                    url += "?" + urllib.parse.urlencode({"token": token})
            else:
                credential = (secret.get("credentials") or [secret])[0]
                basic = base64.b64encode(f"{credential['username']}:{credential['password']}".encode()).decode()
                headers["authorization"] = f"Basic {basic}"
        samples.append(SampleRequest(source, url, headers, body, f"{source}#{event_id}" if source else event_id))
    return sorted(samples, key=lambda sample: sample.source or "")
