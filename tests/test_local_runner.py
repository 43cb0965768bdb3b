"""The local runner's own rules, checked without a deployment: request-parameter
mapping, route matching, Lambda's reading of batchItemFailures, the IAM guard."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

import local_stack


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
    assert local_stack.evaluate_parameter(template, '{"a": 1}', {"x-source": "billing"}, context) == expected


def test_route_patterns_match_path_parameters_only_within_a_segment():
    pattern = local_stack.route_pattern("/hooks/{source}")
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
    assert local_stack.succeeded_receipts(RECORDS, response, report_failures) == deleted


def test_role_policy_allows_only_listed_actions_on_listed_resources():
    policy = local_stack.RolePolicy(
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
    assert local_stack.guarded_resources("sqs", "SendMessageBatch", {"QueueUrl": "http://127.0.0.1:5/123/dlq"}, "123") == [
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:123:dlq")
    ]
    assert local_stack.guarded_resources("dynamodb", "BatchWriteItem", {"RequestItems": {"t": []}}, "123") == [
        ("dynamodb:BatchWriteItem", "arn:aws:dynamodb:us-east-1:123:table/t")
    ]


def test_iam_guard_refuses_a_call_the_role_does_not_allow():
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        local_stack.install_iam_guard(session, "123456789012", loopback_only=False)  # mock_aws intercepts AWS hosts
        sqs = session.client("sqs")
        allowed_url = sqs.create_queue(QueueName="allowed")["QueueUrl"]
        denied_url = sqs.create_queue(QueueName="denied")["QueueUrl"]
        policy = local_stack.RolePolicy("fn", ((("sqs:SendMessage",), (local_stack.queue_arn_from_url(allowed_url),)),))
        token = local_stack._current_role.set(policy)
        try:
            sqs.send_message(QueueUrl=allowed_url, MessageBody="ok")
            with pytest.raises(ClientError, match="AccessDenied"):
                sqs.send_message(QueueUrl=denied_url, MessageBody="no")
        finally:
            local_stack._current_role.reset(token)
        sqs.send_message(QueueUrl=denied_url, MessageBody="outside a function: not guarded")


@pytest.mark.parametrize("endpoint", ["https://sqs.us-east-1.amazonaws.com", "http://127.attacker.example:4566"])
def test_requests_to_anything_but_loopback_are_refused(endpoint):
    session = boto3.Session(region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    local_stack.install_iam_guard(session, "123456789012")
    sqs = session.client("sqs", endpoint_url=endpoint)
    with pytest.raises(RuntimeError, match="only loopback"):
        sqs.list_queues()


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
    assert local_stack.is_loopback(host) is allowed


class StubFunction:
    def __init__(self, result):
        self.result = result
        self.name = "authorizer"

    def invoke(self, event, context):
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
    route = local_stack.Route("POST", local_stack.route_pattern("/submit"), "POST /submit", authorizer, {})
    door = local_stack.FrontDoor({"ApiId": "api"}, [route], StubFunction(authorizer_result), sqs=None, account="1")
    outcome_status, _ = door.authorize(route, "POST", "/submit", "", {"authorization": "Basic x"}, "127.0.0.1", "r")
    assert outcome_status == status
    assert door.authorize(route, "POST", "/submit", "", {}, "127.0.0.1", "r")[0] == 401
