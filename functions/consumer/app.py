"""SQS -> DynamoDB consumer with partial batch responses.

Every record ends in exactly one place: stored (or a duplicate of a stored
key), the dead-letter queue (poison: it can never succeed, sent with its
reason, pipeline.Reason), or the returned batchItemFailures (retriable: SQS
delivers it again).

Each record goes alone through the stages (stages.py: source, attributes,
signing secret, claim check, bytes, signature, archive, judge, spill, write),
run by pipeline.run under one rule: whatever a stage raises makes that record
poison `unexpected_error`, never the batch. Items are written in chunks as the
records come (writes.py: 25 items or 4 MB of bodies), each chunk after the
archive lines of its records, so memory holds one record's body and one
chunk, not the batch. The settings are read by consumer_config.py.

Environment:
  TABLE_NAME             required
  PARTITION_KEY          default "eventId"
  DEAD_LETTER_QUEUE_URL  optional: poison goes there at once, with its reason
  WRITE_MODE             "last-write-wins" (default) or "first-write-wins"
  TTL_ATTRIBUTE, TTL_DAYS  optional, together: stamp an expiry epoch on each item
  ORDERING_ATTRIBUTE     optional, last-write-wins only: the body attribute holding a
                         version; an item is only replaced by a greater version
  METRICS_NAMESPACE      default "WebhookIngest"
  SOURCES                optional: the sources (sources.py), some of them signed; absent:
                         the first releases' single source (body's PARTITION_KEY, unprefixed)
  SIGNING_SECRET_CACHE_TTL_SECONDS      default 300: how long a signing secret is reused
  SIGNING_SECRET_MAX_STALENESS_SECONDS  default 900: how long past its TTL a cached signing
                         secret still verifies while Secrets Manager fails transiently
  PAYLOAD_BUCKET         optional: the bucket of claim checks, archive and large items
                         (payloads.py, archive.py); with it, an item over DynamoDB's
                         400 KB becomes a pointer item instead of poison (any source's)
  FAN_OUT_BUS            optional: an EventBridge bus (name or ARN) each stored item is
                         published to once, after its write (fan_out.py)
  FAN_OUT_SOURCE_PREFIX  default "": each event's source is this and the source's name
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

from consumer_config import Config, current_config, load_config, ttl_attributes
from contract import METRICS
from envelope import SOURCE_ATTRIBUTE, received_seconds, string_attribute
from writes import Writes

from archive import ArchiveBuffer
from clients import events_client, payload_s3_client, safety_margin, table_and_sqs
from dead_letters import send_to_dead_letter_queue
from emf import dead_letter_lines, lag_lines, metrics_line
from fan_out import Publisher
from pipeline import Poison, Retry, Stage, run
from signing_secrets import SigningSecrets
from sources import DEFAULT_SOURCE, Sources
from stages import Context as StageContext
from stages import Work, stages
from store import CONDITIONAL_WRITE_WORKERS, RetryPolicy, Written

__all__ = ["BatchFailed", "BatchResult", "Config", "handler", "load_config", "process_batch"]

Poisoned = list[tuple[Mapping[str, Any], Poison]]  # (the original record, why it is poison)


class BatchFailed(RuntimeError):
    """Every record failed retriably: raised so Lambda's error metrics show it."""


@dataclass
class BatchResult:
    failures: list[str]
    counts: Counter
    poison_reasons: Counter
    # Seconds from receipt to stored, one per message stored by this batch.
    lags_seconds: list[float] = field(default_factory=list)
    # Dead letters sent by this batch, by (source, reason).
    dead_letters: Counter = field(default_factory=Counter)


def secrets_for(
    records: list[Mapping[str, Any]], config: Config, secrets: SigningSecrets | None
) -> tuple[dict[str, tuple[bytes, ...]], dict[str, str]]:
    """(signing keys of the batch's signed sources, why by source for those that cannot be read)."""
    if secrets is None or not config.sources.signed:
        return {}, {}  # (no record's source needs a key: none is looked up)
    rules = {rule.name: rule for record in records if (rule := config.sources.of(record)) is not None}
    return secrets.keys_for(rules.values())


def source_dimension(record: Mapping[str, Any], sources: Sources) -> str:
    """The metrics' Source of a record: its source's name, else the name it gave, else "default"."""
    rule = sources.of(record)
    return rule.name if rule is not None else string_attribute(record, SOURCE_ATTRIBUTE) or DEFAULT_SOURCE


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
    events: Any = None,
) -> BatchResult:
    """Each record through the stages (stages.py), one at a time; items written in
    chunks as they come (and published, with fan-out); then the poison to the
    dead-letter queue, with its reason."""
    signing_keys, unavailable = secrets_for(records, config, secrets)
    for source, why in sorted(unavailable.items()):
        log("ERROR", "signing secret unavailable; its messages wait in the queue", source=source, error=why)
    buffer = ArchiveBuffer(config.payload_bucket, s3, batch_id) if config.payload_bucket else None
    publisher = None
    if config.fan_out is not None:
        if events is None:
            raise ValueError("fan-out needs an EventBridge client")
        publisher = Publisher(events, config.fan_out, config.partition_key, retry, now)
    writes = Writes(config, table, retry, now, buffer, set(), publisher)
    context = StageContext(
        sources=config.sources,
        partition_key=config.partition_key,
        extra=ttl_attributes(config, now),
        payload_bucket=config.payload_bucket,
        s3=s3,
        signing_keys=signing_keys,
        unavailable=unavailable,
        now=now,
        archive=buffer,
        enqueue=writes.add,
        archived=writes.archived,
        version_attribute=config.ordering_attribute,
        fan_out=publisher is not None,
    )
    poisoned, waiting = run_records(records, stages(context), writes)
    if buffer is not None:
        # The lines still buffered: of records that ended poison after their archive stage (their
        # dead letter keeps them), or that stored nothing (an empty split batch): retried when lost.
        dead = {poison.message_id for _, poison in poisoned}
        waiting |= buffer.flush_all() - dead
    return settle(records, config, sqs, writes, poisoned, waiting | writes.unarchived)


def run_records(records: list[Mapping[str, Any]], pipeline: list[Stage], writes: Writes) -> tuple[Poisoned, set[str]]:
    """Each record through the pipeline, its item written with its chunk: (the poison, the ids retried)."""
    poisoned: Poisoned = []
    waiting: set[str] = set()
    for record in records:
        work = Work(record)
        outcome = run(work, record["messageId"], pipeline)
        if isinstance(outcome, Poison):
            poisoned.append((record, outcome))
        elif isinstance(outcome, Retry):
            waiting.add(record["messageId"])
            if work.spill_key:  # its key was known (a spill not written): later records of it wait too
                writes.retried(work.spill_key)
        del work
        writes.flush_when_full()
    writes.flush()
    return poisoned, waiting


def settle(
    records: list[Mapping[str, Any]], config: Config, sqs: Any, writes: Writes, poisoned: Poisoned, waiting: set[str]
) -> BatchResult:
    """The poison to the dead-letter queue, and what the batch reports: failures, counts, lags, dead letters."""
    # The original records: a dead letter keeps a claim check's pointer, not its body.
    by_id = {record["messageId"]: record for record in records}
    outcomes = writes.record_outcomes()
    retriable = [message_id for message_id, outcome in outcomes.items() if outcome == Written.FAILED]
    poisoned = poisoned + [(by_id[m], outcome) for m, outcome in outcomes.items() if isinstance(outcome, Poison)]
    if config.dead_letter_queue_url and poisoned:
        unsent = send_to_dead_letter_queue(sqs, config.dead_letter_queue_url, poisoned)
    else:
        unsent = {poison.message_id for _, poison in poisoned}  # SQS redrive moves them later
    counts = Counter(
        {
            METRICS["received"]: len(records),
            METRICS["stored"]: sum(outcome == Written.STORED for outcome in outcomes.values()),
            METRICS["duplicates"]: sum(outcome in (Written.DUPLICATE, Written.REPEATED) for outcome in outcomes.values()),
            METRICS["poison"]: len(poisoned),
            # Each record once: a split record whose archive line failed is both waiting and unwritten.
            METRICS["retried"]: len(set(retriable) | unsent | waiting),
        }
    )
    if writes.publisher is not None:
        counts[METRICS["published"]] = writes.publisher.published
    failed_ids = set(retriable) | unsent | waiting
    failures = [record["messageId"] for record in records if record["messageId"] in failed_ids]
    stored_at = time.time()
    lags = [
        stored_at - received
        for message_id, outcome in outcomes.items()
        if outcome == Written.STORED and (received := received_seconds(by_id[message_id])) is not None
    ]
    sent = [(record, poison) for record, poison in poisoned if poison.message_id not in unsent]
    dead = Counter((source_dimension(record, config.sources), poison.reason) for record, poison in sent)
    return BatchResult(failures, counts, Counter(str(poison.reason) for _, poison in poisoned), lags, dead)


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


def fan_out_client() -> Any:
    """The EventBridge client, created on first use like the others."""
    if "events" not in _clients:
        _clients["events"] = events_client(max_pool_connections=2)
    return _clients["events"]


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
    config = current_config(os.environ)
    table, sqs = aws_clients(config)
    seconds_left = remaining_seconds(context)
    retry = RetryPolicy(deadline=seconds_left, safety_margin=safety_margin(seconds_left()))
    s3 = payload_client() if config.payload_bucket else None
    batch_id = getattr(context, "aws_request_id", None) or uuid.uuid4().hex
    events = fan_out_client() if config.fan_out is not None else None
    result = process_batch(records, config, table, sqs, retry, time.time(), signing_secrets(), s3, batch_id, events)
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
    if len(result.failures) == len(records) and result.counts[METRICS["poison"]] == 0:
        raise BatchFailed(f"all {len(records)} records failed retriably")
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in result.failures]}
