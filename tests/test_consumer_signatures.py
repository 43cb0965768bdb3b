"""The consumer with signed sources: verified before stored, the reason on every
rejection, replays stored once, the window measured at receipt, the signing
secret cached and never logged, and an unreadable secret never mistaken for a forgery."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from envelope import REASON_ATTRIBUTE
from test_consumer import Context, dead_letters, record, stored
from test_consumer_sources import carried_headers
from test_signatures import BODY, MESSAGE_ID, NOW, sign_github, sign_slack, sign_standard_webhooks, sign_stripe, whsec

STRIPE_SECRET = "whsec_" + "5f" * 16
GITHUB_SECRET = "github-" + "7a" * 10
WEBHOOKS_SECRET = whsec()
SLACK_SECRET = "8f" * 16
SIGNERS = {"stripe": sign_stripe, "github": sign_github, "webhooks": sign_standard_webhooks, "slack": sign_slack}


@pytest.fixture
def signed(consumer, aws, monkeypatch):
    client = boto3.client("secretsmanager", region_name="us-east-1")
    arns = {
        name: client.create_secret(Name=f"{name}-signing", SecretString=secret)["ARN"]
        for name, secret in (("stripe", STRIPE_SECRET), ("github", GITHUB_SECRET), ("webhooks", WEBHOOKS_SECRET))
    }
    arns["slack"] = client.create_secret(Name="slack-signing")["ARN"]  # created empty, as the module does
    sources = {
        "stripe": {"event_key": "/id", "signature": {"scheme": "stripe", "secret_arn": arns["stripe"]}},
        "github": {"event_key": "x-github-delivery", "signature": {"scheme": "github", "secret_arn": arns["github"]}},
        "webhooks": {"event_key": "webhook-id", "signature": {"scheme": "standard-webhooks", "secret_arn": arns["webhooks"]}},
        "slack": {"event_key": "/id", "signature": {"scheme": "slack", "secret_arn": arns["slack"]}},
    }
    monkeypatch.setenv("SOURCES", json.dumps(sources))
    monkeypatch.setattr(consumer, "_signing_secrets", None)
    return consumer, client, arns


def signed_record(
    message_id: str,
    source: str,
    secret: str,
    body: str = BODY,
    signed_at: int = NOW,
    received_at: int | None = None,
    delivery: str = MESSAGE_ID,
    tamper: str | None = None,
    drop: str | None = None,
) -> dict:
    headers = SIGNERS[source](body, secret, signed_at, delivery)
    if source == "github":
        headers["x-github-delivery"] = delivery
    if drop is not None:
        headers.pop(drop)
    attributes = {"source": {"stringValue": source, "dataType": "String"}, **carried_headers(headers)}
    if drop is not None:  # API Gateway still maps the header: the attribute holds only the prefix
        attributes.update(carried_headers({drop: ""}))
    if received_at is not None:
        attributes["receivedAt"] = {"stringValue": str(received_at * 1000), "dataType": "String"}
    result = record(message_id, tamper if tamper is not None else body, attributes=attributes)
    result["attributes"]["SentTimestamp"] = str((received_at or signed_at + 1) * 1000)
    return result


def reasons(sqs, dlq_url) -> dict[str, str]:
    return {
        message["MessageAttributes"]["ingest.source_message_id"]["StringValue"]: message["MessageAttributes"][REASON_ATTRIBUTE][
            "StringValue"
        ]
        for message in dead_letters(sqs, dlq_url)
    }


def test_signed_messages_are_stored_and_bad_ones_dead_lettered_with_their_reason(signed, aws):
    consumer, _, _ = signed
    table, sqs, dlq_url = aws
    response = consumer.handler(
        {
            "Records": [
                signed_record("ok-stripe", "stripe", STRIPE_SECRET),
                signed_record("ok-github", "github", GITHUB_SECRET, delivery="d-1"),
                signed_record("ok-webhooks", "webhooks", WEBHOOKS_SECRET),
                signed_record("tampered", "stripe", STRIPE_SECRET, tamper=BODY.replace("100", "1000")),
                signed_record("wrong-secret", "github", "not-the-secret", delivery="d-2"),
                signed_record("unsigned", "webhooks", WEBHOOKS_SECRET, drop="webhook-signature"),
                signed_record("stale", "stripe", STRIPE_SECRET, received_at=NOW + 301),
                signed_record("future", "webhooks", WEBHOOKS_SECRET, received_at=NOW - 301),
            ]
        },
        Context(),
    )
    assert response == {"batchItemFailures": []}
    assert set(stored(table)) == {"stripe#evt_1", "github#d-1", f"webhooks#{MESSAGE_ID}"}
    assert reasons(sqs, dlq_url) == {
        "tampered": "signature_invalid",
        "wrong-secret": "signature_invalid",
        "unsigned": "signature_missing",
        "stale": "timestamp_outside_tolerance",
        "future": "timestamp_outside_tolerance",
    }


def test_a_replayed_delivery_is_stored_once(signed, aws, monkeypatch):
    consumer, _, _ = signed
    table, sqs, dlq_url = aws
    monkeypatch.setenv("WRITE_MODE", "first-write-wins")
    first = signed_record("m1", "webhooks", WEBHOOKS_SECRET)
    replay = signed_record("m2", "webhooks", WEBHOOKS_SECRET, received_at=NOW + 60)  # the same delivery, a minute later
    assert consumer.handler({"Records": [first]}, Context()) == {"batchItemFailures": []}
    assert consumer.handler({"Records": [replay]}, Context()) == {"batchItemFailures": []}
    items = stored(table)
    assert list(items) == [f"webhooks#{MESSAGE_ID}"]
    assert items[f"webhooks#{MESSAGE_ID}"]["_receivedAt"] == "2026-09-21T14:13:21.000Z"  # the first, not the replay
    assert dead_letters(sqs, dlq_url) == []


@pytest.mark.parametrize("source", ["stripe", "webhooks", "github"])
def test_a_redrive_hours_later_verifies_against_when_it_was_first_received(signed, aws, source):
    """Signed at NOW, received by API Gateway at NOW + 2; redriven (a new SentTimestamp)
    and processed months later by the consumer's clock: still inside the window."""
    consumer, _, _ = signed
    table, _, _ = aws
    secret = {"stripe": STRIPE_SECRET, "webhooks": WEBHOOKS_SECRET, "github": GITHUB_SECRET}[source]
    redriven = signed_record("m1", source, secret, received_at=NOW + 2, delivery="d-1")
    redriven["attributes"]["SentTimestamp"] = str((NOW + 6 * 3600) * 1000)
    assert time.time() - NOW > 3600  # the consumer's own clock is far outside any window
    assert consumer.handler({"Records": [redriven]}, Context()) == {"batchItemFailures": []}
    assert len(stored(table)) == 1


def test_an_unreadable_secret_keeps_its_messages_waiting_not_dead_lettered(signed, aws, capsys):
    consumer, client, arns = signed
    table, sqs, dlq_url = aws
    batch = {"Records": [signed_record("slack-1", "slack", SLACK_SECRET), signed_record("stripe-1", "stripe", STRIPE_SECRET)]}
    response = consumer.handler(batch, Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": "slack-1"}]}  # the other source is not held back
    assert set(stored(table)) == {"stripe#evt_1"}
    assert dead_letters(sqs, dlq_url) == []
    assert '"source": "slack"' in capsys.readouterr().out
    # The operator puts the secret in; the next delivery after the retry window verifies.
    client.put_secret_value(SecretId=arns["slack"], SecretString=SLACK_SECRET)
    consumer._signing_secrets = None  # a new container (or the retry window passed)
    assert consumer.handler({"Records": [batch["Records"][0]]}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"stripe#evt_1", "slack#evt_1"}


def test_the_signing_secret_is_read_once_per_ttl_not_per_batch(signed, aws, monkeypatch):
    consumer, _, _ = signed
    calls = []
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # restored afterwards, without the counter
    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-call.secrets-manager.GetSecretValue", lambda **kwargs: calls.append(1))
    for index in range(5):
        batch = {
            "Records": [signed_record(f"m{index}", "stripe", STRIPE_SECRET), signed_record(f"g{index}", "github", GITHUB_SECRET)]
        }
        assert consumer.handler(batch, Context()) == {"batchItemFailures": []}
    assert len(calls) == 2  # one per signed source, for all five batches


def test_a_rotation_with_the_secret_list_verifies_old_and_new(signed, aws):
    consumer, client, arns = signed
    table, _, _ = aws
    new_secret = "whsec_" + "9e" * 16
    client.put_secret_value(SecretId=arns["stripe"], SecretString=json.dumps([STRIPE_SECRET, new_secret]))
    old = signed_record("old", "stripe", STRIPE_SECRET, body=BODY.replace("evt_1", "evt_old"))
    new = signed_record("new", "stripe", new_secret, body=BODY.replace("evt_1", "evt_new"))
    assert consumer.handler({"Records": [old, new]}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"stripe#evt_old", "stripe#evt_new"}


def test_secrets_and_signatures_never_reach_the_logs(signed, aws, capsys):
    consumer, _, _ = signed
    records = [
        signed_record("ok", "stripe", STRIPE_SECRET),
        signed_record("bad", "github", "not-the-secret"),
        signed_record("slack", "slack", SLACK_SECRET),
    ]
    consumer.handler({"Records": records}, Context())
    output = capsys.readouterr().out
    for secret in (STRIPE_SECRET, GITHUB_SECRET, SLACK_SECRET, "not-the-secret"):
        assert secret not in output
    for one in records:
        for name, attribute in one["messageAttributes"].items():
            if name.startswith("header."):
                value = attribute["stringValue"].removeprefix("h:")
                assert value not in output, name
    assert "Zoë" not in output  # nor the payload


def with_header(one: dict, name: str, change) -> dict:
    """The record with its carried header `name` changed by `change` (after signing)."""
    attribute = one["messageAttributes"][f"header.{name}"]
    attribute["stringValue"] = "h:" + change(attribute["stringValue"].removeprefix("h:"))
    return one


def test_a_non_ascii_timestamp_digit_is_dead_lettered_as_signature_invalid_not_unexpected(signed, aws):
    """Issue 20 item 6: t=¹700000000 raised UnicodeEncodeError (dead-lettered unexpected_error)."""
    consumer, _, _ = signed
    table, sqs, dlq_url = aws
    superscript = f"¹{str(NOW)[1:]}"
    records = [
        signed_record("good", "stripe", STRIPE_SECRET),
        with_header(
            signed_record("stripe-t", "stripe", STRIPE_SECRET, body=BODY.replace("evt_1", "evt_2")),
            "stripe-signature",
            lambda value: value.replace(f"t={NOW}", f"t={superscript}"),
        ),
        with_header(signed_record("webhooks-t", "webhooks", WEBHOOKS_SECRET), "webhook-timestamp", lambda value: superscript),
        with_header(signed_record("slack-t", "slack", SLACK_SECRET), "x-slack-request-timestamp", lambda value: superscript),
    ]
    client, arns = signed[1], signed[2]
    client.put_secret_value(SecretId=arns["slack"], SecretString=SLACK_SECRET)
    assert consumer.handler({"Records": records}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"stripe#evt_1"}
    assert reasons(sqs, dlq_url) == {
        "stripe-t": "signature_invalid",
        "webhooks-t": "signature_invalid",
        "slack-t": "signature_invalid",
    }
