"""BatchWriteItem's request body written in one json.dumps (clients.wire_client_for): the bytes
sent are exactly those botocore's own JSON serializer writes for the same parameters, and what
JSON cannot hold (a binary attribute) is left to botocore, then stored all the same (moto)."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from types import SimpleNamespace

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from moto import mock_aws

import clients
from clients import wire_client_for
from conftest import TABLE, table_and_dead_letter_queue
from records import finish_item, parse_body


def sent_bodies(client) -> list[bytes]:
    """Every request body the client sends, as it goes on the wire (after signing)."""
    bodies: list[bytes] = []
    client.meta.events.register("before-send.dynamodb.BatchWriteItem", lambda request, **_: bodies.append(request.body))
    return bodies


def random_items(count: int) -> list[dict]:
    generator = random.Random(7)
    items = []
    for index in range(count):
        document = {
            "eventId": f"evt-{index}",
            "text": generator.choice(["plain", "Zoë ✓ 😀", 'quote " and \\ backslash', ""]),
            "amount": generator.choice([1, -7, 12.5, 1e-5]),
            "flags": [True, False, None],
            "nested": {"a": [1, {"b": "c"}], "ü": 2.5},
        }
        item = finish_item(f"m{index}", "eventId", document["eventId"], parse_body(json.dumps(document)))
        items.append({"PutRequest": {"Item": item.wire}})
    return items


def test_the_body_is_exactly_what_botocore_serialises(monkeypatch):
    dumped, real_dumps = [], json.dumps
    monkeypatch.setattr(clients, "json", SimpleNamespace(dumps=lambda value: dumped.append(real_dumps(value)) or dumped[-1]))
    with mock_aws():
        table_and_dead_letter_queue()
        ours = wire_client_for(Config(), region_name="us-east-1")
        botocores = boto3.client("dynamodb", region_name="us-east-1")
        items = random_items(25)
        ours_sent, botocores_sent = sent_bodies(ours), sent_bodies(botocores)
        ours.batch_write_item(RequestItems={TABLE: items})
        botocores.batch_write_item(RequestItems={TABLE: items})
        assert ours_sent == botocores_sent and len(ours_sent) == 1
        assert [json.loads(text) for text in dumped] == [
            {"RequestItems": {TABLE: items}}
        ]  # written in one json.dumps, not by botocore's walk
        assert json.loads(ours_sent[0])["RequestItems"][TABLE] == items  # not an empty request


def test_what_ours_sends_is_stored():
    with mock_aws():
        table_and_dead_letter_queue()
        ours = wire_client_for(Config(), region_name="us-east-1")
        items = random_items(5)
        ours.batch_write_item(RequestItems={TABLE: items})
        stored = ours.get_item(TableName=TABLE, Key={"eventId": {"S": "evt-3"}})["Item"]
        assert stored == items[3]["PutRequest"]["Item"]


def test_a_binary_given_as_text_is_left_to_botocore_which_encodes_it():
    with mock_aws():
        table_and_dead_letter_queue()
        ours = wire_client_for(Config(), region_name="us-east-1")
        botocores = boto3.client("dynamodb", region_name="us-east-1")
        item = {"eventId": {"S": "evt-t"}, "blob": {"B": "hi"}, "blobs": {"BS": ["hi"]}}
        ours_sent, botocores_sent = sent_bodies(ours), sent_bodies(botocores)
        for client in (ours, botocores):
            client.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": item}}]})
        assert ours_sent == botocores_sent and b'"aGk="' in ours_sent[0]


def test_a_table_arn_reaches_the_same_endpoint_as_botocore_s():
    # The endpoint is resolved from RequestItems' tables after the items are set aside: an ARN names
    # the account of the account-based endpoint.
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/" + TABLE
    config = Config(account_id_endpoint_mode="required")
    urls: list[str] = []
    for client in (
        wire_client_for(config, region_name="us-east-1"),
        boto3.client("dynamodb", region_name="us-east-1", config=config),
    ):
        client.meta.events.register(
            "before-send.dynamodb.BatchWriteItem",
            lambda request, **_: urls.append(request.url) or AWSResponse(request.url, 200, {}, RawBody(b"{}")),
        )
        client.batch_write_item(RequestItems={arn: [{"PutRequest": {"Item": {"eventId": {"S": "e"}}}}]})
    assert urls[0] == urls[1] == "https://123456789012.ddb.us-east-1.amazonaws.com/"


def test_a_binary_attribute_is_left_to_botocore_and_stored():
    with mock_aws():
        table_and_dead_letter_queue()
        ours = wire_client_for(Config(), region_name="us-east-1")
        sent = sent_bodies(ours)
        item = {"eventId": {"S": "evt-b"}, "blob": {"B": b"\x00\xff"}, "n": {"N": str(Decimal("1.5"))}}
        ours.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": item}}]})
        assert json.loads(sent[0])["RequestItems"][TABLE][0]["PutRequest"]["Item"]["blob"] == {"B": "AP8="}  # base64, botocore's
        stored = ours.get_item(TableName=TABLE, Key={"eventId": {"S": "evt-b"}})["Item"]
        assert stored["blob"] == {"B": b"\x00\xff"}


class RawBody:
    """A response body botocore reads whole."""

    def __init__(self, content: bytes) -> None:
        self.content = content

    def stream(self, **_):
        yield self.content
