"""The local runner's own rules, checked without a deployment: request-parameter
mapping, route matching, Lambda's reading of batchItemFailures, the IAM guard,
and the function workers (isolation, the guard on every thread)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from emulator import running_moto_server
from local_runner import front_door, iam_guard, sqs_poller
from local_runner.aws import aws_client, queue_arn_from_url
from local_runner.lambda_runtime import InvocationFailed, LocalFunction, worker_environment, write_spec
from loopback import is_loopback


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$request.body", '{"a": 1}'),
        ("$request.header.X-Source", "billing"),
        ("$context.requestId", "req-1"),
        ("${context.authorizer.principal}", "alice"),
        ('{"principal": {"StringValue": "${context.authorizer.principal}"}}', '{"principal": {"StringValue": "alice"}}'),
        ("https://sqs.example/123/q", "https://sqs.example/123/q"),
        ("$context.unknown", ""),
    ],
)
def test_request_parameters_are_evaluated_like_api_gateway(template, expected):
    context = {"requestId": "req-1", "authorizer.principal": "alice"}
    assert front_door.evaluate_parameter(template, '{"a": 1}', {"x-source": "billing"}, context) == expected


def test_route_patterns_match_path_parameters_only_within_a_segment():
    pattern = front_door.route_pattern("/hooks/{source}")
    assert pattern.match("/hooks/billing")
    assert not pattern.match("/hooks/billing/extra")
    assert not pattern.match("/hooks/")


RECORDS = [{"messageId": f"m{i}", "receiptHandle": f"r{i}"} for i in range(3)]


@pytest.mark.parametrize(
    ("response", "report_failures", "deleted"),
    [
        ({"batchItemFailures": []}, True, ["r0", "r1", "r2"]),
        (None, True, ["r0", "r1", "r2"]),
        ({"batchItemFailures": [{"itemIdentifier": "m1"}]}, True, ["r0", "r2"]),
        ({"batchItemFailures": [{"itemIdentifier": "m1"}]}, False, ["r0", "r1", "r2"]),  # ignored unless reported
        ({"batchItemFailures": [{"itemIdentifier": "unknown"}]}, True, []),  # malformed: whole batch fails
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, True, []),
        ({"batchItemFailures": ["m1"]}, True, []),
    ],
)
def test_deletes_follow_lambdas_rules_for_partial_batch_responses(response, report_failures, deleted):
    assert sqs_poller.succeeded_receipts(RECORDS, response, report_failures) == deleted


def test_role_policy_allows_only_listed_actions_on_listed_resources():
    policy = iam_guard.RolePolicy(
        "consumer",
        (
            (("sqs:ReceiveMessage", "sqs:DeleteMessage"), ("arn:aws:sqs:us-east-1:1:q",)),
            (("logs:PutLogEvents",), ("arn:aws:logs:*",)),
        ),
    )
    assert policy.allows("sqs:DeleteMessage", "arn:aws:sqs:us-east-1:1:q")
    assert not policy.allows("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")
    assert not policy.allows("sqs:DeleteMessage", "arn:aws:sqs:us-east-1:1:other")
    assert policy.allows("logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:x")


def test_guarded_resources_name_the_iam_action_and_arn():
    assert iam_guard.guarded_resources("sqs", "SendMessageBatch", {"QueueUrl": "http://127.0.0.1:5/123/dlq"}, "123") == [
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:123:dlq")
    ]
    assert iam_guard.guarded_resources("dynamodb", "BatchWriteItem", {"RequestItems": {"t": []}}, "123") == [
        ("dynamodb:BatchWriteItem", "arn:aws:dynamodb:us-east-1:123:table/t")
    ]
    # Fan-out's PutEvents: each bus its entries name, by ARN or by name (none: the account's default bus).
    entries = {"Entries": [{"EventBusName": "arn:aws:events:us-east-1:123:event-bus/b"}, {"EventBusName": "b"}, {}]}
    assert iam_guard.guarded_resources("events", "PutEvents", entries, "123") == [
        ("events:PutEvents", "arn:aws:events:us-east-1:123:event-bus/b"),
        ("events:PutEvents", "arn:aws:events:us-east-1:123:event-bus/default"),
    ]


def test_iam_guard_refuses_a_call_the_role_does_not_allow():
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        allowed_url = sqs.create_queue(QueueName="allowed")["QueueUrl"]
        denied_url = sqs.create_queue(QueueName="denied")["QueueUrl"]
        policy = iam_guard.RolePolicy("fn", ((("sqs:SendMessage",), (queue_arn_from_url(allowed_url),)),))
        # mock_aws intercepts AWS's own hostnames, so the loopback check is relaxed here only.
        uninstall = iam_guard.install(policy, "123456789012", lambda host: True, {})
        try:
            sqs.send_message(QueueUrl=allowed_url, MessageBody="ok")
            with pytest.raises(ClientError, match="AccessDenied"):
                sqs.send_message(QueueUrl=denied_url, MessageBody="no")
        finally:
            uninstall()
        sqs.send_message(QueueUrl=denied_url, MessageBody="guard removed")


@pytest.mark.parametrize("endpoint", ["https://sqs.us-east-1.amazonaws.com", "http://127.attacker.example:4566"])
def test_requests_to_anything_but_loopback_are_refused(endpoint):
    everything = iam_guard.RolePolicy("fn", ((("*",), ("*",)),))
    uninstall = iam_guard.install(everything, "123456789012", is_loopback, {})
    try:
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
        with pytest.raises(RuntimeError, match="only loopback"):
            sqs.list_queues()
    finally:
        uninstall()


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.9.8.7", True),
        ("::1", True),
        ("localhost", True),
        ("127.attacker.example", False),
        ("127.0.0.1.nip.io", False),
        ("localhost.example", False),
        ("10.0.0.1", False),
        ("", False),
    ],
)
def test_loopback_is_an_address_check(host, allowed):
    assert is_loopback(host) is allowed


class StubFunction:
    def __init__(self, result):
        self.result = result
        self.name = "authorizer"

    def invoke(self, event):
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.mark.parametrize(
    ("authorizer_result", "status"),
    [
        ({"isAuthorized": True, "context": {"principal": "a"}}, 200),
        ({"isAuthorized": False}, 403),
        ({"isAuthorized": "yes"}, 500),  # an invalid authorizer response
        (["not", "a", "dict"], 500),
        (RuntimeError("crash"), 500),
    ],
)
def test_front_door_maps_authorizer_outcomes_like_api_gateway(authorizer_result, status):
    authorizer = {"AuthorizerId": "a1", "IdentitySource": ["$request.header.Authorization"], "AuthorizerResultTtlInSeconds": 0}
    route = front_door.Route("POST", front_door.route_pattern("/submit"), "POST /submit", authorizer, {})
    door = front_door.FrontDoor({"ApiId": "api"}, [route], {"a1": StubFunction(authorizer_result)}, sqs=None, account="1")
    outcome_status, _ = door.authorize(route, "POST", "/submit", "", {"authorization": "Basic x"}, "127.0.0.1", "r")
    assert outcome_status == status
    assert door.authorize(route, "POST", "/submit", "", {}, "127.0.0.1", "r")[0] == 401


@pytest.mark.parametrize(
    ("body", "attributes", "code"),
    [
        ('{"note": "Zoë ✓ 😀"}', {"source": "x"}, None),  # non-ASCII text is what SQS carries
        ("a=1&b=%C3%AB\r\n\t", {}, None),
        (r'{"a": "\u0001"}', {}, None),  # escaped in JSON: plain ASCII on the wire
        ("a\u0001b", {}, "InvalidMessageContents"),
        ("a\ufffeb", {}, "InvalidMessageContents"),
        ("{}", {"header.stripe-signature": ""}, "InvalidParameterValue"),
        ("{}", {"header.stripe-signature": "h:"}, None),  # the module's prefix: a missing header still queues
    ],
)
def test_the_front_door_refuses_what_sqs_refuses(body, attributes, code):
    arguments = {
        "MessageBody": body,
        "MessageAttributes": {name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()},
    }
    refusal = front_door.sqs_refusal(arguments)
    assert (refusal or {}).get("Error", {}).get("Code") == code


def test_a_header_that_breaks_the_attributes_json_is_a_500_not_a_crash():
    integration = {
        "IntegrationSubtype": "SQS-SendMessage",
        "RequestParameters": {
            "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
            "MessageBody": "$request.body",
            "MessageAttributes": '{"header.x": {"DataType": "String", "StringValue": "h:${request.header.x}"}}',
        },
    }
    route = front_door.Route("POST", front_door.route_pattern("/in"), "POST /in", None, integration)
    door = front_door.FrontDoor({"ApiId": "api"}, [route], {}, sqs=None, account="1")
    assert door.handle("POST", "/in", "", {"x": 'a", "source": {"DataType": "String'}, "{}", "127.0.0.1")[0] == 500


# --- the switches for what AWS does not document (local_runner/undocumented.py) ------------

# A carried header's attribute first, then a trusted one: the order Terraform's jsonencode gives
# the module's MessageAttributes (keys sorted; "header.*" sorts before principal, requestId, source).
ATTRIBUTES_TEMPLATE = (
    '{"header.x": {"DataType": "String", "StringValue": "h:${request.header.x}"}, '
    '"source": {"DataType": "String", "StringValue": "orders"}}'
)
QUOTE, BACKSLASH = '"', "\\"
# Inside the header's own attribute object: adds members to it.
INNER = '","source":{"DataType":"String","StringValue":"evil"},"x":{"DataType":"String","StringValue":"'
# Closes the header's attribute object: adds top-level attributes, one of them a second "source".
OUTER = '"},"source":{"DataType":"String","StringValue":"evil"},"x":{"DataType":"String","StringValue":"x'


class RecordingSqs:
    """SendMessage as the integration calls it, recorded."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send_message(self, **arguments):
        self.sent.append(arguments)
        return {"MessageId": "m1", "MD5OfMessageBody": "d", "ResponseMetadata": {"RequestId": "s1"}}

    def get_queue_attributes(self, **_):
        return {"Attributes": {"MaximumMessageSize": "262144"}}


def attributes_door(undocumented: front_door.Undocumented) -> tuple[front_door.FrontDoor, RecordingSqs]:
    integration = {
        "IntegrationSubtype": "SQS-SendMessage",
        "RequestParameters": {
            "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
            "MessageBody": "$request.body",
            "MessageAttributes": ATTRIBUTES_TEMPLATE,
        },
        "_policy": iam_guard.RolePolicy("integration", ((("sqs:SendMessage",), ("arn:aws:sqs:us-east-1:123456789012:q",)),)),
    }
    route = front_door.Route("POST", front_door.route_pattern("/in"), "POST /in", None, integration)
    sqs = RecordingSqs()
    return front_door.FrontDoor({"ApiId": "api"}, [route], {}, sqs=sqs, account="1", undocumented=undocumented), sqs


@pytest.mark.parametrize("value", [QUOTE, BACKSLASH, INNER, OUTER, "}", "\\u0022"])
def test_escaped_interpolation_keeps_any_header_value_inside_its_string(value):
    text = front_door.evaluate_parameter(ATTRIBUTES_TEMPLATE, "{}", {"x": value}, {}, escape_sender_values=True)
    assert json.loads(text) == {
        "header.x": {"DataType": "String", "StringValue": "h:" + value},
        "source": {"DataType": "String", "StringValue": "orders"},
    }


@pytest.mark.parametrize(
    ("template", "where"),
    [
        ('{"a": "${request.querystring.q}"}', {"query": {"q": QUOTE}}),
        ('{"a": "${request.path.id}"}', {"path": {"id": QUOTE}}),
        ('{"a": "${request.header.x}"}', {"headers": {"x": QUOTE}}),
    ],
)
def test_raw_interpolation_inserts_header_query_and_path_values_as_they_are(template, where):
    headers, others = where.get("headers", {}), {key: value for key, value in where.items() if key != "headers"}
    raw = front_door.evaluate_parameter(template, "", headers, {}, **others)
    escaped = front_door.evaluate_parameter(template, "", headers, {}, escape_sender_values=True, **others)
    assert raw == '{"a": """}'
    assert json.loads(escaped) == {"a": QUOTE}


def test_context_values_are_never_escaped():
    text = front_door.evaluate_parameter(
        '"${context.authorizer.principal}"', "", {}, {"authorizer.principal": "a"}, escape_sender_values=True
    )
    assert text == '"a"'


def test_path_parameters_are_read_under_the_routes_segments_and_percent_decoded():
    assert front_door.path_parameters("POST /hooks/{source}/x", "/hooks/a%22b/x") == {"source": 'a"b'}


@pytest.mark.parametrize(
    ("interpolation", "duplicates", "value", "status", "sent"),
    [
        # Escaped: whatever the value, it stays the header's value and source stays the route's.
        *[
            ("escaped", keys, value, 200, {"header.x": "h:" + value, "source": "orders"})
            for keys in ("first", "last", "reject")
            for value in (QUOTE, BACKSLASH, INNER, OUTER)
        ],
        # Raw: a quote or a backslash breaks the JSON, a member added to an attribute is a mapping error.
        *[("raw", keys, value, 500, None) for keys in ("first", "last", "reject") for value in (QUOTE, BACKSLASH, INNER)],
        # Raw, a second top-level "source": the switch decides, and "x" is added either way.
        ("raw", "first", OUTER, 200, {"header.x": "h:", "source": "evil", "x": "x"}),
        ("raw", "last", OUTER, 200, {"header.x": "h:", "source": "orders", "x": "x"}),
        ("raw", "reject", OUTER, 500, None),
        ("raw", "reject", "}", 200, {"header.x": "h:}", "source": "orders"}),
    ],
)
def test_each_switch_combination_sends_what_its_behaviour_makes_of_a_header(interpolation, duplicates, value, status, sent):
    door, sqs = attributes_door(front_door.Undocumented(interpolation, duplicates))
    assert door.handle("POST", "/in", "", {"x": value}, "{}", "127.0.0.1")[0] == status
    assert [{name: a["StringValue"] for name, a in call["MessageAttributes"].items()} for call in sqs.sent] == (
        [sent] if sent else []
    )


@pytest.mark.parametrize(
    ("duplicates", "expected"),
    [("first", {"a": "1", "b": {"c": "2"}}), ("last", {"a": "3", "b": {"c": "4"}}), ("reject", None)],
)
def test_duplicate_keys_are_resolved_at_every_depth_by_the_switch(duplicates, expected):
    from local_runner.sqs_integration import _object_reader

    text = '{"a": "1", "b": {"c": "2", "c": "4"}, "a": "3"}'
    try:
        parsed = json.loads(text, object_pairs_hook=_object_reader(duplicates))
    except ValueError:
        parsed = None
    assert parsed == expected


@pytest.mark.parametrize(
    "text",
    [
        '{"a": {"DataType": "String", "StringValue": "1", "x": "y"}}',  # a member SendMessage does not take
        '{"a": {"DataType": "String", "StringValue": {"x": "y"}}}',
        '{"a": {"StringValue": "1", "BinaryValue": "1"}}',
        '{"a": "1"}',
        '["a"]',
    ],
)
def test_attributes_sendmessage_cannot_take_are_a_mapping_error(text):
    from local_runner.sqs_integration import message_attributes

    assert message_attributes(text, "last") is None


def test_the_switches_come_from_arguments_then_the_environment_then_raw_and_last(monkeypatch):
    from local_runner.undocumented import choose

    monkeypatch.delenv("LOCAL_RUNNER_HEADER_INTERPOLATION", raising=False)
    monkeypatch.delenv("LOCAL_RUNNER_DUPLICATE_KEYS", raising=False)
    assert choose() == front_door.Undocumented("raw", "last")
    monkeypatch.setenv("LOCAL_RUNNER_HEADER_INTERPOLATION", "escaped")
    monkeypatch.setenv("LOCAL_RUNNER_DUPLICATE_KEYS", "reject")
    assert choose() == front_door.Undocumented("escaped", "reject")
    assert choose("raw", "first") == front_door.Undocumented("raw", "first")
    monkeypatch.setenv("LOCAL_RUNNER_DUPLICATE_KEYS", "newest")
    with pytest.raises(ValueError, match="duplicate_keys"):
        choose()


# Lambda's synchronous invocation payload quota: 6 MB, i.e. 6,291,456 bytes
# (docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html, "Invocation payload").
LAMBDA_SYNCHRONOUS_PAYLOAD_BYTES = 6_291_456


class RecordingProxy:
    """A claim-check route's function: answers 200 and keeps the events it was given."""

    def __init__(self) -> None:
        self.env: dict[str, str] = {}
        self.events: list[dict] = []

    def invoke(self, event):
        self.events.append(event)
        return {"statusCode": 200, "body": "{}"}


def proxy_door() -> tuple[front_door.FrontDoor, RecordingProxy]:
    integration = {"IntegrationId": "i1", "IntegrationType": "AWS_PROXY"}
    route = front_door.Route("POST", front_door.route_pattern("/large"), "POST /large", None, integration)
    function = RecordingProxy()
    return front_door.FrontDoor(
        {"ApiId": "api"}, [route], {}, sqs=None, account="1", integration_functions={"i1": function}
    ), function


def test_a_non_ascii_body_is_measured_in_utf8_bytes_not_json_escapes():
    """Issue 20, item 15: 2.2 MB of é (6.6 MB as \\u00e9 escapes) is well within Lambda's 6 MB."""
    body = json.dumps({"note": "é" * 1_100_000}, ensure_ascii=False).encode("utf-8")
    assert 2_200_000 < len(body) < 2_300_000
    door, function = proxy_door()
    assert door.handle("POST", "/large", "", {"content-type": "application/json"}, "", "127.0.0.1", raw_body=body)[0] == 200
    assert json.loads(function.events[0]["body"])["note"] == "é" * 1_100_000  # passed whole, as text


@pytest.mark.parametrize("character", ["é", "😀"])
def test_a_body_whose_utf8_event_passes_the_limit_is_refused(character):
    # The body alone is at the limit in UTF-8, so the event around it is over it.
    body = (character * (LAMBDA_SYNCHRONOUS_PAYLOAD_BYTES // len(character.encode()))).encode("utf-8")
    door, function = proxy_door()
    status, answer = door.handle("POST", "/large", "", {}, "", "127.0.0.1", raw_body=body)
    assert (status, answer, function.events) == (413, {"message": "Request Entity Too Large"}, [])


def test_the_event_size_counts_utf8_bytes_and_json_escapes_at_the_boundary():
    envelope = len(json.dumps({"body": ""}, ensure_ascii=False).encode())
    fill = LAMBDA_SYNCHRONOUS_PAYLOAD_BYTES - envelope
    assert front_door.proxy_event_bytes({"body": "é" * (fill // 2)}) == LAMBDA_SYNCHRONOUS_PAYLOAD_BYTES
    assert front_door.proxy_event_bytes({"body": "😀" * (fill // 4)}) == LAMBDA_SYNCHRONOUS_PAYLOAD_BYTES
    assert front_door.proxy_event_bytes({"body": '"' * 10}) == envelope + 20  # JSON escapes a quote as \"


# --- function workers ---------------------------------------------------------------------

THREADED_HANDLER = """
import json
import os
from concurrent.futures import ThreadPoolExecutor

import boto3

import helper


def handler(event, context):
    sqs = boto3.client("sqs")
    # Calls from a pool, as the consumer's first-write-wins makes them.
    with ThreadPoolExecutor(2) as pool:
        sent = list(pool.map(lambda body: sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=body), ["a", "b"]))
    return {"sent": len(sent), "helper": helper.ORIGIN}
"""


def worker_function(tmp_path: Path, endpoint: str, queue_url: str, statements: iam_guard.Statements) -> LocalFunction:
    """A function as load_function prepares one, from a hand-written package."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(THREADED_HANDLER)
    (code / "helper.py").write_text("ORIGIN = 'the package'\n")
    policy = iam_guard.RolePolicy("fn-role", statements)
    spec = tmp_path / "spec.json"
    write_spec(spec, "fn", code, "app.handler", tmp_path / "fn.log", policy, "123456789012")
    configuration = {"FunctionName": "fn", "Timeout": 10, "Environment": {"Variables": {"QUEUE_URL": queue_url}}}
    return LocalFunction("fn", configuration, policy, spec, tmp_path / "fn.log", worker_environment(configuration, endpoint))


@pytest.fixture(scope="module")
def moto_endpoint(tmp_path_factory):
    with running_moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as endpoint:
        yield endpoint


@pytest.fixture
def queue_url(moto_endpoint):
    return aws_client("sqs", moto_endpoint).create_queue(QueueName=f"q{uuid.uuid4().hex[:8]}")["QueueUrl"]


def test_calls_from_a_functions_own_threads_are_guarded(tmp_path, moto_endpoint, queue_url):
    function = worker_function(tmp_path, moto_endpoint, queue_url, statements=())
    try:
        with pytest.raises(InvocationFailed, match="AccessDenied"):
            function.invoke({})
    finally:
        function.stop()
    assert "fn-role may not sqs:SendMessage" in function.log()
    attributes = aws_client("sqs", moto_endpoint).get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_a_function_runs_alone_with_its_package_and_its_environment(tmp_path, moto_endpoint, queue_url, monkeypatch):
    # A module of the same name on the runner's path must not be the one the function gets.
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    (decoy / "helper.py").write_text("ORIGIN = 'the runner'\n")
    monkeypatch.syspath_prepend(str(decoy))
    environment_before = dict(os.environ)
    allowed = ((("sqs:SendMessage",), (queue_arn_from_url(queue_url),)),)
    function = worker_function(tmp_path, moto_endpoint, queue_url, statements=allowed)
    try:
        assert function.invoke({}) == {"sent": 2, "helper": "the package"}
        described = function.describe()
    finally:
        function.stop()
    assert described["pid"] != os.getpid()
    assert described["modules"]["helper"] == str(tmp_path / "code" / "helper.py")
    project = Path(__file__).resolve().parent.parent
    assert not [
        entry
        for entry in described["sys_path"]
        if entry.startswith((str(project / "scripts"), str(project / "functions"), str(decoy)))
    ]
    assert dict(os.environ) == environment_before  # QUEUE_URL never entered the runner's process


def test_a_function_that_outlives_its_timeout_is_ended(tmp_path, moto_endpoint, queue_url):
    function = worker_function(tmp_path, moto_endpoint, queue_url, statements=())
    (tmp_path / "code" / "app.py").write_text("import time\n\ndef handler(event, context):\n    time.sleep(30)\n")
    try:
        with pytest.raises(InvocationFailed, match="timed out"):
            function.invoke({}, timeout_seconds=0.5)
        assert function._all and not function._all[0].alive
    finally:
        function.stop()


# --- the function's log: whole lines, whatever the number of containers ---------------------


def test_a_multi_line_print_reaches_the_log_in_one_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Containers of one function append to one file: a print of several lines (the
    consumer's batch record) must be one write(), or another container's line can land
    inside it (seen in an end-to-end run: two JSON documents glued on one line)."""
    from local_runner import worker

    path = tmp_path / "fn.log"
    log = worker.LineLog(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
    writes: list[bytes] = []
    real_write = os.write

    def recorded(fd: int, data: bytes) -> int:
        writes.append(bytes(data))
        return real_write(fd, data)

    monkeypatch.setattr(worker.os, "write", recorded)
    print('{"a": 1}\n{"b": 2}', file=log)  # print writes the text, then its end
    print('{"c": "é"}', file=log, end="")
    written = len(writes)
    print(file=log)
    assert len(writes) == written + 1  # the unfinished line waited for its newline
    assert all(data.endswith(b"\n") for data in writes)  # no write leaves a line open for another's
    assert path.read_text(encoding="utf-8").splitlines() == ['{"a": 1}', '{"b": 2}', '{"c": "é"}']


def test_a_proxy_answer_that_is_not_plain_json_is_relayed_as_given():
    """Payload 2.0's response: a handshake's text/plain challenge, a header it must
    echo (Asana's X-Hook-Secret) and a base64 body reach the sender as they are;
    a plain JSON answer stays a dict for FrontDoor.handle's callers."""
    from local_runner.lambda_proxy import RawAnswer, relayed

    text = relayed({"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "challenge-1"})
    assert text == RawAnswer({"content-type": "text/plain"}, b"challenge-1")
    echoed = relayed({"statusCode": 200, "headers": {"X-Hook-Secret": "s3cr3t", "content-type": "text/plain"}, "body": ""})
    assert isinstance(echoed, RawAnswer) and echoed.headers["x-hook-secret"] == "s3cr3t" and echoed.body == b""
    xml = {"content-type": "text/xml"}
    encoded = relayed({"statusCode": 200, "headers": xml, "body": "PFJlc3BvbnNlLz4=", "isBase64Encoded": True})
    assert isinstance(encoded, RawAnswer) and encoded.body == b"<Response/>"
    as_json = {"content-type": "application/json"}
    assert relayed({"statusCode": 200, "headers": as_json, "body": '{"messageId": "m"}'}) == {"messageId": "m"}
    assert relayed({"statusCode": 200, "body": '{"messageId": "m"}'}) == {"messageId": "m"}
