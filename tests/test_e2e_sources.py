"""End to end with several sources on one deployment (examples/local-sources):
Basic on /submit, Stripe with a URL token keyed by /id, GitHub with a URL token
keyed by its X-GitHub-Delivery header, and one open source per signature scheme,
signed by the senders' own libraries. Applied to moto_server, served by the
local runner, exercised over HTTP on 127.0.0.1; bounded like tests/test_e2e.py.
The stack is tests/sources_stack.py's, shared with tests/test_e2e_senders.py.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sources_stack import NAME
from test_signatures import sign_custom_hmac, sign_github, sign_slack, sign_standard_webhooks, sign_stripe, sign_svix

import demo
import local_runner
import replay
from local_runner.samples import sample_requests

pytestmark = pytest.mark.e2e
SIGNED = {"signed-stripe", "signed-github", "webhooks", "svix", "slack", "custom", "edge-stripe", "meta"}
SIGNED |= {
    "zoom",
    "x",
    "dropbox",
    "twitch",
    "asana",
    "square",
    "discord",
    "sendgrid",
    "mailgun",
    "adyen",
    "notion",
    "paypal",
    "plaid",
    "jira",
}  # senders by name: tests/test_e2e_senders.py
TOKEN_SOURCES = {"stripe", "github", "large", "twilio", "graph", "gitlab"}
BASIC_SOURCES = {"orders", "okta"}


def test_each_source_has_its_url_and_secret(sources):
    assert set(sources.outputs["source_urls"]) == BASIC_SOURCES | TOKEN_SOURCES | SIGNED
    assert set(sources.outputs["source_secret_arns"]) == BASIC_SOURCES | TOKEN_SOURCES  # signed ones have no authorizer
    assert set(sources.outputs["source_signing_secret_arns"]) == SIGNED
    assert sources.outputs["source_urls"]["orders"].endswith("/submit")
    assert sources.outputs["source_urls"]["github"].endswith("/hooks/github")
    assert set(sources.secrets["orders"]) == {"username", "password"}
    assert set(sources.secrets["stripe"]) == {"token"} and sources.secrets["stripe"] != sources.secrets["github"]


def test_the_same_id_from_three_sources_at_once_is_three_items(sources):
    sends = [
        ("orders", {"eventId": "same-1", "amount": 12.5}, {}),
        ("stripe", {"id": "same-1", "object": "event", "type": "charge.succeeded"}, {}),
        ("github", {"action": "opened", "number": 7}, {"x-github-delivery": "same-1"}),
    ] * 5  # each source sends its event five times (providers retry)
    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(lambda send: sources.send(send[0], send[1], **send[2]), sends))
    assert statuses == [200] * len(sends)
    assert sources.drained()
    items = sources.items()
    assert {key: items[key]["_source"] for key in ("orders#same-1", "stripe#same-1", "github#same-1")} == {
        "orders#same-1": "orders",
        "stripe#same-1": "stripe",
        "github#same-1": "github",
    }
    assert items["github#same-1"]["action"] == "opened" and items["stripe#same-1"]["type"] == "charge.succeeded"
    assert all(item["_receivedAt"].endswith("Z") for item in items.values())


@pytest.mark.parametrize(
    ("source", "token", "status"),
    [
        ("stripe", None, 401),  # no token: API Gateway answers without the authorizer
        ("stripe", "not-the-token", 403),
        ("github", "", 401),
    ],
)
def test_a_missing_or_wrong_token_is_refused(sources, source, token, status):
    assert sources.post(sources.url(source, token), json.dumps({"id": "refused"})) == status


def test_one_sources_secret_never_opens_another_route_even_when_cached(sources):
    stripe_token = sources.secrets["stripe"]["token"]
    assert sources.post(sources.url("stripe", stripe_token), json.dumps({"id": "cache-1"})) == 200  # allow, now cached
    calls = sources.authorizer_calls()
    assert sources.post(sources.url("stripe", stripe_token), json.dumps({"id": "cache-2"})) == 200
    assert sources.authorizer_calls() == calls  # served from the cache
    github = sources.url("github", stripe_token)
    assert sources.post(github, json.dumps({}), {"x-github-delivery": "cache-3"}) == 403
    # Basic credentials do not open a token route, nor a token the Basic one.
    assert sources.post(sources.url("stripe"), json.dumps({"id": "x"}), {"authorization": sources.basic()}) == 401
    assert sources.post(sources.url("orders", stripe_token), json.dumps({"eventId": "x"})) == 401
    assert sources.drained()
    assert "github#cache-3" not in sources.items()


def test_poison_is_dead_lettered_with_its_source_and_reason(sources):
    assert sources.send("stripe", {"object": "event"}) == 200  # no /id
    assert sources.send("orders", {"eventId": "ok", "_source": "stripe"}) == 200  # claims another source
    assert sources.drained()
    reasons = {}
    deadline = time.monotonic() + 20
    while len(reasons) < 2 and time.monotonic() < deadline:
        for message in sources.sqs.receive_message(
            QueueUrl=sources.outputs["sqs_dead_letter_queue_url"], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", []):
            attributes = message["MessageAttributes"]
            reasons[attributes["source"]["StringValue"]] = attributes["ingest.failure_reason"]["StringValue"]
    assert reasons == {"stripe": "missing_key", "orders": "reserved_attribute"}


def test_make_local_gives_each_source_a_request_it_accepts(sources):
    """What `make local CONFIG=examples/local-sources` prints, sent as printed."""
    samples = sample_requests(sources.runner, "sample-1")
    assert {sample.source for sample in samples} == BASIC_SOURCES | TOKEN_SOURCES
    assert all(sample.curl().startswith("curl -H") for sample in samples)
    demo.try_each_source(sources.runner, samples)
    assert {f"{source}#sample-1" for source in BASIC_SOURCES | TOKEN_SOURCES} <= set(sources.items())


# --- signed sources --------------------------------------------------------------------

SIGNERS = {
    "signed-stripe": sign_stripe,
    "signed-github": sign_github,
    "webhooks": sign_standard_webhooks,
    "svix": sign_svix,
    "slack": sign_slack,
    "custom": sign_custom_hmac,
}
# What each signed source is keyed by: a body pointer (the body carries the id) or a header.
KEY_HEADERS = {"signed-github": "x-github-delivery", "webhooks": "webhook-id", "svix": "svix-id", "custom": "x-delivery"}
SIGNATURE_HEADERS = {
    "signed-stripe": "stripe-signature",
    "signed-github": "x-hub-signature-256",
    "webhooks": "webhook-signature",
    "svix": "svix-signature",
    "slack": "x-slack-signature",
    "custom": "x-signature",
}


def signed_body(source: str, event_id: str) -> tuple[str, str]:
    """(body, content type) as the sender would send it, with non-ASCII text in it."""
    if source == "custom":
        return f"event={event_id}&note=Zo%C3%AB+%E2%9C%93&amount=100", "application/x-www-form-urlencoded"
    field = {"slack": "event_id"}.get(source, "id")
    return json.dumps({field: event_id, "type": "invoice.paid", "note": "Zoë ✓"}, ensure_ascii=False), "application/json"


def send_signed(sources, signing, source: str, event_id: str, signed_at: int | None = None, **change) -> int:
    body, content_type = signed_body(source, event_id)
    headers = SIGNERS[source](body, signing[source], int(time.time()) if signed_at is None else signed_at, event_id)
    if source in KEY_HEADERS:
        headers[KEY_HEADERS[source]] = event_id
    for name in change.pop("drop", ()):
        headers.pop(name)
    sent = change.pop("body", body)
    return sources.post(sources.url(source), sent, {"content-type": content_type, **headers})


def delivery_of(body: str) -> str:
    if body.startswith("{"):
        document = json.loads(body)
        return str(document.get("id") or document.get("event_id"))
    return body.split("&", maxsplit=1)[0].removeprefix("event=")


def dead_letter_reasons(sources, prefix: str, expected: int) -> dict[str, str]:
    """The reason of each dead letter whose delivery id starts with `prefix` (taken off the DLQ)."""
    dlq_url = sources.outputs["sqs_dead_letter_queue_url"]
    reasons: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while len(reasons) < expected and time.monotonic() < deadline:
        batch = sources.sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=1
        ).get("Messages", [])
        for message in batch:
            delivery = delivery_of(message["Body"])
            if delivery.startswith(prefix + "-"):
                reasons[delivery] = message["MessageAttributes"]["ingest.failure_reason"]["StringValue"]
                sources.sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
    return reasons


@pytest.mark.parametrize("source", sorted(SIGNERS))
def test_each_scheme_signed_by_its_sender_is_stored_once_and_forgeries_are_refused_at_the_edge(sources, signing, source):
    prefix = source.replace("-", "")
    now = int(time.time())
    accepted = [
        send_signed(sources, signing, source, f"{prefix}-ok"),
        send_signed(sources, signing, source, f"{prefix}-ok"),  # a replay of the same delivery
        send_signed(sources, signing, source, f"{prefix}-tampered", body=signed_body(source, f"{prefix}-tampered")[0] + " "),
        send_signed(sources, signing, source, f"{prefix}-unsigned", drop=[SIGNATURE_HEADERS[source]]),
        send_signed(sources, signing, source, f"{prefix}-stale", signed_at=now - 600),
        send_signed(sources, signing, source, f"{prefix}-future", signed_at=now + 600),
    ]
    # An open signed source is checked at the edge (verify_at_edge by default): a forgery
    # gets 401 with its reason and leaves nothing behind; GitHub signs no time, so an
    # old or future delivery is genuine.
    timeless = source == "signed-github"
    assert accepted == [200, 200, 401, 401] + ([200, 200] if timeless else [401, 401])
    assert sources.drained()
    items = sources.items()
    ours = sorted(key for key in items if key.startswith(f"{source}#"))
    kinds = ("future", "ok", "stale") if timeless else ("ok",)
    assert ours == sorted(f"{source}#{prefix}-{kind}" for kind in kinds)
    assert dead_letter_reasons(sources, prefix, 0) == {}
    stored = items[f"{source}#{prefix}-ok"]
    if source == "custom":
        assert stored["body"] == signed_body(source, f"{prefix}-ok")[0]  # the exact form-encoded bytes
    else:
        assert stored["note"] == "Zoë ✓"


def test_each_signed_source_has_its_rejection_alarm_applied(sources):
    alarms = local_runner.aws_client("cloudwatch", sources.runner.endpoint).describe_alarms(AlarmNamePrefix=NAME)["MetricAlarms"]
    # Behind the edge function, each alarm sums the edge's rejections (401) and the consumer's.
    watched: dict[str, set[str]] = {}
    for alarm in alarms:
        metrics = [query["MetricStat"]["Metric"] for query in alarm.get("Metrics", []) if "MetricStat" in query]
        for metric in metrics or [{"MetricName": alarm.get("MetricName"), "Dimensions": alarm.get("Dimensions", [])}]:
            if metric["MetricName"] == "SignatureRejected":
                dimensions = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
                watched.setdefault(dimensions["Source"], set()).add(dimensions["FunctionName"])
    assert set(watched) == SIGNED
    assert all(functions == {f"{NAME}-consumer", f"{NAME}-front"} for functions in watched.values()), watched


def test_a_body_sqs_cannot_carry_is_refused_at_the_edge(sources, signing):
    body = json.dumps({"id": "control-1"}) + "\u0001"
    headers = sign_stripe(body, signing["signed-stripe"], int(time.time()), "control-1")
    request = urllib.request.Request(sources.url("signed-stripe"), data=body.encode(), headers=headers)  # noqa: S310 - loopback
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)  # noqa: S310 - loopback
    assert refused.value.code == 400  # the edge function refuses what SQS would, and queues nothing
    assert "SQS does not accept" in json.loads(refused.value.read())["message"]


# --- claim checks, large items, the archive and replay ---------------------------------


def large_body(event_id: str, size: int) -> str:
    return json.dumps({"eventId": event_id, "filler": "x" * (size - 40)})


def test_claim_check_stores_300_kb_whole_5_mb_as_a_pointer_and_refuses_over_6_mb(sources):
    token = sources.secrets["large"]["token"]
    medium, huge = large_body("claim-300k", 300_000), large_body("claim-5mb", 5_000_000)
    assert sources.post(sources.url("large", token), medium) == 200
    assert sources.post(sources.url("large", token), huge) == 200
    assert sources.post(sources.url("large", token), large_body("claim-7mb", 7_000_000)) == 413
    # The same 300 KB on a direct route: over the queue's 256 KiB, refused with SQS's 400.
    assert sources.send("orders", json.loads(medium.replace("claim-300k", "direct-300k"))) == 400
    assert sources.drained()
    items = sources.items()
    assert items["large#claim-300k"]["filler"] == json.loads(medium)["filler"]
    pointer = items["large#claim-5mb"]["_payload"]
    bucket, key = pointer["uri"].removeprefix("s3://").split("/", 1)
    s3 = local_runner.aws_client("s3", sources.runner.endpoint)
    stored = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(huge.encode()).hexdigest() == pointer["sha256"]
    assert "large#claim-7mb" not in items and "orders#direct-300k" not in items


def archived_lines(sources) -> tuple[list[dict], int]:
    """The lines of the large source's archive, and how many objects hold them."""
    s3 = local_runner.aws_client("s3", sources.runner.endpoint)
    bucket = sources.outputs["s3_bucket_id"]
    listing = s3.list_objects_v2(Bucket=bucket, Prefix="archive/source=large/").get("Contents", [])
    return [
        json.loads(line)
        for entry in listing
        for line in s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read().splitlines()
    ], len(listing)


def test_the_archive_holds_each_batch_and_replay_restores_deleted_items_once(sources):
    token = sources.secrets["large"]["token"]
    started = time.time() - 1
    for index in range(3):
        assert sources.post(sources.url("large", token), json.dumps({"eventId": f"replay-{index}", "n": index})) == 200
    assert sources.drained()
    lines, objects = archived_lines(sources)
    assert {f"replay-{index}" for index in range(3)} <= {json.loads(line["body"])["eventId"] for line in lines}
    assert objects <= len(lines)  # one object per batch and source
    table = sources.outputs["dynamodb_table_name"]
    for index in range(3):
        sources.dynamodb.delete_item(TableName=table, Key={"eventId": {"S": f"large#replay-{index}"}})
    window = [
        "--from",
        datetime.fromtimestamp(started, UTC).isoformat(),
        "--to",
        datetime.fromtimestamp(time.time() + 1, UTC).isoformat(),
    ]
    common = ["--bucket", sources.outputs["s3_bucket_id"], "--queue-url", sources.outputs["sqs_queue_url"], "--source", "large"]
    common += ["--endpoint-url", sources.runner.endpoint, *window]
    for _ in range(2):
        assert replay.main([*common, "--execute"]) == 0
        assert sources.drained()
    items = sources.items()
    assert {f"large#replay-{index}" for index in range(3)} <= set(items)
    assert [items[f"large#replay-{index}"]["n"] for index in range(3)] == [0, 1, 2]
    assert archived_lines(sources)[1] == objects  # replays are not archived again


def test_a_signature_checked_at_the_edge_answers_401_and_keeps_nothing(sources, signing):
    body, _ = signed_body("signed-stripe", "edge-ok")
    headers = {"content-type": "application/json", **sign_stripe(body, signing["edge-stripe"], int(time.time()), "edge-ok")}
    assert sources.post(sources.url("edge-stripe"), body.replace("invoice", "refund"), headers) == 401
    assert sources.post(sources.url("edge-stripe"), body, {"content-type": "application/json"}) == 401
    assert sources.post(sources.url("edge-stripe"), body, headers) == 200
    assert sources.drained()
    items = sources.items()
    assert items["edge-stripe#edge-ok"]["note"] == "Zoë ✓"
    s3 = local_runner.aws_client("s3", sources.runner.endpoint)
    claims = s3.list_objects_v2(Bucket=sources.outputs["s3_bucket_id"], Prefix="claims/edge-stripe/").get("Contents", [])
    assert len(claims) == 1  # the refused requests left nothing behind


# --- non-ASCII bodies near Lambda's 6 MB (issue 20, item 15) -----------------------------

# Lambda's synchronous invocation payload quota, 6 MB = 6,291,456 bytes
# (docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); the event around the
# body (headers, request context) takes well under 8 KiB.
LAMBDA_SYNCHRONOUS_PAYLOAD_BYTES = 6_291_456


def utf8_body(event_id: str, character: str, utf8_bytes: int) -> str:
    head = json.dumps({"eventId": event_id, "note": ""})[:-2]
    return head + character * ((utf8_bytes - len(head) - 2) // len(character.encode())) + '"}'


def test_a_non_ascii_body_near_the_limit_is_taken_by_its_utf8_size(sources):
    token = sources.secrets["large"]["token"]
    near = utf8_body("utf8-near-limit", "é", LAMBDA_SYNCHRONOUS_PAYLOAD_BYTES - 8192)  # 18.8 MB as \u00e9 escapes
    assert len(near.encode()) > 6_280_000
    assert sources.post(sources.url("large", token), near) == 200
    over = utf8_body("utf8-over-limit", "😀", LAMBDA_SYNCHRONOUS_PAYLOAD_BYTES)  # the event around it passes the limit
    assert sources.post(sources.url("large", token), over) == 413
    assert sources.drained()
    items = sources.items()
    pointer = items["large#utf8-near-limit"]["_payload"]
    bucket, key = pointer["uri"].removeprefix("s3://").split("/", 1)
    stored = local_runner.aws_client("s3", sources.runner.endpoint).get_object(Bucket=bucket, Key=key)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(near.encode()).hexdigest() == pointer["sha256"]
    assert "large#utf8-over-limit" not in items
