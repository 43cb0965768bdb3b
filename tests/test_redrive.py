"""scripts/redrive.py: the move-task path (stubbed: moto lacks it) and the copy fallback (moto)."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

import redrive


@pytest.fixture()
def queues():
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        dlq_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        source_url = sqs.create_queue(
            QueueName="orders",
            Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})},
        )["QueueUrl"]
        yield sqs, dlq_url, source_url


def fill_dlq(sqs, dlq_url: str, count: int) -> None:
    for index in range(count):
        sqs.send_message(
            QueueUrl=dlq_url,
            MessageBody=json.dumps({"eventId": f"e{index}"}),
            MessageAttributes={
                "principal": {"DataType": "String", "StringValue": "alice"},
                "ingest.failure_reason": {"DataType": "String", "StringValue": "invalid_key"},
            },
        )


def drain(sqs, url: str) -> list[dict]:
    messages = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages"):
        messages.extend(batch)
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]} for m in batch]
        )
    return messages


def in_flight(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_auto_falls_back_to_copy_and_moves_everything(queues):
    sqs, dlq_url, source_url = queues
    fill_dlq(sqs, dlq_url, 25)
    result = redrive.redrive(sqs, dlq_url, None)  # source found from the DLQ's redrive policy
    assert (result.mode, result.moved, result.failed, result.remaining) == ("copy", 25, 0, 0)
    moved = drain(sqs, source_url)
    assert sorted(json.loads(m["Body"])["eventId"] for m in moved) == sorted(f"e{i}" for i in range(25))
    for message in moved:
        assert set(message["MessageAttributes"]) == {"principal"}  # the consumer's failure attributes are dropped
    assert in_flight(sqs, dlq_url) == 0


def test_dry_run_only_counts(queues):
    sqs, dlq_url, source_url = queues
    fill_dlq(sqs, dlq_url, 3)
    result = redrive.redrive(sqs, dlq_url, source_url, dry_run=True)
    assert (result.mode, result.moved, result.remaining) == ("dry-run", 0, 3)
    assert in_flight(sqs, source_url) == 0 and in_flight(sqs, dlq_url) == 3


def test_send_failure_deletes_nothing(queues, monkeypatch):
    sqs, dlq_url, source_url = queues
    fill_dlq(sqs, dlq_url, 4)

    def refuse(**_):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "SendMessageBatch")

    monkeypatch.setattr(sqs, "send_message_batch", refuse)
    result = redrive.copy_back(sqs, dlq_url, source_url)
    assert result.moved == 0 and result.failed == 4
    assert in_flight(sqs, dlq_url) == 4  # received (in flight), not deleted: back after the visibility timeout


def test_partially_failed_send_deletes_only_what_was_sent(queues, monkeypatch):
    sqs, dlq_url, source_url = queues
    fill_dlq(sqs, dlq_url, 5)
    real = sqs.send_message_batch

    def first_two_only(QueueUrl, Entries):
        response = real(QueueUrl=QueueUrl, Entries=Entries[:2])
        response["Failed"] = [{"Id": e["Id"], "SenderFault": False, "Code": "InternalError"} for e in Entries[2:]]
        return response

    monkeypatch.setattr(sqs, "send_message_batch", first_two_only)
    result = redrive.copy_back(sqs, dlq_url, source_url)
    assert (result.moved, result.failed) == (2, 3)
    assert in_flight(sqs, source_url) == 2
    assert in_flight(sqs, dlq_url) == 3


def test_move_task_mode_does_not_fall_back(queues):
    sqs, dlq_url, source_url = queues
    fill_dlq(sqs, dlq_url, 1)
    with pytest.raises(NotImplementedError):
        redrive.redrive(sqs, dlq_url, source_url, mode="move-task")
    assert in_flight(sqs, dlq_url) == 1


def test_move_task_is_started_with_the_rate_and_followed_to_completion():
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq, source = "https://sqs.us-east-1.amazonaws.com/1/orders-dlq", "https://sqs.us-east-1.amazonaws.com/1/orders"
    dlq_arn, source_arn = "arn:aws:sqs:us-east-1:1:orders-dlq", "arn:aws:sqs:us-east-1:1:orders"
    with Stubber(sqs) as stub:
        stub.add_response("get_queue_attributes", {"Attributes": {"ApproximateNumberOfMessages": "7"}})
        stub.add_response("get_queue_attributes", {"Attributes": {"QueueArn": dlq_arn}})
        stub.add_response("get_queue_attributes", {"Attributes": {"QueueArn": source_arn}})
        stub.add_response(
            "start_message_move_task",
            {"TaskHandle": "h-1"},
            {"SourceArn": dlq_arn, "DestinationArn": source_arn, "MaxNumberOfMessagesPerSecond": 50},
        )
        running = {
            "TaskHandle": "h-1",
            "Status": "RUNNING",
            "ApproximateNumberOfMessagesMoved": 3,
            "ApproximateNumberOfMessagesToMove": 7,
        }
        stub.add_response("list_message_move_tasks", {"Results": [running]}, {"SourceArn": dlq_arn, "MaxResults": 1})
        done = {**running, "Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": 7}
        stub.add_response("list_message_move_tasks", {"Results": [done]}, {"SourceArn": dlq_arn, "MaxResults": 1})
        polls = []
        result = redrive.redrive(sqs, dlq, source, rate=50, poll=lambda: polls.append(1))
        stub.assert_no_pending_responses()
    assert (result.mode, result.moved, result.remaining) == ("move-task", 7, 0)
    assert polls == [1]


def test_failed_move_task_is_an_error():
    sqs = boto3.client("sqs", region_name="us-east-1")
    with Stubber(sqs) as stub:
        stub.add_response("get_queue_attributes", {"Attributes": {"QueueArn": "arn:aws:sqs:us-east-1:1:d"}})
        stub.add_response("get_queue_attributes", {"Attributes": {"QueueArn": "arn:aws:sqs:us-east-1:1:s"}})
        stub.add_response("start_message_move_task", {"TaskHandle": "h"})
        failed = {"TaskHandle": "h", "Status": "FAILED", "FailureReason": "AccessDenied"}
        stub.add_response("list_message_move_tasks", {"Results": [failed]})
        with pytest.raises(SystemExit, match="FAILED: AccessDenied"):
            redrive.move_with_task(sqs, "d", "s", None, lambda: None)


def test_cli_rejects_a_rate_sqs_would_refuse(capsys):
    with pytest.raises(SystemExit):
        redrive.main(["--dlq-url", "x", "--rate", "501"])
    assert "--rate" in capsys.readouterr().err


# --- reliability round: copies end, filter by reason, one mover at a time ------------------


def dead_letter(sqs, dlq_url: str, event_id: str, reason: str | None, source: str | None = None) -> None:
    attributes = {"principal": {"DataType": "String", "StringValue": "alice"}}
    if source is not None:
        attributes["source"] = {"DataType": "String", "StringValue": source}
    if reason is not None:
        attributes["ingest.failure_reason"] = {"DataType": "String", "StringValue": reason}
    sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps({"eventId": event_id}), MessageAttributes=attributes)


def test_copy_of_messages_that_fail_again_ends(queues, monkeypatch):
    """The consumer sends a still-poison message back to the DLQ as a new message
    at once: the copy moves only what was there when it started."""
    sqs, dlq_url, source_url = queues
    for index in range(3):
        dead_letter(sqs, dlq_url, f"p{index}", "invalid_key")
    real = sqs.send_message_batch
    sends: list[int] = []

    def poisoned_again(QueueUrl: str, Entries: list) -> dict:
        sends.append(len(Entries))
        if len(sends) > 20:
            raise AssertionError("the copy keeps going round")
        response = real(QueueUrl=QueueUrl, Entries=Entries)
        if QueueUrl == source_url:  # the consumer fails them again, as new DLQ messages
            drain(sqs, source_url)
            for entry in Entries:
                dead_letter(sqs, dlq_url, json.loads(entry["MessageBody"])["eventId"], "invalid_key")
        return response

    monkeypatch.setattr(sqs, "send_message_batch", poisoned_again)
    time.sleep(0.01)  # the DLQ messages were sent strictly before the run
    result = redrive.redrive(sqs, dlq_url, source_url)
    assert (result.moved, result.failed, result.remaining) == (3, 0, 3)
    assert sum(sends) == 3


def test_filter_by_reason_moves_only_those(queues):
    sqs, dlq_url, source_url = queues
    dead_letter(sqs, dlq_url, "a", "invalid_json")
    dead_letter(sqs, dlq_url, "b", "invalid_json")
    dead_letter(sqs, dlq_url, "c", "too_large")
    dead_letter(sqs, dlq_url, "d", None)  # moved by SQS after maxReceiveCount: no reason
    time.sleep(0.01)
    result = redrive.redrive(sqs, dlq_url, source_url, reasons=redrive.DeadLetterFilter(exclude=frozenset({"too_large"})))
    assert (result.mode, result.moved, result.skipped, result.remaining) == ("copy", 3, 1, 1)
    assert sorted(json.loads(m["Body"])["eventId"] for m in drain(sqs, source_url)) == ["a", "b", "d"]
    # The skipped message is visible again at once, for the next run.
    result = redrive.redrive(sqs, dlq_url, source_url, reasons=redrive.DeadLetterFilter(only=frozenset({"none", "too_large"})))
    assert (result.moved, result.remaining) == (1, 0)
    assert [json.loads(m["Body"])["eventId"] for m in drain(sqs, source_url)] == ["c"]


def test_reason_filter_refuses_a_move_task(queues):
    sqs, dlq_url, source_url = queues
    dead_letter(sqs, dlq_url, "a", "invalid_json")
    with pytest.raises(SystemExit, match="--mode copy"):
        redrive.redrive(sqs, dlq_url, source_url, mode="move-task", reasons=redrive.DeadLetterFilter(only=frozenset({"x"})))


def test_cli_filters_by_reason(queues, monkeypatch, capsys):
    sqs, dlq_url, source_url = queues
    dead_letter(sqs, dlq_url, "a", "invalid_json")
    dead_letter(sqs, dlq_url, "b", "too_large")
    time.sleep(0.01)
    monkeypatch.setattr(boto3, "client", lambda *args, **kwargs: sqs)
    assert redrive.main(["--dlq-url", dlq_url, "--source-url", source_url, "--mode", "copy", "--reason", "too_large"]) == 0
    assert "moved 1, failed 0, skipped 1, 1 left in the DLQ" in capsys.readouterr().out


def test_cli_filters_by_webhook_source_and_reason(queues, monkeypatch, capsys):
    sqs, dlq_url, source_url = queues
    dead_letter(sqs, dlq_url, "s1", "signature_invalid", source="stripe")
    dead_letter(sqs, dlq_url, "s2", "invalid_json", source="stripe")
    dead_letter(sqs, dlq_url, "g1", "signature_invalid", source="github")
    dead_letter(sqs, dlq_url, "d1", "invalid_json")  # a deployment without sources: source "default"
    time.sleep(0.01)
    monkeypatch.setattr(boto3, "client", lambda *args, **kwargs: sqs)
    arguments = ["--dlq-url", dlq_url, "--source-url", source_url, "--mode", "copy"]
    assert redrive.main([*arguments, "--webhook-source", "stripe", "--reason", "signature_invalid"]) == 0
    assert [json.loads(m["Body"])["eventId"] for m in drain(sqs, source_url)] == ["s1"]
    assert redrive.main([*arguments, "--exclude-webhook-source", "github", "--exclude-webhook-source", "stripe"]) == 0
    assert [json.loads(m["Body"])["eventId"] for m in drain(sqs, source_url)] == ["d1"]
    assert "moved 1, failed 0, skipped 2, 2 left in the DLQ" in capsys.readouterr().out.splitlines()[-1]


class MoveTaskStartsThenListingFails:
    """A started move task whose progress cannot be read: the copy must not start too."""

    def __init__(self) -> None:
        self.received = 0

    def get_queue_attributes(self, QueueUrl: str, AttributeNames: list) -> dict:
        return {"Attributes": {"ApproximateNumberOfMessages": "5", "QueueArn": f"arn:aws:sqs:us-east-1:1:{QueueUrl[-3:]}"}}

    def start_message_move_task(self, **_: object) -> dict:
        return {"TaskHandle": "h-1"}

    def list_message_move_tasks(self, **_: object) -> dict:
        error = {"Error": {"Code": "InternalFailure", "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": 500}}
        raise ClientError(error, "ListMessageMoveTasks")  # type: ignore[arg-type]

    def receive_message(self, **_: object) -> dict:
        self.received += 1
        return {"Messages": []}


def test_an_error_after_the_task_started_does_not_start_a_copy():
    sqs = MoveTaskStartsThenListingFails()
    with pytest.raises(ClientError, match="InternalFailure"):
        redrive.redrive(sqs, "https://q/dlq", "https://q/src", poll=lambda: None)
    assert sqs.received == 0


def test_a_copy_drops_every_mark_the_consumer_added_and_keeps_the_envelope(queues):
    """A dead letter as the consumer sends it (dead_letters.dead_letter_entry, every mark,
    the receive count and the dropped list included) goes back with the request's own
    attributes only: the same envelope, ready to be dead-lettered afresh."""
    from envelope import DEAD_LETTER_ATTRIBUTES, Envelope

    from dead_letters import dead_letter_entry
    from pipeline import Poison

    sqs, dlq_url, source_url = queues
    original = Envelope(source="s", body=b"{}", headers={f"x-{n}": str(n) for n in range(3)}, received_ms=1000, request_id="r")
    record = {
        "messageId": "m-1",
        "body": "{}",
        "attributes": {"ApproximateReceiveCount": "7"},
        "messageAttributes": {
            name: {"stringValue": value["StringValue"], "dataType": "String"}
            for name, value in {**original.to_message_attributes(), "extra": {"StringValue": "e"}}.items()
        },
    }
    entry = dead_letter_entry("0", record, Poison("m-1", "invalid_key", "why"))
    assert set(DEAD_LETTER_ATTRIBUTES) <= set(entry["MessageAttributes"])  # 7 originals: the dropped list is needed
    sqs.send_message(QueueUrl=dlq_url, MessageBody=entry["MessageBody"], MessageAttributes=entry["MessageAttributes"])
    time.sleep(0.01)
    assert redrive.redrive(sqs, dlq_url, source_url).moved == 1
    (moved,) = drain(sqs, source_url)
    kept = set(moved["MessageAttributes"])
    assert not kept & set(DEAD_LETTER_ATTRIBUTES)
    assert kept == set(entry["MessageAttributes"]) - set(DEAD_LETTER_ATTRIBUTES)
    assert {"source", "receivedAt", "header.x-0", "header.x-2"} <= kept
