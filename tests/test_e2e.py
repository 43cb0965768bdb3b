"""End to end: examples/local (the real root module) applied to moto_server with
Terraform, served by the local runner, exercised over HTTP on 127.0.0.1.

Bounded: one apply, a few hundred requests, every wait has a deadline; the
fixture destroys everything and stops moto_server whatever happens.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from boto3.dynamodb.types import TypeDeserializer

import local_runner
import redrive
from emulator import running_moto_server
from local_terraform import LocalDeployment, TerraformFailed

pytestmark = pytest.mark.e2e
NAME = "e2e-hooks"
# The exact drift a second plan shows against moto, each caused by a documented
# moto gap (README "Local stack"). A new entry here is a new drift: it must fail.
EXPECTED_MOTO_DRIFT = [
    # moto re-spaces RedrivePolicy JSON: a whitespace-only update
    {
        "address": "module.webhook_ingest.module.queue.aws_sqs_queue.this[0]",
        "actions": ["update"],
        "attributes": ["redrive_policy"],
    },
    # ...which defers the TLS-only policy documents (they read the queue ARNs) to apply time
    {
        "address": 'module.webhook_ingest.module.queue.aws_sqs_queue_policy.this["dead_letter"]',
        "actions": ["update"],
        "attributes": ["policy"],
    },
    {
        "address": 'module.webhook_ingest.module.queue.aws_sqs_queue_policy.this["main"]',
        "actions": ["update"],
        "attributes": ["policy"],
    },
]


class Pipeline:
    def __init__(self, stack: local_runner.LocalRunner, deployment: LocalDeployment, outputs: dict) -> None:
        self.stack = stack
        self.deployment = deployment
        self.outputs = outputs
        self.url = stack.url + "/submit"
        self.sqs = local_runner.aws_client("sqs", stack.endpoint)
        self.dynamodb = local_runner.aws_client("dynamodb", stack.endpoint)
        secret = local_runner.aws_client("secretsmanager", stack.endpoint).get_secret_value(
            SecretId=outputs["secretsmanager_secret_arn"]
        )
        credentials = json.loads(secret["SecretString"])
        self.username, self.password = credentials["username"], credentials["password"]

    def restart_runner(self) -> None:
        """A new runner reading the deployment as it is now (the old one is stopped first)."""
        self.stack.stop()
        self.stack = local_runner.start(self.stack.endpoint, self.outputs["apigatewayv2_api_id"])
        self.url = self.stack.url + "/submit"

    def auth(self, password: str | None = None) -> str:
        token = f"{self.username}:{password or self.password}".encode()
        return "Basic " + base64.b64encode(token).decode()

    def post(self, body: str, authorization: str | None = "valid") -> tuple[int, dict]:
        headers = {"content-type": "application/json"}
        if authorization is not None:
            headers["authorization"] = self.auth() if authorization == "valid" else authorization
        request = urllib.request.Request(self.url, data=body.encode(), headers=headers, method="POST")  # noqa: S310 - loopback
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def drained(self, timeout: float = 60) -> bool:
        return self.stack.wait_until_drained([self.outputs["sqs_queue_url"]], timeout)

    def item(self, key: str) -> dict | None:
        found = self.dynamodb.get_item(
            TableName=self.outputs["dynamodb_table_name"], Key={"eventId": {"S": key}}, ConsistentRead=True
        )
        return {k: TypeDeserializer().deserialize(v) for k, v in found["Item"].items()} if "Item" in found else None

    def dead_letters(self) -> list[dict]:
        messages = []
        while batch := self.sqs.receive_message(
            QueueUrl=self.outputs["sqs_dead_letter_queue_url"], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages"):
            messages.extend(batch)
            self.sqs.delete_message_batch(
                QueueUrl=self.outputs["sqs_dead_letter_queue_url"],
                Entries=[{"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]} for m in batch],
            )
        return messages

    def queue_total(self, url: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e")
    with running_moto_server(workdir / "moto.log") as endpoint:
        # consumer timeout 1 s -> visibility timeout 6 s: retries (and the move to
        # the DLQ after 5 receives) happen within the test's time budget.
        deployment = LocalDeployment(endpoint, workdir / "state", name=NAME, extra_vars=("consumer_timeout_seconds=1",))
        pipeline = None
        try:
            started = time.monotonic()
            outputs = deployment.apply()
            print(f"\nterraform apply against moto: {time.monotonic() - started:.0f}s")
            pipeline = Pipeline(local_runner.start(endpoint, outputs["apigatewayv2_api_id"]), deployment, outputs)
            yield pipeline
        finally:
            if pipeline is not None:
                pipeline.stack.stop()  # the runner a test may have restarted
            deployment.destroy()


@pytest.fixture(autouse=True)
def dummy_aws(pipeline, monkeypatch):
    """Overrides conftest's: the tests' own SDK calls (redrive) reach moto through AWS_ENDPOINT_URL."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", pipeline.stack.endpoint)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, local_runner.DUMMY_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", local_runner.REGION)


def test_happy_path_stores_the_payload_exactly(pipeline):
    payload = '{"eventId": "happy-1", "price": 0.1, "total": 1234567890.123456789, "tags": ["a", "b"], "meta": {"n": null}}'
    status, body = pipeline.post(payload)
    assert status == 200
    result = body["SendMessageResponse"]["SendMessageResult"]
    assert len(result["MessageId"]) == 36 and len(result["MD5OfMessageBody"]) == 32
    assert pipeline.drained()
    assert pipeline.item("happy-1") == json.loads(payload, parse_float=Decimal)


def test_missing_credentials_401_without_invoking_the_authorizer(pipeline):
    before = pipeline.stack.front_door.stats.authorizer_invocations
    status, body = pipeline.post('{"eventId": "nope"}', authorization=None)
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert pipeline.stack.front_door.stats.authorizer_invocations == before


def test_wrong_credentials_403_and_decisions_are_cached(pipeline):
    wrong = pipeline.auth("not-the-password")
    before = pipeline.stack.front_door.stats.authorizer_invocations
    assert pipeline.post('{"eventId": "nope"}', authorization=wrong) == (403, {"message": "Forbidden"})
    assert pipeline.post('{"eventId": "nope"}', authorization=wrong) == (403, {"message": "Forbidden"})
    assert pipeline.stack.front_door.stats.authorizer_invocations == before + 1  # the deny was cached (TTL 300 s)
    assert pipeline.item("nope") is None


def test_poison_goes_to_the_dlq_with_its_reason(pipeline):
    assert pipeline.post("definitely not json")[0] == 200
    assert pipeline.post('{"id": "no-event-id"}')[0] == 200
    assert pipeline.drained()
    dead = pipeline.dead_letters()
    reasons = sorted(m["MessageAttributes"]["ingest.failure_reason"]["StringValue"] for m in dead)
    assert reasons == ["invalid_json", "missing_key"]
    for message in dead:  # the integration's attributes travel with the message
        assert message["MessageAttributes"]["principal"]["StringValue"] == pipeline.username
        assert len(message["MessageAttributes"]["requestId"]["StringValue"]) > 8


def test_empty_body_is_rejected_by_sqs_and_nothing_is_queued(pipeline):
    status, body = pipeline.post("")
    assert status == 400 and "Error" in body


def test_same_event_five_times_is_one_item(pipeline):
    for version in range(5):
        assert pipeline.post(json.dumps({"eventId": "dup-1", "version": version}))[0] == 200
    assert pipeline.drained()
    scan = pipeline.dynamodb.scan(
        TableName=pipeline.outputs["dynamodb_table_name"],
        FilterExpression="eventId = :k",
        ExpressionAttributeValues={":k": {"S": "dup-1"}},
    )
    assert scan["Count"] == 1


def test_500_requests_from_20_clients_lose_nothing(pipeline):
    requests = []
    for index in range(500):
        if index % 10 == 7:
            requests.append(("poison", "{not json " + str(index)))
        elif index % 10 == 3:
            requests.append(("duplicate", json.dumps({"eventId": f"load-{index - 3}", "copy": True})))
        else:
            requests.append(("valid", json.dumps({"eventId": f"load-{index}", "amount": index / 100})))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as clients:
        statuses = list(clients.map(lambda request: pipeline.post(request[1])[0], requests))
    accepted_in = time.monotonic() - started
    assert statuses == [200] * 500
    assert pipeline.drained(timeout=120)
    stored_in = time.monotonic() - started
    valid_keys = {json.loads(body)["eventId"] for kind, body in requests if kind != "poison"}
    missing = [key for key in valid_keys if pipeline.item(key) is None]
    dead = pipeline.dead_letters()
    poison_bodies = sorted(body for kind, body in requests if kind == "poison")
    # SQS delivers at least once: a batch still running when its visibility
    # timeout (6 s here) ends is received again, so a poison message can be
    # dead-lettered twice (same SQS message id). None may be missing or foreign.
    dead_by_source = {m["MessageAttributes"]["ingest.source_message_id"]["StringValue"]: m["Body"] for m in dead}
    print(
        f"\n500 requests / 20 clients: accepted in {accepted_in:.1f}s ({500 / accepted_in:.0f} req/s), "
        f"all stored or dead-lettered after {stored_in:.1f}s; {len(valid_keys)} keys stored, {len(dead)} dead letters "
        f"({len(dead) - len(dead_by_source)} redelivered), "
        f"authorizer invocations {pipeline.stack.front_door.stats.authorizer_invocations}"
    )
    assert missing == []
    assert sorted(dead_by_source.values()) == poison_bodies
    assert pipeline.queue_total(pipeline.outputs["sqs_queue_url"]) == 0
    assert pipeline.queue_total(pipeline.outputs["sqs_dead_letter_queue_url"]) == 0


def test_outage_dead_letters_after_max_receives_then_redrive_stores_them(pipeline):
    restore = pipeline.stack.fail_function_calls("dynamodb", "ServiceUnavailable")
    try:
        for index in range(3):
            assert pipeline.post(json.dumps({"eventId": f"outage-{index}"}))[0] == 200
        deadline = time.monotonic() + 90  # 5 receives x 6 s visibility, with margin
        while pipeline.queue_total(pipeline.outputs["sqs_dead_letter_queue_url"]) < 3 and time.monotonic() < deadline:
            time.sleep(1)
        assert pipeline.queue_total(pipeline.outputs["sqs_dead_letter_queue_url"]) == 3
        assert pipeline.queue_total(pipeline.outputs["sqs_queue_url"]) == 0
        assert all(pipeline.item(f"outage-{i}") is None for i in range(3))
    finally:
        restore()
    result = redrive.redrive(pipeline.sqs, pipeline.outputs["sqs_dead_letter_queue_url"], None)
    assert (result.mode, result.moved, result.remaining) == ("copy", 3, 0)
    assert pipeline.drained()
    assert all(pipeline.item(f"outage-{i}") is not None for i in range(3))


def test_function_logs_hold_decisions_and_metrics_but_no_secret_or_payload(pipeline):
    authorizer_log = pipeline.stack.function_log(f"{NAME}-authorizer")
    consumer_log = pipeline.stack.function_log(f"{NAME}-consumer")
    decisions = [json.loads(line) for line in authorizer_log.splitlines()]
    assert {entry["decision"] for entry in decisions} == {"allow", "deny"}
    entries = [json.loads(line) for line in consumer_log.splitlines()]
    batches = [entry for entry in entries if "Stored" in entry]  # one metrics record per batch
    lags = [value for entry in entries for value in entry.get("DeliveryLagMs", [])]  # one per stored message
    # The rest: the runtime's records of whole-batch failures (the injected outage).
    assert all(entry.get("level") == "ERROR" for entry in entries if "_aws" not in entry), entries
    assert sum(batch["Stored"] for batch in batches) >= 400
    assert len(lags) == sum(batch["Stored"] for batch in batches) and all(lag >= 0 for lag in lags)
    assert {entry["Reason"] for entry in entries if "DeadLettered" in entry} >= {"invalid_json"}
    everything = authorizer_log + consumer_log
    for secret_or_payload in (pipeline.password, pipeline.auth(), "Basic ", "definitely not json", "happy-1", "load-10"):
        assert secret_or_payload not in everything


def test_body_at_the_queue_limit_is_stored_and_one_over_is_refused(pipeline):
    # SQS counts the message attributes (principal, requestId: names, types and
    # values) into the 256 KiB; the attributes the integration adds are ~60 bytes.
    limit = 262_144
    under = json.dumps({"eventId": "size-under", "blob": ""})
    under = under.replace('""', '"' + "x" * (limit - 200 - len(under)) + '"')
    status, _ = pipeline.post(under)
    assert status == 200
    over_with_attributes = json.dumps({"eventId": "size-over", "blob": ""})
    over_with_attributes = over_with_attributes.replace('""', '"' + "x" * (limit - 20 - len(over_with_attributes)) + '"')
    status, body = pipeline.post(over_with_attributes)
    assert status == 400 and body["Error"]["Code"] == "InvalidParameterValue"
    assert pipeline.drained()
    assert pipeline.item("size-under")["blob"] == json.loads(under)["blob"]
    assert pipeline.item("size-over") is None


def test_each_function_runs_alone_from_its_built_zip(pipeline):
    assert pipeline.post('{"eventId": "isolation-1"}')[0] == 200
    assert pipeline.drained()
    described = {function.name: function.describe() for function in pipeline.stack.functions}
    assert len({description["pid"] for description in described.values()} | {os.getpid()}) == 3
    sources = Path(__file__).resolve().parent.parent / "functions"
    for name, description in described.items():
        code_dir = description["sys_path"][0]
        ours = {module: path for module, path in description["modules"].items() if path.startswith(code_dir)}
        assert "app" in ours, name  # the handler came from the extracted zip
        assert not [path for path in description["modules"].values() if path.startswith(str(sources))], name
        assert not [entry for entry in description["sys_path"] if entry.startswith(str(sources))], name
    authorizer, consumer = described[f"{NAME}-authorizer"]["modules"], described[f"{NAME}-consumer"]["modules"]
    assert "basic_auth" in authorizer and "basic_auth" not in consumer
    assert "store" in consumer and "store" not in authorizer


def test_first_write_wins_without_put_item_is_refused_by_the_iam_guard(pipeline):
    """first-write-wins writes from a thread pool: the guard must see those calls too."""
    function_name, role_name = f"{NAME}-consumer", f"{NAME}-consumer"
    iam, lambda_client = (local_runner.aws_client(service, pipeline.stack.endpoint) for service in ("iam", "lambda"))
    environment = lambda_client.get_function_configuration(FunctionName=function_name)["Environment"]["Variables"]
    policy = iam.get_role_policy(RoleName=role_name, PolicyName="least-privilege")["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    without_put_item = json.loads(json.dumps(policy))
    for statement in without_put_item["Statement"]:
        if statement.get("Sid") == "WriteEvents":
            statement["Action"] = [action for action in statement["Action"] if action != "dynamodb:PutItem"] or [
                "dynamodb:GetItem"
            ]
    environment_before = dict(os.environ)
    lambda_client.update_function_configuration(
        FunctionName=function_name, Environment={"Variables": {**environment, "WRITE_MODE": "first-write-wins"}}
    )
    iam.put_role_policy(RoleName=role_name, PolicyName="least-privilege", PolicyDocument=json.dumps(without_put_item))
    try:
        pipeline.restart_runner()
        assert pipeline.post('{"eventId": "fww-denied-1"}')[0] == 200
        deadline = time.monotonic() + 20
        while "may not dynamodb:PutItem" not in pipeline.stack.function_log(function_name) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert "may not dynamodb:PutItem" in pipeline.stack.function_log(function_name)  # the guard's record
        assert pipeline.item("fww-denied-1") is None
        # AccessDenied is retriable for the consumer: the message waits for a fixed policy.
        assert pipeline.queue_total(pipeline.outputs["sqs_queue_url"]) == 1
    finally:
        lambda_client.update_function_configuration(FunctionName=function_name, Environment={"Variables": environment})
        iam.put_role_policy(RoleName=role_name, PolicyName="least-privilege", PolicyDocument=json.dumps(policy))
        pipeline.restart_runner()
        for url in (pipeline.outputs["sqs_queue_url"], pipeline.outputs["sqs_dead_letter_queue_url"]):
            pipeline.sqs.purge_queue(QueueUrl=url)
    # The runner never takes a function's environment into its own process.
    assert dict(os.environ) == environment_before


def test_second_plan_shows_only_the_documented_moto_drift(pipeline):
    assert pipeline.deployment.planned_changes() == EXPECTED_MOTO_DRIFT


def test_destroy_stopped_by_the_tables_protection_keeps_the_queues(pipeline):
    pipeline.stack.stop()  # nothing consumes from here on
    main_queue, dead_letter_queue = pipeline.outputs["sqs_queue_url"], pipeline.outputs["sqs_dead_letter_queue_url"]
    pipeline.sqs.send_message(QueueUrl=main_queue, MessageBody='{"eventId": "waiting"}')
    table = pipeline.outputs["dynamodb_table_name"]
    pipeline.dynamodb.update_table(TableName=table, DeletionProtectionEnabled=True)  # the production default
    try:
        with pytest.raises(TerraformFailed, match="DeletionProtectionEnabled"):
            pipeline.deployment.destroy()
        assert pipeline.queue_total(main_queue) == 1  # the waiting message survived the failed destroy
        assert pipeline.queue_total(dead_letter_queue) == 0  # the DLQ is still there to be asked
        assert table in pipeline.dynamodb.list_tables()["TableNames"]
    finally:
        pipeline.dynamodb.update_table(TableName=table, DeletionProtectionEnabled=False)


def test_destroy_leaves_nothing_behind(pipeline):
    pipeline.stack.stop()
    pipeline.deployment.destroy()
    endpoint = pipeline.stack.endpoint
    client = lambda service: local_runner.aws_client(service, endpoint)  # noqa: E731
    assert client("sqs").list_queues().get("QueueUrls", []) == []
    assert client("dynamodb").list_tables()["TableNames"] == []
    assert client("lambda").list_functions()["Functions"] == []
    assert client("lambda").list_event_source_mappings()["EventSourceMappings"] == []
    assert client("apigatewayv2").get_apis()["Items"] == []
    assert [r["RoleName"] for r in client("iam").list_roles()["Roles"] if r["RoleName"].startswith(NAME)] == []
    assert client("secretsmanager").list_secrets()["SecretList"] == []
    assert [g["logGroupName"] for g in client("logs").describe_log_groups()["logGroups"] if NAME in g["logGroupName"]] == []
    assert client("cloudwatch").describe_alarms()["MetricAlarms"] == []
