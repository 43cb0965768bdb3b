"""An edge route against a direct route through the local stack: HTTP in, the message in moto_server's queue out.

The deployment is made here with boto3 against moto_server (no Terraform: only
what the local runner reads back): one HTTP API with a direct route (API
Gateway's SQS-SendMessage integration, the attributes modules/api maps: source,
receivedAt, requestId) and two edge routes (Lambda proxy, payload 2.0) to the
edge function deployed from packages/front.zip, one of them verifying GitHub's
signature. scripts/local_runner serves it: the direct route's SendMessage is
made by the runner, an edge route's request invokes the function in a worker
process of its own (a local Lambda execution environment). Requests go over
HTTP on 127.0.0.1, interleaved. The cold start is the first request after the
function's containers are stopped: a new worker process, its imports, clients,
the signing secret read, one SendMessage.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import urllib.request
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from edge import GITHUB_SECRET, VARIANTS, body_of, github_signature, latency_row, rotated, routes, settled

from harness import ROOT

FUNCTION, QUEUE = "bench-edge", "bench-edge-stack"
PATHS = {"direct": "/hooks/direct", "edge": "/hooks/plain", "edge_signed": "/hooks/github"}
ASSUME = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def role(iam: Any, name: str, statements: list[dict]) -> str:
    """A role whose inline policy is exactly `statements` (the local runner enforces it on every call)."""
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", **ASSUME}))["Role"]["Arn"]
    document = {"Version": "2012-10-17", "Statement": statements}
    iam.put_role_policy(RoleName=name, PolicyName="bench", PolicyDocument=json.dumps(document))
    return arn


def direct_parameters(queue_url: str) -> dict[str, str]:
    """The direct route's mapping, as modules/api writes it for an open source (no authorizer, no principal)."""
    attributes = {
        "requestId": "${context.requestId}",
        "source": "plain",
        "receivedAt": "${context.requestTimeEpoch}",
    }
    mapped = {name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()}
    return {"QueueUrl": queue_url, "MessageBody": "$request.body", "MessageAttributes": json.dumps(mapped)}


def edge_function(client: Any, role_arn: str, queue_url: str, secret_arn: str) -> str:
    edge_routes = {key.replace("/hooks/plain", PATHS["edge"]): value for key, value in routes(secret_arn).items()}
    environment = {"QUEUE_URL": queue_url, "ROUTES": json.dumps(edge_routes), "METRICS_NAMESPACE": "Bench/edge"}
    return client.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role_arn,
        Handler="app.handler",
        Code={"ZipFile": (ROOT / "packages" / "front.zip").read_bytes()},
        Timeout=10,
        MemorySize=512,
        Architectures=["arm64"],
        Environment={"Variables": environment},
    )["FunctionArn"]


def deploy(aws: Any) -> str:
    """The queue, secret, roles, function and HTTP API; the API's id."""
    sqs, iam, apigw = aws("sqs"), aws("iam"), aws("apigatewayv2")
    queue_url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    secret_arn = aws("secretsmanager").create_secret(Name="github", SecretString=GITHUB_SECRET)["ARN"]
    send = {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}
    read = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret_arn}
    function_arn = edge_function(aws("lambda"), role(iam, "bench-edge", [send, read]), queue_url, secret_arn)
    api_id = apigw.create_api(Name="bench-edge", ProtocolType="HTTP")["ApiId"]
    direct = apigw.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationSubtype="SQS-SendMessage",
        CredentialsArn=role(iam, "bench-direct", [send]),
        PayloadFormatVersion="1.0",
        RequestParameters=direct_parameters(queue_url),
    )["IntegrationId"]
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    edge = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=uri, PayloadFormatVersion="2.0")
    for variant, path in PATHS.items():
        target = direct if variant == "direct" else edge["IntegrationId"]
        apigw.create_route(ApiId=api_id, RouteKey=f"POST {path}", Target=f"integrations/{target}")
    return api_id


def post(url: str, variant: str, index: int) -> float:
    """Seconds until the answer is read; any answer but 200 stops the bench."""
    body = body_of(index)
    headers = {"content-type": "application/json", "x-github-delivery": f"d-{index}"}
    if variant == "edge_signed":
        headers["x-hub-signature-256"] = github_signature(body)
    request = urllib.request.Request(url + PATHS[variant], data=body, headers=headers, method="POST")  # noqa: S310 - loopback
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        response.read()
        status = response.status
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"{variant}: answered {status}")
    return elapsed


def warm_figures(url: str, requests: int, warmup: int, settle: Callable[[], int]) -> tuple[dict[str, Any], int]:
    """(latency by variant, messages queued); each round settled outside the timing (edge.settled)."""
    samples: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    queued = 0
    for index in range(warmup + requests):
        for variant in rotated(index):
            seconds = post(url, variant, index)
            if index >= warmup:
                samples[variant].append(seconds * 1000)
        queued += settle()
    return {name: without(latency_row(values, samples["direct"]), "samples") for name, values in samples.items()}, queued


def without(row: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name != key}


def cold_figures(stack: Any, url: str, runs: int, settle: Callable[[], int]) -> tuple[dict[str, Any], int]:
    """The first request to each route after the function's containers are stopped, `runs` times."""
    samples: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    queued = 0
    for run in range(runs):
        for variant in VARIANTS:
            stack.function(FUNCTION).stop()  # the next invocation starts a new execution environment
            samples[variant].append(post(url, variant, 100_000 + run) * 1000)
        queued += settle()
    cold = {
        name: {"median": statistics.median(values), "min": min(values), "max": max(values)} for name, values in samples.items()
    }
    return cold, queued


def bench_stack(requests: int = 300, warmup: int = 30, cold_runs: int = 5) -> dict[str, Any]:
    import local_runner
    from emulator import running_moto_server

    with tempfile.TemporaryDirectory() as work, running_moto_server(Path(work) / "moto.log") as endpoint:
        api_id = deploy(lambda service: local_runner.aws_client(service, endpoint))
        stack = local_runner.start(endpoint, api_id, poll=False)
        sqs = local_runner.aws_client("sqs", endpoint)
        settle = partial(settled, sqs, sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"])
        try:
            warm, queued = warm_figures(stack.url, requests, warmup, settle)
            cold, queued_cold = cold_figures(stack, stack.url, cold_runs, settle)
        finally:
            stack.stop()
    expected = len(VARIANTS) * (warmup + requests + cold_runs)
    if queued + queued_cold != expected:  # every 200 must have left exactly one message
        raise RuntimeError(f"{queued + queued_cold} messages queued for {expected} requests answered 200")
    return {"requests": requests, "warmup": warmup, "cold_runs": cold_runs, "queued": expected, "warm": warm, "cold": cold}
