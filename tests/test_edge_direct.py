"""The edge function's delivery and answer (issue 22, items 2 and 5), in process against moto.

A direct message is read back from the queue: its attributes are exactly the
trusted ones plus the carried headers, whatever a header value holds. A fixed
response is given only once the message is durable. Refusals (400, 413) keep
nothing. A rejection is one CloudWatch EMF line with source and reason.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from envelope import Envelope
from test_claim_check import queued
from test_consumer import Context, stored
from test_edge import FUNCTION_NAME, Edge, make_edge, metric_lines, proxy
from test_signatures import NOW, sign_stripe

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'  # twilio.com/docs/messaging/twiml: an empty TwiML reply
STRIPE_SECRET = "whsec_" + "ab" * 16


@pytest.fixture
def edge(front, monkeypatch) -> Edge:
    return make_edge(front, monkeypatch)


def direct_route(edge: Edge, **extra) -> None:
    route = {"source": "direct", "headers": ["x-delivery", "x-event"], "delivery": "direct", **extra}
    edge.configure({"POST /hooks/direct": route})


def attributes_of(message: dict) -> dict[str, str]:
    return {name: value["stringValue"] for name, value in message["messageAttributes"].items()}


def failing_send(**kwargs):
    raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}, "SendMessage")


# --- direct delivery: the message is built with the SDK ---------------------------------------------


def test_a_direct_message_carries_the_body_and_exactly_the_trusted_attributes_and_route_headers(edge, monkeypatch):
    monkeypatch.delenv("PAYLOAD_BUCKET")  # only claim checks need the bucket
    direct_route(edge)
    body = '{"id":"evt_1","name":"Zoë ✓"}'
    headers = {"x-delivery": "d-1", "x-other": "not carried", "source": "evil", "receivedat": "1"}
    answer = edge.call(proxy("POST /hooks/direct", body.encode(), headers))
    assert answer["statusCode"] == 200
    [message] = queued(edge.sqs, edge.queue_url)
    assert json.loads(answer["body"]) == {"messageId": message["messageId"]}
    assert message["body"] == body
    assert attributes_of(message) == {
        "source": "direct",
        "receivedAt": str((NOW + 1) * 1000),
        "requestId": "req-1",
        "principal": "alice",
        "header.x-delivery": "h:d-1",  # x-event was not sent: not carried
    }


HOSTILE_VALUES = [
    '"',
    "\\",
    "}",
    ',"source":{"DataType":"String","StringValue":"evil"}',
    '"},"source":{"DataType":"String","StringValue":"evil"},"x":{"StringValue":"',
    '\\"}, "receivedAt": {"DataType": "String", "StringValue": "0"}, "y": {"a": "',
]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_a_hostile_header_value_comes_back_verbatim_and_no_trusted_attribute_changes(edge, value):
    direct_route(edge)
    answer = edge.call(proxy("POST /hooks/direct", b'{"id":"evt_1"}', {"x-delivery": value, "x-event": value + value}))
    assert answer["statusCode"] == 200
    [message] = queued(edge.sqs, edge.queue_url)
    attributes = attributes_of(message)
    assert attributes["header.x-delivery"] == "h:" + value and attributes["header.x-event"] == "h:" + value + value
    assert attributes["source"] == "direct" and attributes["receivedAt"] == str((NOW + 1) * 1000)
    assert set(attributes) == {"source", "receivedAt", "requestId", "principal", "header.x-delivery", "header.x-event"}
    envelope = Envelope.from_record(message)  # what the consumer reads
    assert envelope.source == "direct" and envelope.headers == {"x-delivery": value, "x-event": value + value}


def test_a_body_that_is_not_utf8_is_400_on_a_direct_route(edge):
    direct_route(edge)
    answer = edge.call(proxy("POST /hooks/direct", b"\xff\xfe binary", binary=True))
    assert answer["statusCode"] == 400 and "UTF-8" in json.loads(answer["body"])["message"]
    assert edge.nothing_kept()


@pytest.mark.parametrize("text", ["nul \x00 inside", "vertical tab \x0b", "noncharacter \ufffe"])
def test_characters_sqs_refuses_are_400_in_the_body_or_a_header(edge, text):
    direct_route(edge)
    assert edge.call(proxy("POST /hooks/direct", text.encode()))["statusCode"] == 400
    assert edge.call(proxy("POST /hooks/direct", b"{}", {"x-delivery": text}))["statusCode"] == 400
    assert edge.nothing_kept()


def test_an_empty_direct_body_is_400(edge):
    direct_route(edge)
    assert edge.call(proxy("POST /hooks/direct", b""))["statusCode"] == 400
    assert edge.nothing_kept()


def sqs_size(body: str, attributes: dict[str, str]) -> int:
    """SQS counts the body and each attribute's name, data type and value (docs.aws.amazon.com/AWSSimpleQueueService/
    latest/SQSDeveloperGuide/sqs-message-metadata.html: "message attributes ... count toward the message size")."""
    return len(body.encode()) + sum(
        len(name.encode()) + len(b"String") + len(value.encode()) for name, value in attributes.items()
    )


def test_a_message_over_max_message_bytes_is_413_and_one_that_fits_exactly_is_queued(edge, monkeypatch):
    monkeypatch.setenv("MAX_MESSAGE_BYTES", "2048")
    direct_route(edge)
    attributes = {"source": "direct", "receivedAt": str((NOW + 1) * 1000), "requestId": "req-1", "principal": "alice"}
    fits = "a" * (2048 - sqs_size("", attributes))
    assert edge.call(proxy("POST /hooks/direct", (fits + "a").encode()))["statusCode"] == 413
    assert edge.nothing_kept()
    assert edge.call(proxy("POST /hooks/direct", fits.encode()))["statusCode"] == 200
    [message] = queued(edge.sqs, edge.queue_url)
    assert sqs_size(message["body"], attributes_of(message)) == 2048


def test_the_default_limit_is_the_queues_262144_bytes(edge):
    direct_route(edge)
    answer = edge.call(proxy("POST /hooks/direct", b"a" * 262_144))  # the body alone fills it: its attributes do not fit
    assert answer["statusCode"] == 413 and edge.nothing_kept()


def test_sqs_failing_on_a_direct_route_is_500(edge, monkeypatch):
    direct_route(edge)
    monkeypatch.setattr(edge.sqs, "send_message", failing_send)
    assert edge.call(proxy("POST /hooks/direct", b"{}"))["statusCode"] == 500


# --- fixed responses, only once the message is durable -----------------------------------------------


@pytest.mark.parametrize(
    ("delivery", "response"),
    [
        ("direct", {"status": 200, "content_type": "text/xml", "body": TWIML}),  # Twilio
        ("direct", {"status": 200, "content_type": "text/plain", "body": ""}),  # Slack slash commands: an empty 200
        ("claim-check", {"status": 200, "content_type": "text/plain", "body": "[accepted]"}),  # Adyen
        ("direct", {"status": 202, "content_type": "application/json", "body": "{}"}),
    ],
)
def test_the_fixed_response_is_returned_exactly_once_the_message_is_queued(edge, delivery, response):
    edge.configure({"POST /hooks/fixed": {"source": "fixed", "headers": [], "delivery": delivery, "response": response}})
    answer = edge.call(proxy("POST /hooks/fixed", b"token=abc&command=%2Fweather"))
    assert answer == {
        "statusCode": response["status"],
        "headers": {"content-type": response["content_type"]},
        "body": response["body"],
        "isBase64Encoded": False,
    }
    assert len(queued(edge.sqs, edge.queue_url)) == 1


@pytest.mark.parametrize("delivery", ["direct", "claim-check"])
def test_sqs_failing_answers_500_never_the_fixed_response(edge, monkeypatch, delivery):
    response = {"status": 200, "content_type": "text/xml", "body": TWIML}
    edge.configure({"POST /hooks/fixed": {"source": "fixed", "headers": [], "delivery": delivery, "response": response}})
    monkeypatch.setattr(edge.sqs, "send_message", failing_send)
    answer = edge.call(proxy("POST /hooks/fixed", b"Body=hello"))
    assert answer["statusCode"] == 500 and answer["body"] != TWIML


# --- signatures on a direct route, and the metrics line -----------------------------------------------


def test_a_forged_request_is_401_one_metrics_line_and_nothing_queued(edge, capsys):
    arn = edge.secret("direct-stripe", STRIPE_SECRET)
    direct_route(edge, signature={"scheme": "stripe", "secret_arn": arn}, headers=["stripe-signature"])
    body = '{"id":"evt_forged"}'
    signed = sign_stripe(body, "whsec_" + "cd" * 16, NOW, "")
    answer = edge.call(proxy("POST /hooks/direct", body.encode(), signed))
    assert answer["statusCode"] == 401 and json.loads(answer["body"])["reason"] == "signature_invalid"
    assert edge.nothing_kept()
    output = capsys.readouterr().out
    [line] = metric_lines(output)
    assert line == {
        "_aws": {
            "Timestamp": line["_aws"]["Timestamp"],
            "CloudWatchMetrics": [
                {
                    "Namespace": "WebhookIngest",
                    "Dimensions": [["FunctionName", "Source"], ["FunctionName", "Reason"]],
                    "Metrics": [{"Name": "SignatureRejected", "Unit": "Count"}],
                }
            ],
        },
        "FunctionName": FUNCTION_NAME,
        "Source": "direct",
        "Reason": "signature_invalid",
        "SignatureRejected": 1,
        "level": "WARN",
        "message": "rejected at the edge",
    }
    assert isinstance(line["_aws"]["Timestamp"], int)
    assert STRIPE_SECRET not in output and signed["stripe-signature"] not in output and "evt_forged" not in output
    good = sign_stripe(body, STRIPE_SECRET, NOW, "")
    assert edge.call(proxy("POST /hooks/direct", body.encode(), good))["statusCode"] == 200


def test_the_metrics_namespace_is_a_setting(edge, capsys, monkeypatch):
    monkeypatch.setenv("METRICS_NAMESPACE", "WebhookIngest/prod")
    arn = edge.secret("direct-stripe", STRIPE_SECRET)
    direct_route(edge, signature={"scheme": "stripe", "secret_arn": arn}, headers=["stripe-signature"])
    assert edge.call(proxy("POST /hooks/direct", b"{}"))["statusCode"] == 401
    [line] = metric_lines(capsys.readouterr().out)
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "WebhookIngest/prod" and line["Reason"] == "signature_missing"


def test_the_consumer_keys_a_direct_message_by_the_hostile_header_as_sent(edge, consumer, aws, monkeypatch):
    table, _, _ = aws
    monkeypatch.setenv("SOURCES", json.dumps({"direct": {"event_key": "x-delivery"}}))
    direct_route(edge)
    value = HOSTILE_VALUES[3]
    assert edge.call(proxy("POST /hooks/direct", b'{"id":"evt_1"}', {"x-delivery": value}))["statusCode"] == 200
    assert consumer.handler({"Records": queued(edge.sqs, edge.queue_url)}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {f"direct#{value}"}
