"""The consumer under DynamoDB's retriable failures (throttling, unprocessed items, rejected
items), and the property that every record ends stored, dead-lettered or failed exactly once.
Helpers are test_consumer.py's."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from envelope import REASON_ATTRIBUTE, SOURCE_ID_ATTRIBUTE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from test_consumer import NO_WAIT, Context, body, dead_letters, record, stored

from conftest import TABLE, batch_client, load_handler_module, table_and_dead_letter_queue

# --- retriable failures ----------------------------------------------------------------


def throttle_keys(table, keys: set[str]) -> list[int]:
    """Make BatchWriteItem leave `keys` unprocessed, as DynamoDB does under throttling."""
    client = batch_client(table)
    real = client.batch_write_item
    calls: list[int] = []

    def throttled(RequestItems: dict) -> dict:
        requests = RequestItems[TABLE]
        calls.append(len(requests))
        kept = [r for r in requests if r["PutRequest"]["Item"]["eventId"]["S"] not in keys]
        dropped = [r for r in requests if r["PutRequest"]["Item"]["eventId"]["S"] in keys]
        response = real(RequestItems={TABLE: kept}) if kept else {"UnprocessedItems": {}}
        response["UnprocessedItems"] = {TABLE: dropped} if dropped else {}
        return response

    client.batch_write_item = throttled
    return calls


def test_throttled_items_return_exactly_their_message_ids(consumer, aws):
    table, sqs, _ = aws
    calls = throttle_keys(table, {"k2", "k5", "k9"})
    batch = [record(f"m{i}", body(f"k{i}")) for i in range(10)]
    result = consumer.process_batch(batch, consumer.load_config({"TABLE_NAME": TABLE}), table, sqs, NO_WAIT, 0)
    assert sorted(result.failures) == ["m2", "m5", "m9"]
    assert set(stored(table)) == {f"k{i}" for i in range(10)} - {"k2", "k5", "k9"}
    assert calls == [10, 3, 3, 3]  # the first request, then the unprocessed ones retried up to max_attempts


def test_unprocessed_items_are_retried_until_written(consumer, aws):
    table, sqs, _ = aws
    client = batch_client(table)
    real = client.batch_write_item
    attempts: list[int] = []

    def flaky(RequestItems: dict) -> dict:
        requests = RequestItems[TABLE]
        attempts.append(len(requests))
        if len(attempts) < 3:  # the first two calls process only the first item
            response = real(RequestItems={TABLE: requests[:1]})
            response["UnprocessedItems"] = {TABLE: requests[1:]}
            return response
        return real(RequestItems=RequestItems)

    client.batch_write_item = flaky
    batch = [record(f"m{i}", body(f"k{i}")) for i in range(4)]
    result = consumer.process_batch(batch, consumer.load_config({"TABLE_NAME": TABLE}), table, sqs, NO_WAIT, 0)
    assert result.failures == []
    assert attempts == [4, 3, 2]
    assert len(stored(table)) == 4


def test_batches_over_25_are_split(consumer, aws):
    table, sqs, _ = aws
    calls = throttle_keys(table, set())
    batch = [record(f"m{i}", body(f"k{i}")) for i in range(60)]
    result = consumer.process_batch(batch, consumer.load_config({"TABLE_NAME": TABLE}), table, sqs, NO_WAIT, 0)
    assert result.failures == []
    assert calls == [25, 25, 10]
    assert len(stored(table)) == 60


def test_request_level_throttling_fails_only_that_chunk(consumer, aws):
    table, sqs, _ = aws
    client = batch_client(table)
    real = client.batch_write_item

    def throttle_first_chunk(RequestItems: dict) -> dict:
        if RequestItems[TABLE][0]["PutRequest"]["Item"]["eventId"]["S"] == "k0":
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "BatchWriteItem")
        return real(RequestItems=RequestItems)

    client.batch_write_item = throttle_first_chunk
    batch = [record(f"m{i}", body(f"k{i}")) for i in range(30)]
    result = consumer.process_batch(batch, consumer.load_config({"TABLE_NAME": TABLE}), table, sqs, NO_WAIT, 0)
    assert sorted(result.failures, key=lambda m: int(m[1:])) == [f"m{i}" for i in range(25)]
    assert set(stored(table)) == {f"k{i}" for i in range(25, 30)}


def test_item_dynamodb_rejects_is_isolated_and_poisoned(consumer, aws):
    table, sqs, dlq_url = aws
    client = batch_client(table)
    real_batch = client.batch_write_item
    real_put = table.put_item

    def reject_k3(**kwargs: Any) -> Any:
        # BatchWriteItem's items are in the wire form, PutItem's (the resource's) plain values.
        keys = (
            [r["PutRequest"]["Item"]["eventId"]["S"] for r in kwargs["RequestItems"][TABLE]]
            if "RequestItems" in kwargs
            else [kwargs["Item"]["eventId"]]
        )
        if "k3" in keys:
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "bad item"}}, "PutItem")
        return real_batch(**kwargs) if "RequestItems" in kwargs else real_put(**kwargs)

    client.batch_write_item = reject_k3
    table.put_item = reject_k3
    batch = [record(f"m{i}", body(f"k{i}")) for i in range(5)]
    config = consumer.load_config({"TABLE_NAME": TABLE, "DEAD_LETTER_QUEUE_URL": dlq_url})
    result = consumer.process_batch(batch, config, table, sqs, NO_WAIT, 0)
    assert result.failures == []
    assert set(stored(table)) == {"k0", "k1", "k2", "k4"}
    [message] = dead_letters(sqs, dlq_url)
    assert message["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == "rejected_by_dynamodb"


def test_first_write_wins_throttling_fails_only_those_records(consumer, aws, monkeypatch):
    table, sqs, _ = aws
    real_put = table.put_item

    def throttled_put(**kwargs: Any) -> Any:
        if kwargs["Item"]["eventId"] in {"k1", "k4"}:
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}, "PutItem")
        return real_put(**kwargs)

    table.put_item = throttled_put
    batch = [record(f"m{i}", body(f"k{i}")) for i in range(6)] + [record("m1-dup", body("k1"))]
    config = consumer.load_config({"TABLE_NAME": TABLE, "WRITE_MODE": "first-write-wins"})
    result = consumer.process_batch(batch, config, table, sqs, NO_WAIT, 0)
    assert sorted(result.failures) == ["m1", "m1-dup", "m4"]
    assert set(stored(table)) == {"k0", "k2", "k3", "k5"}


def test_all_retriable_failures_raise(consumer, aws, monkeypatch):
    table, _, _ = aws
    throttle_keys(table, {"k0", "k1"})
    monkeypatch.setattr(consumer, "RetryPolicy", lambda **_: NO_WAIT)
    with pytest.raises(consumer.BatchFailed):
        consumer.handler({"Records": [record("m0", body("k0")), record("m1", body("k1"))]}, Context())


def test_one_emf_line_per_batch_without_payloads(consumer, aws, capsys):
    consumer.handler(
        {"Records": [record("m1", body("k1", secret="hunter2")), record("m2", "junk"), record("m3", body("k1"))]}, Context()
    )
    output = capsys.readouterr().out
    # The batch line, then the delivery lag of the stored ones and the dead letters by reason and source.
    line, lag, dead = output.splitlines()
    assert json.loads(lag)["DeliveryLagMs"] and json.loads(dead)["Reason"] == "invalid_json"
    assert "hunter2" not in output and "junk" not in output
    document = json.loads(line)
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "WebhookIngest"
    assert (document["Received"], document["Stored"], document["Poison"], document["Retried"]) == (3, 2, 1, 0)
    assert document["poisonReasons"] == {"invalid_json": 1}
    assert "hunter2" not in line and "junk" not in line


# --- every record is accounted for exactly once --------------------------------------

KEYS = ["a", "b", "c", "d", "e", "f"]
BODIES = st.one_of(
    st.builds(lambda k, v: body(k, v=v), st.sampled_from(KEYS), st.integers() | st.floats(allow_nan=False, allow_infinity=False)),
    st.sampled_from(["not json", "[]", '{"eventId": ""}', '{"eventId": 5}', '{"x": 1}', '{"eventId": "a", "n": NaN}']),
)


def dynamodb_number(value: Any) -> Decimal | None:
    """The number DynamoDB stores for a JSON number, or None when it refuses it: at most
    38 significant digits, magnitude 1E-130 to under 1E+126 (DynamoDB developer guide,
    "Data types: Number"). Computed from the generated Python value, not by the consumer's code."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
        return None
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if exact == 0:
        return exact
    digits = len(str(abs(int(value))).rstrip("0")) if isinstance(value, int) else len(exact.normalize().as_tuple().digits)
    if digits > 38 or not Decimal("1E-130") <= abs(exact) < Decimal("1E+126"):
        return None
    return exact


def expected_item(raw: str) -> tuple[str, Decimal] | None:
    """(key, stored v) for a body the table can hold, None for poison: json.loads as any
    client would, then the table's rules (a non-empty string key, numbers DynamoDB holds)."""
    try:
        document = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("eventId"), str) or not document["eventId"]:
        return None
    if any(isinstance(value, float) and not math.isfinite(value) for value in document.values()):
        return None  # NaN is JavaScript, not JSON
    if "v" not in document:
        return (document["eventId"], Decimal(0)) if set(document) == {"eventId"} else None
    number = dynamodb_number(document["v"])
    return None if number is None else (document["eventId"], number)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bodies=st.lists(BODIES, min_size=1, max_size=30),
    throttled=st.sets(st.sampled_from(KEYS)),
    mode=st.sampled_from(["last-write-wins", "first-write-wins"]),
)
def test_every_record_is_stored_dead_lettered_or_failed_exactly_once(bodies, throttled, mode):
    """Each record ends in exactly one place, and what is stored is what the model expects:
    the table's value of v for each key is the first (first-write-wins) or last
    (last-write-wins) storable record's, read back from the table."""
    with mock_aws():
        table, sqs, dlq_url = table_and_dead_letter_queue()
        throttle_keys(table, throttled)
        real_put = table.put_item

        def throttled_put(**kwargs: Any) -> Any:
            if kwargs["Item"]["eventId"] in throttled:
                raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "x"}}, "PutItem")
            return real_put(**kwargs)

        table.put_item = throttled_put
        consumer = load_handler_module("consumer")
        config = consumer.load_config({"TABLE_NAME": TABLE, "DEAD_LETTER_QUEUE_URL": dlq_url, "WRITE_MODE": mode})
        records = [record(f"m{i}", raw) for i, raw in enumerate(bodies)]
        result = consumer.process_batch(records, config, table, sqs, NO_WAIT, 0)

        failed = set(result.failures)
        dead = [m["MessageAttributes"][SOURCE_ID_ATTRIBUTE]["StringValue"] for m in dead_letters(sqs, dlq_url)]
        items = stored(table)
        assert len(dead) == len(set(dead))
        winners: dict[str, Decimal] = {}
        for message in records:
            expected = expected_item(message["body"])
            places = [message["messageId"] in failed, message["messageId"] in dead, expected is not None and expected[0] in items]
            if expected is None:
                assert places == [False, True, False], message
                continue
            key, value = expected
            if key in throttled:
                assert places == [True, False, False], message
                continue
            assert places == [False, False, True], message
            if mode == "last-write-wins" or key not in winners:
                winners[key] = value
        assert {key: item.get("v", Decimal(0)) for key, item in items.items()} == winners


def test_batch_writes_send_the_items_as_finish_item_serialised_them(consumer, aws):
    """BatchWriteItem goes through a plain client with the items' wire form (Item.wire), never
    through the resource client, which would serialise every item a second time (bench/cpu.py)."""
    table, sqs, _ = aws
    sent: list[dict] = []
    client = batch_client(table)
    real = client.batch_write_item

    def recording(RequestItems: dict) -> dict:
        sent.extend(request["PutRequest"]["Item"] for request in RequestItems[TABLE])
        return real(RequestItems=RequestItems)

    def resource_layer(**kwargs: Any) -> Any:
        raise AssertionError("BatchWriteItem through the resource client")

    client.batch_write_item = recording
    table.meta.client.batch_write_item = resource_layer
    batch = [record("m1", json.dumps({"eventId": "k1", "amount": 12.5, "tags": ["a"]}))]
    result = consumer.process_batch(batch, consumer.load_config({"TABLE_NAME": TABLE}), table, sqs, NO_WAIT, 0)
    assert result.failures == []
    assert sent == [{"eventId": {"S": "k1"}, "amount": {"N": "12.5"}, "tags": {"L": [{"S": "a"}]}}]
    assert stored(table)["k1"]["amount"] == Decimal("12.5")


def test_a_conditional_writer_is_not_handed_the_wire_form(consumer, aws, monkeypatch):
    """First write wins sends values through PutItem: the wire form is not held while a chunk fills."""
    import writes

    table, sqs, _ = aws
    seen: list = []
    real = writes.write_conditionally

    def recording(table, items, rules, retry):
        seen.extend(item.wire for item in items)
        return real(table, items, rules, retry)

    monkeypatch.setattr(writes, "write_conditionally", recording)
    batch = [record(f"m{i}", body(f"k{i}")) for i in range(3)]
    config = consumer.load_config({"TABLE_NAME": TABLE, "WRITE_MODE": "first-write-wins"})
    assert consumer.process_batch(batch, config, table, sqs, NO_WAIT, 0).failures == []
    assert seen == [None, None, None]
    assert set(stored(table)) == {"k0", "k1", "k2"}


def test_until_done_retries_what_is_left_and_stops_at_the_attempts_or_the_deadline():
    """The one retry loop of the writes and of fan-out (store.RetryPolicy.until_done)."""
    from store import RetryPolicy

    slept: list[float] = []
    calls: list[list[int]] = []

    def half_done(pending: list[int]) -> list[int]:
        calls.append(pending)
        return pending[1:]  # each call gets one through

    policy = RetryPolicy(max_attempts=6, sleep=slept.append)
    assert policy.until_done([1, 2, 3], half_done) == [] and calls == [[1, 2, 3], [2, 3], [3]] and len(slept) == 2

    calls.clear()
    assert RetryPolicy(max_attempts=2, sleep=slept.append).until_done([1, 2, 3], half_done) == [3]  # 2 calls
    assert calls == [[1, 2, 3], [2, 3]]

    calls.clear()
    out_of_time = RetryPolicy(deadline=lambda: 1.0, safety_margin=2.0, sleep=slept.append)
    assert out_of_time.until_done([1, 2], half_done) == [1, 2] and calls == []  # no call starts without its margin
    assert RetryPolicy(sleep=slept.append).until_done([], half_done) == [] and calls == []
