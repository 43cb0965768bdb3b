#!/usr/bin/env python3
"""`make demo` / `make local`: the whole pipeline on this machine, no AWS account.

Starts moto_server on 127.0.0.1, applies examples/local (the real root module)
to it with Terraform, starts the local runner (front door + queue poller), then
shows the pipeline working step by step and destroys everything. With
--keep-running it leaves the stack up until Ctrl-C instead of the walkthrough;
with --config DIR it applies your own root (one that uses the module with the
local settings of examples/local) instead of examples/local.
Processes and state are cleaned up on success, failure and Ctrl-C alike; after
Ctrl-C (which a terminal also sends to moto_server) nothing is destroyed: the
emulator holds the stack in memory and stops with it, and the exit code is 130.
"""

from __future__ import annotations

import argparse
import base64
import json
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "functions" / "shared"))
from demo_connect import connection_lines, deployed_sources
from envelope import REASON_ATTRIBUTE

import local_runner  # after the path insert, on purpose
from emulator import running_moto_server
from local_runner.samples import SampleRequest, consumer_variables, sample_requests
from local_terraform import LOCAL_EXAMPLE, LocalDeployment
from tfsetup import ROOT

STEP = 0


def step(title: str) -> None:
    global STEP
    STEP += 1
    print(f"\n[{STEP}] {title}", flush=True)


def show(label: str, value: Any) -> None:
    text = value if isinstance(value, str) else json.dumps(value, indent=2, default=str)
    print("    " + f"{label}: " + text.replace("\n", "\n    "), flush=True)


def post(url: str, body: str, authorization: str | None, extra_headers: dict[str, str] | None = None) -> tuple[int, Any]:
    headers = {"content-type": "application/json", **(extra_headers or {})}
    if authorization:
        headers["authorization"] = authorization
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own loopback front door
            return response.status, answer_of(response.read())
    except urllib.error.HTTPError as error:
        return error.code, answer_of(error.read())


def answer_of(data: bytes) -> Any:
    """JSON (SQS's answer, the edge function's), else the text a source's fixed response gives (TwiML)."""
    try:
        return json.loads(data or b"null")
    except ValueError:
        return data.decode("utf-8", "replace")


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def credentials(endpoint: str, secret_arn: str) -> tuple[str, str]:
    secret = json.loads(local_runner.aws_client("secretsmanager", endpoint).get_secret_value(SecretId=secret_arn)["SecretString"])
    return secret["username"], secret["password"]


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"demo failed: {message}")


def deployment_facts(runner: local_runner.LocalRunner) -> dict[str, str]:
    """Names read from what was deployed (any root's outputs may differ): the
    secret from the authorizer's environment, the queues and the table from the
    consumer's, the queue from the integration."""
    facts = {"sqs_queue_url": runner.front_door.queue_urls()[0]}
    for function in runner.functions:
        variables = function.configuration.get("Environment", {}).get("Variables", {})
        if "SECRET_ARN" in variables:
            facts["secretsmanager_secret_arn"] = variables["SECRET_ARN"]
        if "TABLE_NAME" in variables:
            facts["dynamodb_table_name"] = variables["TABLE_NAME"]
            facts["sqs_dead_letter_queue_url"] = variables["DEAD_LETTER_QUEUE_URL"]
    return facts


def walkthrough(stack: local_runner.LocalRunner, outputs: dict, url: str) -> None:
    endpoint = stack.endpoint
    username, password = credentials(endpoint, outputs["secretsmanager_secret_arn"])
    dynamodb = local_runner.aws_client("dynamodb", endpoint)
    sqs = local_runner.aws_client("sqs", endpoint)

    step("POST a webhook with the generated credentials (read from the emulated Secrets Manager)")
    payload = '{"eventId": "order-1001", "amount": 12.50, "currency": "EUR", "items": [{"sku": "A-1", "qty": 2}]}'
    show("request", f"POST {url}  {payload}")
    status, body = post(url, payload, basic(username, password))
    show("response", f"{status} {json.dumps(body)}")
    expect(status == 200 and "MessageId" in body["SendMessageResponse"]["SendMessageResult"], "the POST was not accepted")

    step("The consumer stored it in DynamoDB (numbers exact)")
    expect(stack.wait_until_drained([outputs["sqs_queue_url"]], 30), "the queue did not drain")
    item = dynamodb.get_item(TableName=outputs["dynamodb_table_name"], Key={"eventId": {"S": "order-1001"}}).get("Item")
    show("item", json.dumps(item))
    expect(item is not None and item["amount"] == {"N": "12.50"}, "the item was not stored exactly")

    step("A request without credentials: API Gateway answers 401 without invoking the authorizer")
    invocations = stack.front_door.stats.authorizer_invocations
    status, body = post(url, '{"eventId": "x"}', None)
    show("response", f"{status} {json.dumps(body)}")
    expect(
        status == 401 and stack.front_door.stats.authorizer_invocations == invocations, "expected 401 without an authorizer call"
    )

    step("Wrong credentials: the authorizer denies, 403")
    status, body = post(url, '{"eventId": "x"}', basic(username, "not-the-password"))
    show("response", f"{status} {json.dumps(body)}")
    expect(status == 403, "expected 403")

    step("A body that is not JSON: accepted by the API, then dead-lettered by the consumer with its reason")
    status, body = post(url, "this is not json", basic(username, password))
    show("response", f"{status} (SQS accepted it: the API does not parse bodies)")
    expect(stack.wait_until_drained([outputs["sqs_queue_url"]], 30), "the queue did not drain")
    messages = sqs.receive_message(
        QueueUrl=outputs["sqs_dead_letter_queue_url"], MessageAttributeNames=["All"], WaitTimeSeconds=2
    )
    dead = messages.get("Messages", [])
    expect(len(dead) == 1, "expected one message in the DLQ")
    attributes = {name: value["StringValue"] for name, value in dead[0]["MessageAttributes"].items()}
    show("dead letter", {"body": dead[0]["Body"], "attributes": attributes})
    expect(attributes[REASON_ATTRIBUTE] == "invalid_json", "wrong failure reason")

    step("What the functions logged (locally, a file per function; on AWS, CloudWatch Logs): no credential, no payload")
    for function in stack.functions:
        lines = stack.function_log(function.name).splitlines()
        show(function.name, "\n".join(line[:160] + ("..." if len(line) > 160 else "") for line in lines[-2:]))


def try_each_source(stack: local_runner.LocalRunner, samples: list[SampleRequest]) -> None:
    """Several sources: send each its sample request and find each item under its key."""
    table = consumer_variables(stack)["TABLE_NAME"]
    dynamodb = local_runner.aws_client("dynamodb", stack.endpoint)
    for sample in samples:
        step(f"POST to the {sample.source} source")
        status, body = post(sample.url, sample.body, sample.headers.get("authorization"), sample.headers)
        show("response", f"{status} {json.dumps(body)}")
        expect(status == 200, f"the {sample.source} source did not accept its sample request")
    step("The consumer stored each under <source>#<id>")
    expect(stack.wait_until_drained(stack.front_door.queue_urls(), 30), "the queue did not drain")
    for sample in samples:
        item = dynamodb.get_item(TableName=table, Key={"eventId": {"S": sample.expected_key}}, ConsistentRead=True).get("Item")
        show(sample.expected_key, json.dumps(item))
        expect(item is not None, f"no item {sample.expected_key}")


def what_to_try(samples: list[SampleRequest]) -> str:
    """Several sources: each its sample; the single source of examples/local: the walkthrough; a
    deployment whose every source is signed (examples/local-senders) has no sample to send."""
    if any(sample.source for sample in samples):
        return "each source"
    return "the walkthrough" if samples else "nothing"


def keep_running(
    stack: local_runner.LocalRunner, deployment: LocalDeployment, samples: list[SampleRequest], endpoint: str
) -> None:
    """make local: print how to reach the stack and connect senders, then wait for Ctrl-C."""
    print("\nThe stack is running. Try:\n")
    for sample in samples:
        print(f"  # {sample.source or 'a webhook'}, stored under the key {sample.expected_key}")
        print(f"  {sample.curl()}\n")
    document = deployment.output_document()
    example = "source_signing_secret_arns" if "source_signing_secret_arns" in document else next(iter(document), "")
    state, command = deployment.state_file, deployment.output_command(example)
    for line in connection_lines(document, stack.url, endpoint, state, command, deployed_sources(stack), stack.domain_url):
        print(line)
    print(f"\nEmulated AWS at {endpoint} (e.g. AWS_ENDPOINT_URL={endpoint} aws dynamodb scan ...). Ctrl-C stops.", flush=True)
    while True:
        time.sleep(3600)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-running", action="store_true", help="leave the stack up until Ctrl-C (make local)")
    parser.add_argument("--port", type=int, default=8080, help="front door port for --keep-running (default 8080)")
    parser.add_argument("--config", type=Path, help="a Terraform root of yours to apply instead of examples/local")
    return parser.parse_args(argv)


def interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    # Ctrl-C and SIGTERM unwind through the ExitStack below, which destroys the
    # stack and stops moto_server whatever state the demo was in.
    signal.signal(signal.SIGTERM, interrupted)
    started = time.monotonic()
    stopping = {"interrupted": False}

    def destroy(deployment: LocalDeployment) -> None:
        if stopping["interrupted"]:
            # moto_server keeps everything in memory and is stopped next, and the
            # state directory is deleted: a destroy would change nothing, and after a
            # terminal's Ctrl-C (which reaches moto_server too) it would only retry
            # against an emulator that is gone.
            print("[-] moto_server stops with everything applied to it; no terraform destroy needed", flush=True)
            return
        print("\n[-] terraform destroy", flush=True)
        deployment.destroy()

    with ExitStack() as cleanup:
        try:
            step("Starting moto_server on 127.0.0.1 (the local AWS)")
            workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="webhook-ingest-demo-")))
            endpoint = cleanup.enter_context(running_moto_server(workdir / "moto.log"))
            show("endpoint", endpoint)

            config = (args.config or LOCAL_EXAMPLE).resolve()
            step(f"terraform apply {config.relative_to(ROOT) if config.is_relative_to(ROOT) else config} (about a minute)")
            deployment = LocalDeployment(endpoint, workdir / "state", config_dir=config)
            cleanup.callback(destroy, deployment)
            deployment.apply()

            step("Starting the local runner: HTTP front door + SQS poller, configured from what moto holds")
            stack = local_runner.start(endpoint, port=args.port if args.keep_running else 0)
            cleanup.callback(stack.stop)
            samples = sample_requests(stack)
            show("front door", {sample.source or "webhooks": sample.url.split("?", 1)[0] for sample in samples})

            if args.keep_running:
                keep_running(stack, deployment, samples, endpoint)
            tried = what_to_try(samples)
            if tried == "each source":
                try_each_source(stack, samples)
            elif tried == "the walkthrough":
                walkthrough(stack, deployment_facts(stack), samples[0].url)
            else:
                step("Every source is signed: only its sender can sign a request (README, Connecting senders)")
        except KeyboardInterrupt:
            # A second Ctrl-C must not break the cleanup (it takes a few seconds now).
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            stopping["interrupted"] = True
            print("\ninterrupted: cleaning up", flush=True)
            return 130
    print(f"\nDone in {time.monotonic() - started:.0f}s: everything destroyed, moto_server stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
