"""Writing items to DynamoDB in the two supported modes.

Both writers return, per message id, one outcome: "stored", "duplicate",
"failed" (retriable: the record goes back to SQS) or a Poison (DynamoDB itself
rejected the item; retrying cannot help).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from records import Item, Poison

BATCH_WRITE_LIMIT = 25
FIRST_WRITE_WORKERS = 8
# Error codes meaning "this item is invalid", as opposed to "try again later".
ITEM_REJECTED_CODES = frozenset({"ValidationException", "SerializationException"})

Outcome = str | Poison


@dataclass
class RetryPolicy:
    """Capped exponential backoff with full jitter, bounded by attempts and by
    the invocation time left (a Lambda killed mid-retry would lose the report)."""

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


def first_per_key(items: Iterable[Item]) -> tuple[list[Item], dict[str, str]]:
    """First write wins: the first record per key is written; later ones in the
    same batch are duplicates of it (message id -> key of the winner)."""
    winners: dict[str, Item] = {}
    duplicates: dict[str, str] = {}
    for item in items:
        if item.key in winners:
            duplicates[item.message_id] = item.key
        else:
            winners[item.key] = item
    return list(winners.values()), duplicates


def chunks(values: list, size: int) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _unprocessed_keys(client: Any, table_name: str, items: list[Item], partition_key: str, retry: RetryPolicy) -> set[str]:
    """Keys still unwritten after retrying. Raises ClientError when DynamoDB
    rejects the request as invalid (one bad item fails the whole request)."""
    pending = [{"PutRequest": {"Item": item.attributes}} for item in items]
    attempt = 0
    while True:
        try:
            response = client.batch_write_item(RequestItems={table_name: pending})
            pending = response.get("UnprocessedItems", {}).get(table_name, [])
        except ClientError as error:
            if is_item_rejection(error):
                raise
        except BotoCoreError:
            pass  # connection or timeout: the whole request is retried
        if not pending:
            return set()
        delay = retry.delay(attempt)
        if not retry.may_retry(attempt, delay):
            return {request["PutRequest"]["Item"][partition_key] for request in pending}
        retry.sleep(delay)
        attempt += 1


def write_last_wins(table: Any, items: list[Item], partition_key: str, retry: RetryPolicy) -> dict[str, Outcome]:
    """BatchWriteItem, 25 per request, retrying UnprocessedItems.

    Uses table.meta.client, the resource's client, so items travel as plain
    Python values and UnprocessedItems come back the same way.
    """
    groups = latest_per_key(items)
    outcomes: dict[str, Outcome] = {}
    for keys in chunks(list(groups), BATCH_WRITE_LIMIT):
        chunk = [groups[key][0] for key in keys]
        try:
            failed = _unprocessed_keys(table.meta.client, table.name, chunk, partition_key, retry)
            results: dict[str, Outcome] = {key: "failed" if key in failed else "stored" for key in keys}
        except ClientError:
            results = {item.key: _put_one(table, item) for item in chunk}  # isolate the bad item
        for key in keys:
            latest, message_ids = groups[key]
            outcome = results[key]
            outcomes[latest.message_id] = outcome
            for superseded in message_ids[:-1]:
                # Superseded records are done once the latest is stored; if the
                # latest was poison, they must come back so their data survives.
                outcomes[superseded] = "stored" if outcome == "stored" else "failed"
    return outcomes


def _put_one(table: Any, item: Item, condition: str | None = None, names: dict | None = None) -> Outcome:
    arguments: dict[str, Any] = {"Item": item.attributes}
    if condition:
        arguments.update(ConditionExpression=condition, ExpressionAttributeNames=names or {})
    try:
        table.put_item(**arguments)
    except ClientError as error:
        code = error_code(error)
        if code == "ConditionalCheckFailedException":
            return "duplicate"
        if code in ITEM_REJECTED_CODES:
            return Poison(item.message_id, "rejected_by_dynamodb", f"{code}: {error.response['Error'].get('Message', '')}"[:200])
        return "failed"
    except BotoCoreError:
        return "failed"
    return "stored"


def write_first_wins(table: Any, items: list[Item], partition_key: str) -> dict[str, Outcome]:
    """Conditional PutItem per key, concurrently; an existing key is a duplicate."""
    winners, duplicates = first_per_key(items)
    outcomes: dict[str, Outcome] = {}
    condition, names = "attribute_not_exists(#key)", {"#key": partition_key}
    if winners:
        with ThreadPoolExecutor(max_workers=min(FIRST_WRITE_WORKERS, len(winners))) as pool:
            results = pool.map(lambda item: _put_one(table, item, condition, names), winners)
            for item, outcome in zip(winners, results, strict=True):
                outcomes[item.message_id] = outcome
    winner_outcome = {item.key: outcomes[item.message_id] for item in winners}
    for message_id, key in duplicates.items():
        # A duplicate of a winner that failed must be retried too: if it were
        # acknowledged and the winner then poisoned, the key would be lost.
        outcome = winner_outcome[key]
        outcomes[message_id] = "duplicate" if outcome in ("stored", "duplicate") else "failed"
    return outcomes
