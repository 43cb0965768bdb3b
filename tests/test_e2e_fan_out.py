"""Fan-out through the local stack (issue 24, item 1): a mixed batch of stored events, a
duplicate, poison and a handshake reaches an EventBridge rule with an SQS target (routed
outside the module, as a user would) as exactly the stored events, once each, with the
documented source and detail-type. The stack is examples/local-sources (tests/sources_stack.py)."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from sources_stack import exchange
from test_fan_out import routed
from test_signatures import sign_slack

import local_runner

pytestmark = pytest.mark.e2e


def route_everything(sources, name: str) -> str:
    """A rule on the module's bus sending every webhook event to a queue of our own: its URL."""
    events = local_runner.aws_client("events", sources.runner.endpoint)
    bus = sources.outputs["cloudwatch_event_bus_name"]
    queue_url = sources.sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sources.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"source": [{"prefix": "webhook."}]}))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue_arn}])
    return queue_url


def test_the_bus_receives_exactly_the_stored_events_once(sources, signing):
    queue_url = route_everything(sources, "e2e-routed")
    run = uuid.uuid4().hex[:8]
    token = sources.secrets["github"]["token"]
    github_headers = {"x-github-delivery": f"d-{run}", "x-github-event": "pull_request"}
    sent = [
        sources.send("stripe", {"id": f"evt_{run}", "type": "charge.succeeded", "amount": 0.1}),
        sources.post(sources.url("github", token), json.dumps({"action": "opened"}), github_headers),
    ]
    assert sent == [200, 200] and sources.drained()
    sent = [
        # A repeat of the Stripe event with other content: first write wins, a duplicate.
        sources.send("stripe", {"id": f"evt_{run}", "type": "charge.refunded"}),
        # Poison: no id where the source keys its events (dead-lettered missing_key).
        sources.send("stripe", {"type": "charge.succeeded", "note": run}),
    ]
    assert sent == [200, 200]
    # A handshake: answered at the edge, never queued, never published.
    challenge = f"challenge-{run}"
    body = json.dumps({"token": "t", "challenge": challenge, "type": "url_verification"})
    signed = {"content-type": "application/json", **sign_slack(body, signing["slack"], int(time.time()), "")}
    status, _, answer = exchange(sources.url("slack"), "POST", body.encode(), signed)
    assert (status, answer) == (200, challenge.encode())
    assert sources.drained()
    received = routed(sources.sqs, queue_url)
    assert sorted((e["source"], e["detail-type"], e["detail"]["eventId"]) for e in received) == [
        ("webhook.github", "pull_request", f"github#d-{run}"),
        ("webhook.stripe", "charge.succeeded", f"stripe#evt_{run}"),
    ]
    # The detail is the stored item: the first write's, with what the consumer stamped on it.
    stripe_event = next(e for e in received if e["source"] == "webhook.stripe")
    item = sources.items()[f"stripe#evt_{run}"]
    assert stripe_event["detail"]["amount"] == 0.1 and stripe_event["detail"]["_receivedAt"] == item["_receivedAt"]
