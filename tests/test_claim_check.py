"""Claim-check delivery and large items, in process against moto: the front
function keeps the exact bytes in S3 and answers only once the pointer is
queued; the consumer resolves the pointer, verifies the signature on the stored
bytes, stores the item whole or, above DynamoDB's limit, as a pointer item."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time

import boto3
import pytest
from botocore.exceptions import ClientError
from test_consumer import Context, dead_letters, stored
from test_consumer_signatures import STRIPE_SECRET
from test_signatures import NOW, sign_stripe

from claim_check import CLAIMS_PREFIX, ITEMS_PREFIX, Pointer
from conftest import BUCKET
from dead_letters import REASON_ATTRIBUTE


def request(route_key: str, body: bytes, headers: dict | None = None, binary: bool = False, request_id: str = "req-1") -> dict:
    """An HTTP API Lambda proxy event (payload 2.0), as API Gateway builds it."""
    return {
        "version": "2.0",
        "routeKey": route_key,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": base64.b64encode(body).decode() if binary else body.decode("utf-8"),
        "isBase64Encoded": binary,
        "requestContext": {
            "requestId": request_id,
            "timeEpoch": (NOW + 1) * 1000,
            "authorizer": {"lambda": {"principal": "alice"}},
        },
    }


def queued(sqs, queue_url: str) -> list[dict]:
    """The queue's messages as the event source mapping hands them to the consumer."""
    records = []
    while batch := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], AttributeNames=["All"]
    ).get("Messages", []):
        for message in batch:
            records.append(
                {
                    "messageId": message["MessageId"],
                    "body": message["Body"],
                    "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str((NOW + 2) * 1000)},
                    "messageAttributes": {
                        name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
                        for name, value in message.get("MessageAttributes", {}).items()
                    },
                }
            )
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return records


def big_json(event_id: str, size: int) -> bytes:
    filler = "é" * ((size - 60) // 2)  # two bytes each in UTF-8: the exact bytes must survive
    return json.dumps({"eventId": event_id, "filler": filler}, ensure_ascii=False).encode("utf-8")


# --- the front function -------------------------------------------------------------------


def test_the_body_is_kept_exactly_and_the_pointer_queued(front):
    module, s3, sqs, queue_url = front
    body = big_json("evt-1", 300_000)
    answer = module.handler(request("POST /hooks/big", body), None)
    assert answer["statusCode"] == 200
    receipt = json.loads(answer["body"])
    assert receipt["sha256"] == hashlib.sha256(body).hexdigest() and receipt["size"] == len(body)
    [message] = queued(sqs, queue_url)
    pointer = json.loads(message["body"])["claimCheck"]
    assert pointer["key"].startswith(f"{CLAIMS_PREFIX}big/") and pointer["bucket"] == BUCKET
    assert s3.get_object(Bucket=BUCKET, Key=pointer["key"])["Body"].read() == body
    attributes = {name: value["stringValue"] for name, value in message["messageAttributes"].items()}
    assert attributes == {
        "delivery": "claim-check",
        "source": "big",
        "receivedAt": str((NOW + 1) * 1000),
        "requestId": "req-1",
        "principal": "alice",
    }
    assert len(message["body"]) < 1024  # the queue carries the pointer, not the body


@pytest.mark.parametrize("request_id", ["req-7", ""], ids=["API Gateway's request id", "no request id"])
def test_a_claim_is_keyed_by_the_request_id_else_by_the_body_digest(front, request_id):
    """One claim per request: the same request id (or, without one, the same body) keeps one object."""
    module, s3, sqs, queue_url = front
    body = b'{"eventId": "evt-key"}'
    assert module.handler(request("POST /hooks/big", body, request_id=request_id), None)["statusCode"] == 200
    [message] = queued(sqs, queue_url)
    name = request_id or hashlib.sha256(body).hexdigest()[:20]
    day = time.strftime("%Y/%m/%d", time.gmtime(NOW + 1))
    key = f"{CLAIMS_PREFIX}big/{day}/{name}"
    assert json.loads(message["body"])["claimCheck"]["key"] == key
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == body


def test_a_binary_body_is_kept_byte_for_byte(front):
    module, s3, sqs, queue_url = front
    body = bytes(range(256)) * 10
    assert module.handler(request("POST /hooks/big", body, binary=True), None)["statusCode"] == 200
    [message] = queued(sqs, queue_url)
    key = json.loads(message["body"])["claimCheck"]["key"]
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == body


@pytest.mark.parametrize(
    ("route_key", "body", "status"),
    [("POST /hooks/big", b"", 400), ("POST /hooks/other", b"{}", 404)],
)
def test_no_body_or_no_route_is_refused_and_nothing_written(front, route_key, body, status):
    module, s3, sqs, queue_url = front
    assert module.handler(request(route_key, body), None)["statusCode"] == status
    assert queued(sqs, queue_url) == [] and "Contents" not in s3.list_objects_v2(Bucket=BUCKET)


def failing(operation: str):
    """A client method that fails as AWS does when the service is down."""

    def fail(**kwargs):
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}, operation)

    return fail


def test_s3_failing_answers_500_and_queues_nothing(front, capsys, monkeypatch):
    module, s3, sqs, queue_url = front
    monkeypatch.setattr(s3, "put_object", failing("PutObject"))
    answer = module.handler(request("POST /hooks/big", b'{"eventId": "secret-payload"}'), None)
    assert answer["statusCode"] == 500
    assert queued(sqs, queue_url) == []
    logged = capsys.readouterr().out
    assert "ServiceUnavailable" in logged and "secret-payload" not in logged


def test_sqs_failing_answers_500_so_the_sender_retries(front, monkeypatch):
    module, s3, sqs, _ = front
    monkeypatch.setattr(sqs, "send_message", failing("SendMessage"))
    answer = module.handler(request("POST /hooks/big", b'{"eventId": "e"}'), None)
    assert answer["statusCode"] == 500
    # The orphaned claim is never read (no message points at it) and expires with the claims.
    [orphan] = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert orphan["Key"].startswith(CLAIMS_PREFIX)


# --- the consumer resolving claims --------------------------------------------------------


def test_a_300_kb_body_through_a_claim_check_is_stored_whole(front, claim_consumer, aws):
    module, _, sqs, queue_url = front
    table, _, _ = aws
    body = big_json("evt-300", 300_000)
    assert module.handler(request("POST /hooks/big", body), None)["statusCode"] == 200
    response = claim_consumer.handler({"Records": queued(sqs, queue_url)}, Context())
    assert response == {"batchItemFailures": []}
    item = stored(table)["big#evt-300"]
    assert item["filler"] == json.loads(body)["filler"] and "_payload" not in item


def test_a_5_mb_body_becomes_a_pointer_item_whose_object_is_the_sent_bytes(front, claim_consumer, aws):
    module, s3, sqs, queue_url = front
    table, _, _ = aws
    body = big_json("evt-5mb", 5_000_000)
    assert module.handler(request("POST /hooks/big", body), None)["statusCode"] == 200
    assert claim_consumer.handler({"Records": queued(sqs, queue_url)}, Context()) == {"batchItemFailures": []}
    item = stored(table)["big#evt-5mb"]
    payload = item["_payload"]
    assert payload["size"] == len(body) and payload["sha256"] == hashlib.sha256(body).hexdigest()
    assert payload["contentType"] == "application/json"
    bucket, key = payload["uri"].removeprefix("s3://").split("/", 1)
    assert bucket == BUCKET and key.startswith(ITEMS_PREFIX)
    assert hashlib.sha256(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest() == hashlib.sha256(body).hexdigest()
    assert item["_source"] == "big" and "filler" not in item


def test_a_signed_claim_is_verified_on_the_stored_bytes(front, claim_consumer, aws):
    module, _, sqs, queue_url = front
    table, _, dlq_url = aws
    good = json.dumps({"id": "evt_good", "amount": 100}).encode()
    forged = json.dumps({"id": "evt_forged", "amount": 100}).encode()
    signed = sign_stripe(good.decode(), STRIPE_SECRET, NOW, "")
    assert module.handler(request("POST /hooks/stripe", good, signed, request_id="r1"), None)["statusCode"] == 200
    assert module.handler(request("POST /hooks/stripe", forged, signed, request_id="r2"), None)["statusCode"] == 200
    claim_consumer.handler({"Records": queued(sqs, queue_url)}, Context())
    assert set(stored(table)) == {"stripe#evt_good"}
    [letter] = dead_letters(sqs, dlq_url)
    assert letter["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == "signature_invalid"
    # The dead letter keeps the pointer: a redrive resolves the claim again.
    assert json.loads(letter["Body"])["claimCheck"]["key"].startswith(f"{CLAIMS_PREFIX}stripe/")


def test_a_claim_changed_or_gone_is_dead_lettered_with_its_reason(front, claim_consumer, aws):
    module, s3, sqs, queue_url = front
    table, _, dlq_url = aws
    for request_id in ("changed", "gone"):
        module.handler(request("POST /hooks/big", json.dumps({"eventId": request_id}).encode(), request_id=request_id), None)
    records = queued(sqs, queue_url)
    keys = {
        json.loads(r["body"])["claimCheck"]["key"].rsplit("/", 1)[1]: json.loads(r["body"])["claimCheck"]["key"] for r in records
    }
    s3.put_object(Bucket=BUCKET, Key=keys["changed"], Body=b'{"eventId": "changed", "admin": true}')
    s3.delete_object(Bucket=BUCKET, Key=keys["gone"])
    assert claim_consumer.handler({"Records": records}, Context()) == {"batchItemFailures": []}
    assert stored(table) == {}
    reasons = sorted(letter["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] for letter in dead_letters(sqs, dlq_url))
    assert reasons == ["claim_check_mismatch", "claim_check_missing"]


def test_s3_failing_keeps_the_claims_in_the_queue(front, claim_consumer, aws, monkeypatch):
    module, s3, sqs, queue_url = front
    table, _, dlq_url = aws
    module.handler(request("POST /hooks/big", b'{"eventId": "later"}'), None)
    records = queued(sqs, queue_url)
    original = s3.get_object
    monkeypatch.setattr(s3, "get_object", failing("GetObject"))
    with pytest.raises(claim_consumer.BatchFailed):  # every record retriable: Lambda's error metric shows it
        claim_consumer.handler({"Records": records}, Context())
    assert stored(table) == {} and dead_letters(sqs, dlq_url) == []
    monkeypatch.setattr(s3, "get_object", original)
    assert claim_consumer.handler({"Records": records}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"big#later"}


def test_a_direct_body_shaped_like_a_pointer_is_just_a_body(front, claim_consumer, aws):
    """Only the front function sets the delivery attribute: a sender cannot make the consumer read S3."""
    _, s3, _, _ = front
    table, _, _ = aws
    s3.put_object(Bucket=BUCKET, Key="claims/stripe/x", Body=b'{"eventId": "other-source"}')
    pointer = Pointer(BUCKET, "claims/stripe/x", 27, "0" * 64, "application/json", {})
    forged = json.loads(pointer.to_json())
    forged["eventId"] = "evt-plain"
    record = {
        "messageId": "m1",
        "body": json.dumps(forged),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
        "messageAttributes": {"source": {"stringValue": "big", "dataType": "String"}},
    }
    assert claim_consumer.handler({"Records": [record]}, Context()) == {"batchItemFailures": []}
    assert stored(table)["big#evt-plain"]["claimCheck"]["key"] == "claims/stripe/x"


def test_a_direct_item_over_400_kb_is_a_pointer_item_when_a_bucket_is_configured(claim_consumer, aws):
    table, _, _ = aws
    body = big_json("evt-direct", 500_000).decode()
    record = {
        "messageId": "m1",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
        "messageAttributes": {"source": {"stringValue": "big", "dataType": "String"}},
    }
    assert claim_consumer.handler({"Records": [record]}, Context()) == {"batchItemFailures": []}
    assert stored(table)["big#evt-direct"]["_payload"]["sha256"] == hashlib.sha256(body.encode()).hexdigest()


def test_a_spill_failing_is_retried_not_lost(claim_consumer, aws, front, monkeypatch):
    _, s3, _, _ = front
    table, sqs, dlq_url = aws
    monkeypatch.setattr(s3, "put_object", failing("PutObject"))
    record = {
        "messageId": "m1",
        "body": big_json("evt-retry", 500_000).decode(),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
        "messageAttributes": {"source": {"stringValue": "big", "dataType": "String"}},
    }
    small = dict(record, messageId="m2", body=json.dumps({"eventId": "small"}))
    assert claim_consumer.handler({"Records": [record, small]}, Context()) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert set(stored(table)) == {"big#small"} and dead_letters(sqs, dlq_url) == []


def test_a_body_holding_the_pointer_field_is_refused_when_spilling_is_on(claim_consumer, aws):
    table, sqs, dlq_url = aws
    record = {
        "messageId": "m1",
        "body": json.dumps({"eventId": "e", "_payload": {"uri": "s3://elsewhere/x"}}),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
        "messageAttributes": {"source": {"stringValue": "big", "dataType": "String"}},
    }
    claim_consumer.handler({"Records": [record]}, Context())
    assert stored(table) == {}
    assert dead_letters(sqs, dlq_url)[0]["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == "reserved_attribute"


# --- checking the signature at the edge (verify_at_edge) ------------------------------------


@pytest.fixture
def edge(front, monkeypatch):
    module, s3, sqs, queue_url = front
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    arn = secrets.create_secret(Name="edge-stripe-signing", SecretString=STRIPE_SECRET)["ARN"]
    routes = {
        "POST /hooks/stripe": {
            "source": "stripe",
            "headers": ["stripe-signature"],
            "signature": {"scheme": "stripe", "secret_arn": arn, "tolerance_seconds": 300},
        }
    }
    monkeypatch.setenv("ROUTES", json.dumps(routes))
    monkeypatch.setattr(module, "_signing_secrets", None)
    return module, s3, sqs, queue_url, secrets, arn


def nothing_kept(s3, sqs, queue_url) -> bool:
    return queued(sqs, queue_url) == [] and "Contents" not in s3.list_objects_v2(Bucket=BUCKET)


def test_a_signature_checked_at_the_edge_refuses_forgeries_with_401_and_keeps_nothing(edge, capsys):
    module, s3, sqs, queue_url, _, _ = edge
    body = json.dumps({"id": "evt_edge", "amount": 1}).encode()
    signed = sign_stripe(body.decode(), STRIPE_SECRET, NOW, "")
    forged = module.handler(request("POST /hooks/stripe", body.replace(b"1}", b"9}"), signed), None)
    unsigned = module.handler(request("POST /hooks/stripe", body), None)
    stale = module.handler(request("POST /hooks/stripe", body, sign_stripe(body.decode(), STRIPE_SECRET, NOW - 3600, "")), None)
    assert [(r["statusCode"], json.loads(r["body"])["reason"]) for r in (forged, unsigned, stale)] == [
        (401, "signature_invalid"),
        (401, "signature_missing"),
        (401, "timestamp_outside_tolerance"),
    ]
    assert nothing_kept(s3, sqs, queue_url)
    assert module.handler(request("POST /hooks/stripe", body, signed), None)["statusCode"] == 200
    assert len(queued(sqs, queue_url)) == 1
    logged = capsys.readouterr().out
    assert signed["stripe-signature"] not in logged and STRIPE_SECRET not in logged and "evt_edge" not in logged


def test_an_unreadable_secret_at_the_edge_accepts_for_the_consumer_to_decide(edge):
    module, _, sqs, queue_url, secrets, arn = edge
    secrets.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    body = json.dumps({"id": "evt_later"}).encode()
    answer = module.handler(request("POST /hooks/stripe", body, {"stripe-signature": "t=1,v1=00"}), None)
    assert answer["statusCode"] == 200 and len(queued(sqs, queue_url)) == 1


def test_a_large_raw_body_is_spilled_as_octets_with_its_exact_bytes(claim_consumer, aws, front, monkeypatch):
    _, s3, _, _ = front
    table, _, _ = aws
    sources = json.loads(os.environ["SOURCES"])
    sources["forms"] = {"event_key": "x-delivery", "body": "raw"}
    monkeypatch.setenv("SOURCES", json.dumps(sources))
    body = "field=" + "é" * 250_000  # 500 KB of form data
    record = {
        "messageId": "m1",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
        "messageAttributes": {
            "source": {"stringValue": "forms", "dataType": "String"},
            "header.x-delivery": {"stringValue": "h:d-1", "dataType": "String"},
        },
    }
    assert claim_consumer.handler({"Records": [record]}, Context()) == {"batchItemFailures": []}
    pointer = stored(table)["forms#d-1"]["_payload"]
    assert pointer["contentType"] == "application/octet-stream"
    key = pointer["uri"].removeprefix(f"s3://{BUCKET}/")
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == body.encode()
