"""Writing items to DynamoDB.

Three ways, chosen by the configuration:
- last write wins: BatchWriteItem, 25 items a request (the cheapest);
- first write wins: a conditional PutItem per key that only creates;
- last write wins with an ordering guard: a conditional PutItem per key that
  only replaces an item holding a smaller version.

Every writer returns, per message id, one outcome: a Written (stored,
duplicate, or failed: retriable, the record goes back to SQS) or a Poison
(DynamoDB itself rejected the item; retrying cannot help).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import BotoCoreError, ClientError

from clients import wire_client_for
from ordering import comparable, stored_version_type, version_type
from records import Item, Poison

BATCH_WRITE_LIMIT = 25
CONDITIONAL_WRITE_WORKERS = 8
# Error codes meaning "this item is invalid", as opposed to "try again later".
ITEM_REJECTED_CODES = frozenset({"ValidationException", "SerializationException"})
_deserializer = TypeDeserializer()


class Written(StrEnum):
    """What became of a record's write (its value is the metric's name part)."""

    STORED = "stored"
    DUPLICATE = "duplicate"  # acknowledged: an equal or newer item is already there
    # Acknowledged as a duplicate, but the stored item is this record's own item (compare_stored):
    # a redelivery of a record whose write succeeded and whose publishing did not (fan_out.py).
    REPEATED = "repeated"
    FAILED = "failed"  # retriable: the record goes back to SQS


Outcome = Written | Poison
Prefer = Callable[[Item, Item], bool]  # (candidate, current winner) -> candidate wins


@dataclass
class RetryPolicy:
    """Capped exponential backoff with full jitter, bounded by attempts and by
    the invocation time left (a Lambda killed mid-retry would lose the report).

    safety_margin is the time one more call may take in the worst case (see
    clients.py): no call starts with less than that left.
    """

    max_attempts: int = 6
    base_delay: float = 0.05
    max_delay: float = 1.0
    deadline: Callable[[], float] = lambda: float("inf")  # seconds left in this invocation
    safety_margin: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.max_delay, self.base_delay * (2**attempt)))

    def may_retry(self, attempt: int, delay: float) -> bool:
        return attempt + 1 < self.max_attempts and self.deadline() - delay > self.safety_margin

    def may_call(self) -> bool:
        return self.deadline() > self.safety_margin

    def until_done(self, pending: list[Any], attempt_once: Callable[[list[Any]], list[Any]]) -> list[Any]:
        """attempt_once with what is pending, again with what it leaves, until nothing is left, no
        call may start (may_call) or none may be retried (may_retry): what is still pending."""
        attempt = 0
        while pending and self.may_call():
            pending = attempt_once(pending)
            if not pending:
                break
            delay = self.delay(attempt)
            if not self.may_retry(attempt, delay):
                break
            self.sleep(delay)
            attempt += 1
        return pending


@dataclass(frozen=True)
class WriteRules:
    """What a conditional write must respect besides the key."""

    partition_key: str
    ttl_attribute: str | None = None  # an item past its expiry counts as absent
    version_attribute: str | None = None  # ordering guard: only a greater version replaces
    now: float = 0.0
    # Fan-out: a refused write reads the stored item back (free with the refusal) to tell
    # this record's own earlier write (REPEATED, published again) from another's (DUPLICATE).
    compare_stored: bool = False


def error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "ClientError"))
    return type(error).__name__


def is_item_rejection(error: Exception) -> bool:
    return isinstance(error, ClientError) and error_code(error) in ITEM_REJECTED_CODES


def latest_per_key(items: Iterable[Item]) -> dict[str, tuple[Item, list[str]]]:
    """Last write wins inside the batch too: the later record for a key
    supersedes earlier ones; all their message ids share that one write."""
    merged: dict[str, tuple[Item, list[str]]] = {}
    for item in items:
        previous_ids = merged[item.key][1] if item.key in merged else []
        merged.pop(item.key, None)  # re-insert so dict order follows the latest record
        merged[item.key] = (item, [*previous_ids, item.message_id])
    return merged


def winners_per_key(items: Iterable[Item], prefer: Prefer) -> tuple[list[Item], dict[str, str]]:
    """One record per key is written: the one `prefer` keeps. The others are
    superseded by it (message id -> key of the winner)."""
    winners: dict[str, Item] = {}
    superseded: dict[str, str] = {}
    for item in items:
        current = winners.get(item.key)
        if current is None:
            winners[item.key] = item
        elif prefer(item, current):
            superseded[current.message_id] = item.key
            winners[item.key] = item
        else:
            superseded[item.message_id] = item.key
    return list(winners.values()), superseded


def first_per_key(items: Iterable[Item]) -> tuple[list[Item], dict[str, str]]:
    """First write wins: later records for a key are duplicates of the first."""
    return winners_per_key(items, lambda candidate, current: False)


def newest_per_key(items: Iterable[Item]) -> tuple[list[Item], dict[str, str]]:
    """Ordering guard: the greatest version per key wins; on a tie the earlier record.
    Items must carry comparable versions (ordering.check_versions sees to it)."""
    return winners_per_key(items, lambda candidate, current: candidate.version > current.version)  # type: ignore[operator]


def chunks(values: list, size: int) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def wire_client(table: Any) -> Any:
    """A plain DynamoDB client beside the table's resource client: the one clients.table_and_sqs made
    with it (the same session and settings), else one made now with the resource client's region,
    endpoint and settings (a table built elsewhere: tests, scripts).

    BatchWriteItem takes the items as finish_item serialised them (Item.wire). Through the
    resource client each would be serialised again and every request's parameters copied:
    a quarter of the consumer's CPU per message (bench/cpu.py)."""
    client = getattr(table, "_wire_client", None)
    if client is None:
        meta = table.meta.client.meta
        client = table._wire_client = wire_client_for(meta.config, region_name=meta.region_name, endpoint_url=meta.endpoint_url)
    return client


def _unprocessed_keys(client: Any, table_name: str, items: list[Item], partition_key: str, retry: RetryPolicy) -> set[str]:
    """Keys still unwritten after retrying (the client is a plain one: items and UnprocessedItems
    in DynamoDB's wire form). Raises ClientError when DynamoDB rejects the request as invalid
    (one bad item fails the whole request)."""

    def write_once(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            response = client.batch_write_item(RequestItems={table_name: pending})
            return response.get("UnprocessedItems", {}).get(table_name, [])
        except ClientError as error:
            if is_item_rejection(error):
                raise
        except BotoCoreError:
            pass  # connection or timeout: the whole request is retried
        return pending

    unwritten = retry.until_done([{"PutRequest": {"Item": item.wire_form()}} for item in items], write_once)
    return {request["PutRequest"]["Item"][partition_key]["S"] for request in unwritten}


def write_last_wins(table: Any, items: list[Item], partition_key: str, retry: RetryPolicy) -> dict[str, Outcome]:
    """BatchWriteItem, 25 per request, retrying UnprocessedItems, through wire_client(table).
    A request DynamoDB refuses as invalid is written item by item through the table (PutItem),
    which isolates the bad item."""
    groups = latest_per_key(items)
    outcomes: dict[str, Outcome] = {}
    for keys in chunks(list(groups), BATCH_WRITE_LIMIT):
        chunk = [groups[key][0] for key in keys]
        try:
            failed = _unprocessed_keys(wire_client(table), table.name, chunk, partition_key, retry)
            results: dict[str, Outcome] = {key: Written.FAILED if key in failed else Written.STORED for key in keys}
        except ClientError:
            rules = WriteRules(partition_key)
            results = {item.key: _put_one(table, item, rules, conditional=False) for item in chunk}  # isolate the bad item
        for key in keys:
            latest, message_ids = groups[key]
            outcome = results[key]
            outcomes[latest.message_id] = outcome
            for superseded in message_ids[:-1]:
                # Superseded records are done once the latest is stored; if the
                # latest was poison, they must come back so their data survives.
                outcomes[superseded] = Written.STORED if outcome == Written.STORED else Written.FAILED
    return outcomes


def condition_for(item: Item, rules: WriteRules) -> dict[str, Any]:
    """The PutItem condition: write when the key is absent or expired, and,
    with the ordering guard, when the stored version is absent or smaller."""
    names = {"#key": rules.partition_key}
    values: dict[str, Any] = {}
    may_write = ["attribute_not_exists(#key)"]
    if rules.ttl_attribute is not None:
        # DynamoDB deletes expired items up to days late; until then they would block.
        names["#ttl"] = rules.ttl_attribute
        values[":now"] = int(rules.now)
        may_write.append("#ttl < :now")
    if rules.version_attribute is not None:
        names["#version"] = rules.version_attribute
        values[":version"] = item.version
        values[":version_type"] = version_type(item.version)
        # A number and a string do not compare: the type test keeps the
        # comparison to like types (and _refused tells the two cases apart).
        may_write += ["attribute_not_exists(#version)", "(attribute_type(#version, :version_type) AND #version < :version)"]
    arguments: dict[str, Any] = {"ConditionExpression": " OR ".join(may_write), "ExpressionAttributeNames": names}
    if values:
        arguments["ExpressionAttributeValues"] = values
    if rules.version_attribute is not None or rules.compare_stored:
        arguments["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return arguments


def same_item(stored: Mapping[str, Any], item: Item, rules: WriteRules) -> bool:
    """Whether the stored item (DynamoDB's wire form) is `item`, but for its expiry, which
    each attempt computes anew. Numbers compare as numbers: DynamoDB returns 1.0 as 1."""
    ignored = {rules.ttl_attribute}
    try:
        old = {name: _deserializer.deserialize(value) for name, value in stored.items() if name not in ignored}
    except (TypeError, ValueError, ArithmeticError):
        return False
    return old == {name: value for name, value in item.attributes.items() if name not in ignored}


def _refused(item: Item, error: ClientError, rules: WriteRules) -> Outcome:
    """A failed condition: a duplicate (or an older version), unless the stored
    version cannot be compared with this one (a number against a string)."""
    if rules.version_attribute is not None:
        old = error.response.get("Item") or {}
        stored_type = stored_version_type(old.get(rules.version_attribute))
        if stored_type is not None and not comparable(item.version, stored_type):
            detail = f"stored {rules.version_attribute!r} is of DynamoDB type {stored_type}; this message's is not"
            return Poison(item.message_id, "version_not_comparable", detail)
    if rules.compare_stored and same_item(error.response.get("Item") or {}, item, rules):
        return Written.REPEATED
    return Written.DUPLICATE


def _put_one(
    table: Any, item: Item, rules: WriteRules, conditional: bool = True, refused: dict[str, Any] | None = None
) -> Outcome:
    """One PutItem; a refused conditional write's stored item goes into `refused` (by key) when given."""
    arguments: dict[str, Any] = {"Item": item.attributes}
    if conditional:
        arguments.update(condition_for(item, rules))
    try:
        table.put_item(**arguments)
    except ClientError as error:
        code = error_code(error)
        if code == "ConditionalCheckFailedException":
            if refused is not None:
                refused[item.key] = error.response.get("Item") or {}
            return _refused(item, error, rules)
        if code in ITEM_REJECTED_CODES:
            return Poison(item.message_id, "rejected_by_dynamodb", f"{code}: {error.response['Error'].get('Message', '')}"[:200])
        return Written.FAILED
    except BotoCoreError:
        return Written.FAILED
    return Written.STORED


def write_conditionally(table: Any, items: list[Item], rules: WriteRules, retry: RetryPolicy) -> dict[str, Outcome]:
    """A conditional PutItem per key, concurrently (BatchWriteItem takes no conditions).

    First write wins without a version attribute; with one, the greatest version wins.
    """
    winners, superseded = newest_per_key(items) if rules.version_attribute else first_per_key(items)
    refused: dict[str, Any] = {}  # key -> the stored item a refused write returned (compare_stored)

    def put(item: Item) -> Outcome:
        return (
            _put_one(table, item, rules, refused=refused if rules.compare_stored else None)
            if retry.may_call()
            else Written.FAILED
        )

    outcomes: dict[str, Outcome] = {}
    if winners:
        with ThreadPoolExecutor(max_workers=min(CONDITIONAL_WRITE_WORKERS, len(winners))) as pool:
            for item, outcome in zip(winners, pool.map(put, winners), strict=True):
                outcomes[item.message_id] = outcome
    winner_outcome = {item.key: outcomes[item.message_id] for item in winners}
    by_id = {item.message_id: item for item in items}
    for message_id, key in superseded.items():
        # A record superseded by a winner that failed must be retried too: if it
        # were acknowledged and the winner then poisoned, the key would be lost.
        outcome = winner_outcome[key]
        acknowledged = outcome in (Written.STORED, Written.DUPLICATE, Written.REPEATED)
        outcomes[message_id] = Written.DUPLICATE if acknowledged else Written.FAILED
        # Fan-out: a redelivery behind another record of its key may be the one whose item is stored.
        if acknowledged and key in refused and same_item(refused[key], by_id[message_id], rules):
            outcomes[message_id] = Written.REPEATED
    return outcomes
