"""Consumer defects found in review, each injected exactly (issue: reliability round).

Every test here failed on the first release.
"""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from envelope import DROPPED_ATTRIBUTE, REASON_ATTRIBUTE, SOURCE_ID_ATTRIBUTE
from test_consumer import Context, body, dead_letters, record, stored

import stages
from conftest import TABLE, batch_client, load_handler_module
from dead_letters import dead_letter_entry
from records import Poison

# --- 1. one record's exception never touches another ------------------------------------

SURROGATE_CASES = [
    ("in a value", '{"eventId": "s1", "note": "\\ud83d"}'),
    ("in the key", '{"eventId": "s\\ud83d"}'),
    ("in an attribute name", '{"eventId": "s1", "\\udc00name": 1}'),
    ("in a nested name", '{"eventId": "s1", "a": {"b": [{"\\ud800": true}]}}'),
]


@pytest.mark.parametrize("raw_body", [c[1] for c in SURROGATE_CASES], ids=[c[0] for c in SURROGATE_CASES])
def test_a_lone_surrogate_is_poison_with_its_reason_and_the_batch_is_stored(consumer, aws, raw_body):
    table, sqs, dlq_url = aws
    batch = [record("good-1", body("g1")), record("bad", raw_body), record("good-2", body("g2"))]
    assert consumer.handler({"Records": batch}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"g1", "g2"}
    [message] = dead_letters(sqs, dlq_url)
    assert message["Body"] == raw_body
    assert message["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == "invalid_unicode"


def test_an_unforeseen_exception_poisons_only_its_record(consumer, aws, monkeypatch):
    table, sqs, dlq_url = aws
    real = stages.body_document  # what the stage judge calls for every source, the legacy one too

    def explode_on_one(rule: Any, text: str, message_id: str) -> Any:
        if message_id == "bad":
            raise KeyError("something nobody foresaw")
        return real(rule, text, message_id)

    monkeypatch.setattr(stages, "body_document", explode_on_one)
    batch = [record("good-1", body("g1")), record("bad", body("b")), record("good-2", body("g2"))]
    assert consumer.handler({"Records": batch}, Context()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"g1", "g2"}
    [message] = dead_letters(sqs, dlq_url)
    assert message["MessageAttributes"][SOURCE_ID_ATTRIBUTE]["StringValue"] == "bad"
    assert message["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == "unexpected_error"


# --- 2. SDK retries stay inside the invocation -------------------------------------------


class AlwaysThrottled(BaseHTTPRequestHandler):
    """A DynamoDB endpoint on loopback that throttles every request, as a table
    far over its capacity does."""

    requests = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        with AlwaysThrottled.lock:
            AlwaysThrottled.requests += 1
        payload = json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "The level of configured provisioned throughput for the table was exceeded.",
            }
        ).encode()
        self.send_response(400)
        self.send_header("content-type", "application/x-amz-json-1.0")
        self.send_header("x-amzn-requestid", "throttled")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class ShortInvocation:
    """A Lambda context with `seconds` left from its creation."""

    function_name = "consumer-test"

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@pytest.fixture()
def throttling_endpoint(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), AlwaysThrottled)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    AlwaysThrottled.requests = 0
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def test_a_permanently_throttled_table_returns_every_record_failed_before_the_deadline(throttling_endpoint, monkeypatch):
    monkeypatch.setenv("TABLE_NAME", TABLE)
    module = load_handler_module("consumer")  # its own clients, built as in Lambda
    seconds_left = 12.0
    context = ShortInvocation(seconds_left)
    batch = [record(f"m{i}", body(f"k{i}")) for i in range(30)]
    with pytest.raises(module.BatchFailed, match="all 30 records failed retriably"):
        module.handler({"Records": batch}, context)
    # Lambda would have killed the invocation at 0 ms left, losing the report.
    assert context.get_remaining_time_in_millis() > 0
    # Two chunks of at most 25; each call may be tried twice by the SDK, and our
    # own policy retries at most 6 times: legacy mode alone made 10 per call.
    assert 2 <= AlwaysThrottled.requests <= 2 * 2 * 6


def test_no_call_starts_without_time_for_it(consumer, aws):
    table, sqs, _ = aws
    calls: list[int] = []
    batch_client(table).batch_write_item = lambda **kwargs: calls.append(1)
    table.put_item = lambda **kwargs: calls.append(1)
    retry = consumer.RetryPolicy(deadline=lambda: 1.0, safety_margin=2.0)
    for mode in ("last-write-wins", "first-write-wins"):
        config = consumer.load_config({"TABLE_NAME": TABLE, "WRITE_MODE": mode})
        result = consumer.process_batch([record("m1", body("k1"))], config, table, sqs, retry, time.time())
        assert result.failures == ["m1"]
    assert calls == []


def test_a_short_function_still_writes(consumer, aws):
    """A 1 s consumer cannot keep back a whole worst-case call (9 s): it keeps a
    quarter of its time, and writes."""
    table, _, _ = aws

    class OneSecond:
        function_name = "consumer-test"

        def get_remaining_time_in_millis(self) -> int:
            return 1000

    assert consumer.handler({"Records": [record("m1", body("k1"))]}, OneSecond()) == {"batchItemFailures": []}
    assert set(stored(table)) == {"k1"}


# --- 3. numbers DynamoDB can hold ----------------------------------------------------------


def test_many_digits_with_few_significant_ones_are_stored(consumer, aws):
    table, _, _ = aws
    payload = '{"eventId": "n1", "googol": 1' + "0" * 100 + ', "one": 1.' + "0" * 50 + ', "small": 0.' + "0" * 60 + "1}"
    assert consumer.handler({"Records": [record("m1", payload)]}, Context()) == {"batchItemFailures": []}
    item = stored(table)["n1"]
    assert item["googol"] == Decimal("1E+100")
    assert item["one"] == 1
    assert item["small"] == Decimal("1E-61")


@pytest.mark.parametrize(
    "number",
    ["1" * 39 + "0" * 60, "1" + "0" * 60 + "1", "1" + "0" * 130],  # 39 significant digits; 62; above DynamoDB's 1E+125
)
def test_numbers_dynamodb_cannot_hold_stay_poison(consumer, aws, number):
    table, sqs, dlq_url = aws
    consumer.handler({"Records": [record("m1", '{"eventId": "n", "x": ' + number + "}")]}, Context())
    assert stored(table) == {}
    [message] = dead_letters(sqs, dlq_url)
    assert message["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == "unsupported_value"


# --- 4. attributes that do not fit the DLQ message are named ------------------------------


def test_attributes_that_do_not_fit_are_named_in_the_dead_letter(consumer, aws):
    _, sqs, dlq_url = aws
    attributes = {f"attr{i}": {"stringValue": f"v{i}", "dataType": "String"} for i in range(10)}
    consumer.handler({"Records": [record("bad", "not json", attributes=attributes)]}, Context())
    [message] = dead_letters(sqs, dlq_url)
    received = message["MessageAttributes"]
    assert len(received) == 10
    kept = sorted(name for name in received if name.startswith("attr"))
    dropped = received[DROPPED_ATTRIBUTE]["StringValue"].split(",")
    assert sorted(kept + dropped) == sorted(attributes)
    assert all(received[name]["StringValue"] == attributes[name]["stringValue"] for name in kept)


def test_nothing_is_named_dropped_when_everything_fits():
    attributes = {f"attr{i}": {"stringValue": "v", "dataType": "String"} for i in range(5)}
    entry = dead_letter_entry("0", record("m", "x", attributes=attributes), Poison("m", "invalid_json", "-"))
    assert DROPPED_ATTRIBUTE not in entry["MessageAttributes"]
    assert len(entry["MessageAttributes"]) == 9


# --- 5. the ordering guard --------------------------------------------------------------


@pytest.fixture()
def ordered(consumer, monkeypatch):
    monkeypatch.setenv("ORDERING_ATTRIBUTE", "seq")
    return consumer


def send(module: Any, *bodies: str) -> dict:
    return module.handler({"Records": [record(f"m{time.monotonic_ns()}-{i}", b) for i, b in enumerate(bodies)]}, Context())


def test_a_newer_version_replaces_and_an_older_or_equal_one_is_a_duplicate(ordered, aws, capsys):
    table, _, _ = aws
    assert send(ordered, body("k", seq=2, v="two")) == {"batchItemFailures": []}
    assert send(ordered, body("k", seq=1, v="one")) == {"batchItemFailures": []}  # older: acknowledged, not stored
    assert stored(table)["k"]["v"] == "two"
    assert send(ordered, body("k", seq=2, v="two again")) == {"batchItemFailures": []}  # equal: a redelivery
    assert stored(table)["k"]["v"] == "two"
    assert send(ordered, body("k", seq=3, v="three")) == {"batchItemFailures": []}
    assert stored(table)["k"]["v"] == "three"
    # The batch lines (the lag lines of the stored ones come after them).
    metrics = [m for m in map(json.loads, capsys.readouterr().out.splitlines()) if "Stored" in m]
    assert [(m["Stored"], m["Duplicates"]) for m in metrics] == [(1, 0), (0, 1), (0, 1), (1, 0)]


def test_inside_a_batch_the_greatest_version_wins_not_the_last(ordered, aws):
    table, _, _ = aws
    batch = [body("k", seq="2026-01-02T00:00:00Z", v="newest"), body("k", seq="2026-01-01T00:00:00Z", v="older")]
    assert send(ordered, *batch) == {"batchItemFailures": []}
    assert stored(table)["k"]["v"] == "newest"


def test_an_item_stored_before_the_guard_is_replaced(ordered, aws):
    table, _, _ = aws
    table.put_item(Item={"eventId": "k", "v": "unversioned"})
    send(ordered, body("k", seq=1, v="versioned"))
    assert stored(table)["k"]["v"] == "versioned"


@pytest.mark.parametrize(
    ("stored_first", "then", "reason"),
    [
        (None, body("k", v="no version"), "missing_version"),
        (None, body("k", seq=True), "invalid_version"),
        (None, body("k", seq={"a": 1}), "invalid_version"),
        (None, body("k", seq=""), "invalid_version"),
        (body("k", seq=5), body("k", seq="6"), "version_not_comparable"),
        (body("k", seq="5"), body("k", seq=6), "version_not_comparable"),
    ],
    ids=["missing", "bool", "map", "empty string", "string after number", "number after string"],
)
def test_versions_that_cannot_be_ordered_are_poison(ordered, aws, stored_first, then, reason):
    table, sqs, dlq_url = aws
    if stored_first:
        send(ordered, stored_first)
    before = stored(table)
    assert send(ordered, then) == {"batchItemFailures": []}
    assert stored(table) == before
    [message] = dead_letters(sqs, dlq_url)
    assert message["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == reason


def test_mixed_version_types_for_one_key_in_one_batch(ordered, aws):
    table, sqs, dlq_url = aws
    assert send(ordered, body("k", seq=1, v="number"), body("k", seq="2", v="string")) == {"batchItemFailures": []}
    assert stored(table)["k"]["v"] == "number"
    [message] = dead_letters(sqs, dlq_url)
    assert message["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == "version_not_comparable"


def test_the_guard_needs_last_write_wins(consumer):
    with pytest.raises(ValueError, match="ORDERING_ATTRIBUTE"):
        consumer.load_config({"TABLE_NAME": "t", "WRITE_MODE": "first-write-wins", "ORDERING_ATTRIBUTE": "seq"})


# --- 6. first write wins over an expired item ---------------------------------------------


def test_first_write_wins_replaces_an_expired_item_but_not_a_live_one(consumer, aws, monkeypatch):
    table, _, _ = aws
    monkeypatch.setenv("WRITE_MODE", "first-write-wins")
    monkeypatch.setenv("TTL_ATTRIBUTE", "expiresAt")
    monkeypatch.setenv("TTL_DAYS", "1")
    now = int(time.time())
    table.put_item(Item={"eventId": "expired", "v": "old", "expiresAt": now - 60})  # not yet deleted by DynamoDB
    table.put_item(Item={"eventId": "live", "v": "old", "expiresAt": now + 3600})
    batch = [record("m1", body("expired", v="new")), record("m2", body("live", v="new"))]
    assert consumer.handler({"Records": batch}, Context()) == {"batchItemFailures": []}
    items = stored(table)
    assert items["expired"]["v"] == "new"
    assert items["expired"]["expiresAt"] > now
    assert items["live"]["v"] == "old"
