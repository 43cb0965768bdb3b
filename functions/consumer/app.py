"""SQS -> DynamoDB consumer with partial batch responses.

Every record ends in exactly one place: stored (or a duplicate of a stored
key), the dead-letter queue (poison: it can never succeed), or the returned
batchItemFailures (retriable: SQS delivers it again).

Environment:
  TABLE_NAME             required
  PARTITION_KEY          default "eventId"
  DEAD_LETTER_QUEUE_URL  optional: poison goes there at once, with its reason
  WRITE_MODE             "last-write-wins" (default) or "first-write-wins"
  TTL_ATTRIBUTE, TTL_DAYS  optional, together: stamp an expiry epoch on each item
  ORDERING_ATTRIBUTE     optional, last-write-wins only: the body attribute holding a
                         version; an item is only replaced by a greater version
  METRICS_NAMESPACE      default "WebhookIngest"
  SOURCES                optional: several sources (sources.py), some of them signed
  SIGNING_SECRET_CACHE_TTL_SECONDS      default 300: how long a signing secret is reused
  SIGNING_SECRET_MAX_STALENESS_SECONDS  default 900: how long past its TTL a cached signing
                         secret still verifies while Secrets Manager fails transiently
  PAYLOAD_BUCKET         optional: the bucket of claim checks, archive and large items
                         (payloads.py, archive.py); with it, an item over DynamoDB's
                         400 KB becomes a pointer item instead of poison
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from archive import archive_batch
from claim_check import REPLAY_ATTRIBUTE
from clients import payload_s3_client, safety_margin, table_and_sqs
from dead_letters import send_to_dead_letter_queue
from emf import dead_letter_lines, lag_lines, metrics_line
from ordering import with_versions
from payloads import is_claim_check, resolve_claim, spill
from records import Item, Poison, finish_item, to_item
from signing_secrets import SigningSecrets
from sources import (
    SOURCE_ATTRIBUTE,
    STORED_BODY_FIELD,
    Oversized,
    SourceRule,
    load_sources,
    received_seconds,
    source_of,
    string_attribute,
    to_source_item,
)
from store import CONDITIONAL_WRITE_WORKERS, RetryPolicy, WriteRules, Written, write_conditionally, write_last_wins

WRITE_MODES = ("last-write-wins", "first-write-wins")


class BatchFailed(RuntimeError):
    """Every record failed retriably: raised so Lambda's error metrics show it."""


@dataclass(frozen=True)
class Config:
    table_name: str
    partition_key: str = "eventId"
    dead_letter_queue_url: str | None = None
    write_mode: str = "last-write-wins"
    ttl_attribute: str | None = None
    ttl_days: float | None = None
    ordering_attribute: str | None = None
    metrics_namespace: str = "WebhookIngest"
    sources: Mapping[str, SourceRule] | None = None  # None: one unnamed source, keys unprefixed
    payload_bucket: str | None = None  # claim checks, the raw archive and large items


def load_config(environ: Mapping[str, str]) -> Config:
    """Read and check the environment; a wrong value is a clear error at once."""
    table_name = environ.get("TABLE_NAME", "").strip()
    if not table_name:
        raise ValueError("TABLE_NAME is required")
    write_mode = environ.get("WRITE_MODE", "").strip() or "last-write-wins"
    if write_mode not in WRITE_MODES:
        raise ValueError(f"WRITE_MODE must be one of {WRITE_MODES}, got {write_mode!r}")
    ttl_attribute = environ.get("TTL_ATTRIBUTE", "").strip() or None
    ttl_days_raw = environ.get("TTL_DAYS", "").strip()
    ttl_days = float(ttl_days_raw) if ttl_days_raw else None
    if (ttl_attribute is None) != (ttl_days is None):
        raise ValueError("TTL_ATTRIBUTE and TTL_DAYS must be set together")
    if ttl_days is not None and ttl_days <= 0:
        raise ValueError("TTL_DAYS must be positive")
    ordering_attribute = environ.get("ORDERING_ATTRIBUTE", "").strip() or None
    if ordering_attribute is not None and write_mode != "last-write-wins":
        raise ValueError("ORDERING_ATTRIBUTE only applies to WRITE_MODE last-write-wins")
    return Config(
        table_name=table_name,
        partition_key=environ.get("PARTITION_KEY", "").strip() or "eventId",
        dead_letter_queue_url=environ.get("DEAD_LETTER_QUEUE_URL", "").strip() or None,
        write_mode=write_mode,
        ttl_attribute=ttl_attribute,
        ttl_days=ttl_days,
        ordering_attribute=ordering_attribute,
        metrics_namespace=environ.get("METRICS_NAMESPACE", "").strip() or "WebhookIngest",
        sources=load_sources(environ["SOURCES"]) if environ.get("SOURCES", "").strip() else None,
        payload_bucket=environ.get("PAYLOAD_BUCKET", "").strip() or None,
    )


def ttl_attributes(config: Config, now: float) -> dict[str, int]:
    if config.ttl_attribute is None or config.ttl_days is None:
        return {}
    return {config.ttl_attribute: int(now + config.ttl_days * 86400)}


@dataclass
class BatchResult:
    failures: list[str]
    counts: Counter
    poison_reasons: Counter
    # Seconds from receipt to stored, one per message stored by this batch.
    lags_seconds: list[float] = field(default_factory=list)
    # Dead letters sent by this batch, by (source, reason).
    dead_letters: Counter = field(default_factory=Counter)


def judge(
    record: Mapping[str, Any],
    config: Config,
    extra: Mapping[str, Any],
    signing_keys: Mapping[str, tuple[bytes, ...]] | None = None,
    now: float = 0.0,
) -> Item | Poison | Oversized:
    """One record's item, or why it can never be one.

    to_item returns Poison for every input it knows to be bad. Any other
    exception here comes from a body nobody foresaw; it is poison too (retrying
    the same bytes gives the same exception), and it must not touch the other
    records of the batch. Only its type is recorded: its message may quote the payload.
    """
    try:
        if config.sources is not None:
            spill_large = config.payload_bucket is not None
            return to_source_item(record, config.sources, config.partition_key, extra, signing_keys, now, spill_large)
        return to_item(record["messageId"], record.get("body") or "", config.partition_key, extra)
    except Exception as error:  # isolating one record is the point
        return Poison(record["messageId"], "unexpected_error", f"{type(error).__name__} while judging the record")


def write(items: list[Item], config: Config, table: Any, retry: RetryPolicy, now: float) -> dict[str, Any]:
    if config.write_mode == "last-write-wins" and config.ordering_attribute is None:
        return write_last_wins(table, items, config.partition_key, retry)
    rules = WriteRules(config.partition_key, config.ttl_attribute, config.ordering_attribute, now)
    return write_conditionally(table, items, rules, retry)


def waiting_for_a_secret(
    records: list[Mapping[str, Any]], config: Config, secrets: SigningSecrets | None
) -> tuple[dict[str, tuple[bytes, ...]], set[str], dict[str, str]]:
    """(signing keys, ids of records whose source's secret is unreadable, why by source)."""
    if config.sources is None or secrets is None:
        return {}, set(), {}
    rules = {record["messageId"]: source_of(record, config.sources) for record in records}
    keys, unavailable = secrets.keys_for(rule for rule in rules.values() if rule is not None)
    waiting = {message_id for message_id, rule in rules.items() if rule is not None and rule.name in unavailable}
    return keys, waiting, unavailable


@dataclass
class Prepared:
    """Records ready to judge (claims resolved, archived), and the others' fate."""

    ready: list[Mapping[str, Any]] = field(default_factory=list)
    poisoned: list[tuple[Mapping[str, Any], Poison]] = field(default_factory=list)
    retried: set[str] = field(default_factory=set)


def prepare(records: list[Mapping[str, Any]], config: Config, s3: Any, batch_id: str, now: float) -> Prepared:
    """Resolve claim checks, then archive the archived sources' messages, exactly as received."""
    prepared = Prepared()
    for record in records:
        if not is_claim_check(record):
            prepared.ready.append(record)
            continue
        outcome = resolve_claim(record, config.payload_bucket, s3)
        if outcome is None:
            prepared.retried.add(record["messageId"])
        elif isinstance(outcome, Poison):
            prepared.poisoned.append((record, outcome))
        else:
            prepared.ready.append(outcome)
    if config.sources is None or config.payload_bucket is None:
        return prepared
    rules = {record["messageId"]: source_of(record, config.sources) for record in prepared.ready}
    to_archive = [
        (record, rule.name)
        for record in prepared.ready
        if (rule := rules[record["messageId"]]) and rule.archive and string_attribute(record, REPLAY_ATTRIBUTE) is None
    ]
    if to_archive:
        unarchived = archive_batch(to_archive, config.payload_bucket, s3, batch_id, now)
        prepared.retried |= unarchived
        prepared.ready = [record for record in prepared.ready if record["messageId"] not in unarchived]
    return prepared


def spilled_item(oversized: Oversized, record: Mapping[str, Any], config: Config, s3: Any) -> Item | Poison | None:
    """The pointer item of a body too large for DynamoDB; None when S3 failed (retry)."""
    assert config.payload_bucket is not None and config.sources is not None
    raw_body = config.sources[oversized.source].raw_body
    stored = spill(record, oversized.source, raw_body, config.payload_bucket, s3)
    if stored is None:
        return None
    attributes = {**oversized.attributes, STORED_BODY_FIELD: stored.attribute()}
    return finish_item(oversized.message_id, config.partition_key, oversized.key, attributes)


def process_batch(
    records: list[Mapping[str, Any]],
    config: Config,
    table: Any,
    sqs: Any,
    retry: RetryPolicy,
    now: float,
    secrets: SigningSecrets | None = None,
    s3: Any = None,
    batch_id: str = "",
) -> BatchResult:
    extra = ttl_attributes(config, now)
    items: list[Item] = []
    # The original records: a dead letter keeps a claim check's pointer, not its body.
    by_id = {record["messageId"]: record for record in records}
    signing_keys, waiting, unavailable = waiting_for_a_secret(records, config, secrets)
    for source, why in sorted(unavailable.items()):
        log("ERROR", "signing secret unavailable; its messages wait in the queue", source=source, error=why)
    prepared = prepare([record for record in records if record["messageId"] not in waiting], config, s3, batch_id, now)
    poisoned = prepared.poisoned
    waiting |= prepared.retried
    for record in prepared.ready:
        parsed = judge(record, config, extra, signing_keys, now)
        if isinstance(parsed, Oversized):
            parsed = spilled_item(parsed, record, config, s3)
            if parsed is None:
                waiting.add(record["messageId"])
                continue
        if isinstance(parsed, Poison):
            poisoned.append((by_id[parsed.message_id], parsed))
        else:
            items.append(parsed)
    if config.ordering_attribute is not None:
        items, unordered = with_versions(items, config.ordering_attribute)
        poisoned.extend((by_id[poison.message_id], poison) for poison in unordered)

    outcomes = write(items, config, table, retry, now)

    retriable = [message_id for message_id, outcome in outcomes.items() if outcome == Written.FAILED]
    poisoned.extend((by_id[m], outcome) for m, outcome in outcomes.items() if isinstance(outcome, Poison))
    if config.dead_letter_queue_url and poisoned:
        unsent = send_to_dead_letter_queue(sqs, config.dead_letter_queue_url, poisoned)
    else:
        unsent = {poison.message_id for _, poison in poisoned}  # SQS redrive moves them later
    counts = Counter(
        Received=len(records),
        Stored=sum(outcome == Written.STORED for outcome in outcomes.values()),
        Duplicates=sum(outcome == Written.DUPLICATE for outcome in outcomes.values()),
        Poison=len(poisoned),
        Retried=len(retriable) + len(unsent) + len(waiting),
    )
    failed_ids = set(retriable) | unsent | waiting
    failures = [record["messageId"] for record in records if record["messageId"] in failed_ids]
    stored_at = time.time()
    lags = [
        stored_at - received
        for message_id, outcome in outcomes.items()
        if outcome == Written.STORED and (received := received_seconds(by_id[message_id])) is not None
    ]
    dead = Counter(
        (string_attribute(record, SOURCE_ATTRIBUTE) or "default", poison.reason)
        for record, poison in poisoned
        if poison.message_id not in unsent
    )
    return BatchResult(failures, counts, Counter(poison.reason for _, poison in poisoned), lags, dead)


_clients: dict[str, Any] = {}
_signing_secrets: SigningSecrets | None = None


def log(level: str, message: str, **fields: Any) -> None:
    print(json.dumps({"level": level, "message": message, **fields}), file=sys.stdout, flush=True)


def signing_secrets() -> SigningSecrets:
    global _signing_secrets
    if _signing_secrets is None:
        _signing_secrets = SigningSecrets(os.environ)
    return _signing_secrets


def aws_clients(config: Config) -> tuple[Any, Any]:
    """The table and SQS client, created on first use (no work at import time)."""
    if "table" not in _clients:
        # One pooled connection per concurrent conditional write, and one to spare.
        _clients["table"], _clients["sqs"] = table_and_sqs(config.table_name, CONDITIONAL_WRITE_WORKERS + 2)
    return _clients["table"], _clients["sqs"]


def payload_client() -> Any:
    """The payload bucket's S3 client, created on first use like the others."""
    if "s3" not in _clients:
        _clients["s3"] = payload_s3_client(max_pool_connections=4)
    return _clients["s3"]


def remaining_seconds(context: Any):
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    if remaining_ms is None:
        return lambda: float("inf")
    return lambda: remaining_ms() / 1000.0


def handler(event: Mapping[str, Any], context: Any) -> dict:
    started = time.monotonic()
    records = list(event.get("Records") or [])
    if not records:
        return {"batchItemFailures": []}
    config = load_config(os.environ)
    table, sqs = aws_clients(config)
    seconds_left = remaining_seconds(context)
    retry = RetryPolicy(deadline=seconds_left, safety_margin=safety_margin(seconds_left()))
    s3 = payload_client() if config.payload_bucket else None
    batch_id = getattr(context, "aws_request_id", None) or uuid.uuid4().hex
    result = process_batch(records, config, table, sqs, retry, time.time(), signing_secrets(), s3, batch_id)
    line = metrics_line(
        config.metrics_namespace,
        getattr(context, "function_name", "local"),
        result.counts,
        (time.monotonic() - started) * 1000,
        int(time.time() * 1000),
        message="batch processed",
        poisonReasons=dict(result.poison_reasons),
    )
    now_ms = int(time.time() * 1000)
    function_name = getattr(context, "function_name", "local")
    extra_lines = lag_lines(config.metrics_namespace, function_name, [lag * 1000 for lag in result.lags_seconds], now_ms)
    extra_lines += dead_letter_lines(config.metrics_namespace, function_name, result.dead_letters, now_ms)
    print("\n".join([line, *extra_lines]), file=sys.stdout, flush=True)
    if len(result.failures) == len(records) and result.counts["Poison"] == 0:
        raise BatchFailed(f"all {len(records)} records failed retriably")
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in result.failures]}
