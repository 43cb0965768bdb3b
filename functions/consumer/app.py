"""SQS -> DynamoDB consumer with partial batch responses.

Every record ends in exactly one place: stored (or a duplicate of a stored
key), the dead-letter queue (poison: it can never succeed, sent with its
reason, pipeline.Reason), or the returned batchItemFailures (retriable: SQS
delivers it again).

Each record goes alone through the stages (stages.py: source, attributes,
signing secret, claim check, bytes, signature, archive, judge, spill, write),
run by pipeline.run under one rule: whatever a stage raises makes that record
poison `unexpected_error`, never the batch. Items are written in chunks as the
records come (Writes: 25 items or 4 MB of bodies), each chunk after the
archive lines of its records, so memory holds one record's body and one
chunk, not the batch.

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

from contract import METRICS

from archive import ArchiveBuffer
from clients import payload_s3_client, safety_margin, table_and_sqs
from dead_letters import send_to_dead_letter_queue
from emf import dead_letter_lines, lag_lines, metrics_line
from ordering import with_versions
from pipeline import Poison, Retry, run
from records import Item
from signing_secrets import SigningSecrets
from sources import SOURCE_ATTRIBUTE, SourceRule, load_sources, received_seconds, source_of, string_attribute
from stages import Context as StageContext
from stages import Work, stages
from store import (
    BATCH_WRITE_LIMIT,
    CONDITIONAL_WRITE_WORKERS,
    RetryPolicy,
    WriteRules,
    Written,
    write_conditionally,
    write_last_wins,
)

WRITE_MODES = ("last-write-wins", "first-write-wins")
# A chunk of items is written once it holds this many (one BatchWriteItem) or this many body bytes.
WRITE_CHUNK_ITEMS = BATCH_WRITE_LIMIT
WRITE_CHUNK_BYTES = 4 * 1024 * 1024


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
    metrics_namespace: str = METRICS["namespace_prefix"]
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
        metrics_namespace=environ.get("METRICS_NAMESPACE", "").strip() or METRICS["namespace_prefix"],
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


def write(items: list[Item], config: Config, table: Any, retry: RetryPolicy, now: float) -> dict[str, Any]:
    if config.write_mode == "last-write-wins" and config.ordering_attribute is None:
        return write_last_wins(table, items, config.partition_key, retry)
    rules = WriteRules(config.partition_key, config.ttl_attribute, config.ordering_attribute, now)
    return write_conditionally(table, items, rules, retry)


def secrets_for(
    records: list[Mapping[str, Any]], config: Config, secrets: SigningSecrets | None
) -> tuple[dict[str, tuple[bytes, ...]], dict[str, str]]:
    """(signing keys of the batch's signed sources, why by source for those that cannot be read)."""
    if config.sources is None or secrets is None:
        return {}, {}
    rules = {rule.name: rule for record in records if (rule := source_of(record, config.sources)) is not None}
    return secrets.keys_for(rules.values())


@dataclass
class Writes:
    """Items written in chunks as the pipeline goes, each chunk after the archive
    lines of its records: memory holds at most one chunk of items.

    One key's records may fall in different chunks, and the in-chunk rules
    (store.latest_per_key, store.first_per_key) see one chunk only. So the batch
    keeps the keys (never the bodies) whose record failed retriably, its write,
    its archive line or its spill (`retried_keys`), and a LATER record of such a key is not
    written: it is returned failed too. Last write wins: acknowledging the later
    record while the earlier one comes back would let the earlier replace it
    ("later in the batch wins" broken); failed together, they come back together
    when SQS can, and the batch's latest wins again. First write wins: the first
    record must be the one written, so nothing after it is, until it is. With the
    ordering guard, versions decide whatever the order of arrival: nothing is
    held back. A key whose earlier record is STORED needs nothing either: the
    later one, stored or retried, comes after it as it should.
    """

    config: Config
    table: Any
    retry: RetryPolicy
    now: float
    archive: ArchiveBuffer | None
    archived: set[str]
    pending: list[Item] = field(default_factory=list)
    pending_bytes: int = 0
    outcomes: dict[str, Any] = field(default_factory=dict)  # message id -> Written | Poison
    unarchived: set[str] = field(default_factory=set)  # pending when their archive line failed: retried
    retried_keys: set[str] = field(default_factory=set)  # keys with a record of this batch retried (see above)
    # Keys of records retried before reaching the writer (a spill not written), each with its
    # place among the pending items: only the items after it are held back.
    retried_marks: list[tuple[int, str]] = field(default_factory=list)

    def add(self, item: Item, size: int) -> None:
        """Queue an item (the last stage). Writing is not a stage: a chunk holds other
        records' items, so it is written outside any one record's catch-all (flush_when_full)."""
        self.pending.append(item)
        self.pending_bytes += size

    def retried(self, key: str) -> None:
        """A record of `key` is retried though it never reached the writer: the items
        of that key queued after it are held back like those after a failed write."""
        self.retried_marks.append((len(self.pending), key))

    def flush_when_full(self) -> None:
        if len(self.pending) >= WRITE_CHUNK_ITEMS or self.pending_bytes >= WRITE_CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        items, self.pending, self.pending_bytes = self.pending, [], 0
        failed: set[str] = set()
        if self.archive is not None and any(item.message_id in self.archived for item in items):
            failed = self.archive.flush_all()  # the archive first: nothing is stored unarchived
        if self.config.ordering_attribute is not None:
            self.retried_marks = []  # versions decide: nothing is held back
            self.unarchived |= {item.message_id for item in items if item.message_id in failed}
            items, unordered = with_versions(
                [item for item in items if item.message_id not in failed], self.config.ordering_attribute
            )
            self.outcomes.update((poison.message_id, poison) for poison in unordered)
        else:
            items = self.to_write(items, failed)
        if items:
            outcomes = write(items, self.config, self.table, self.retry, self.now)
            self.outcomes.update(outcomes)
            self.retried_keys |= {item.key for item in items if outcomes.get(item.message_id) == Written.FAILED}

    def to_write(self, items: list[Item], unarchived: set[str]) -> list[Item]:
        """The items to write, in order: not those whose archive line failed, nor any
        item of a key an earlier record of this batch left to be retried (the
        class docstring says why). Those are retried."""
        writable = []
        marks, self.retried_marks = self.retried_marks, []
        for position, item in enumerate(items):
            self.retried_keys |= {key for at, key in marks if at == position}
            if item.message_id in unarchived:
                self.unarchived.add(item.message_id)
                self.retried_keys.add(item.key)
            elif item.key in self.retried_keys:
                self.outcomes[item.message_id] = Written.FAILED
            else:
                writable.append(item)
        self.retried_keys |= {key for at, key in marks if at >= len(items)}
        return writable


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
    """Each record through the stages (stages.py), one at a time; items written in
    chunks as they come; then the poison to the dead-letter queue, with its reason."""
    # The original records: a dead letter keeps a claim check's pointer, not its body.
    by_id = {record["messageId"]: record for record in records}
    signing_keys, unavailable = secrets_for(records, config, secrets)
    for source, why in sorted(unavailable.items()):
        log("ERROR", "signing secret unavailable; its messages wait in the queue", source=source, error=why)
    buffer = ArchiveBuffer(config.payload_bucket, s3, batch_id) if config.payload_bucket and config.sources else None
    archived: set[str] = set()
    writes = Writes(config, table, retry, now, buffer, archived)
    context = StageContext(
        sources=config.sources,
        partition_key=config.partition_key,
        extra=ttl_attributes(config, now),
        payload_bucket=config.payload_bucket if config.sources is not None else None,
        s3=s3,
        signing_keys=signing_keys,
        unavailable=unavailable,
        now=now,
        archive=buffer,
        enqueue=writes.add,
        archived=archived,
        version_attribute=config.ordering_attribute,
    )
    pipeline = stages(context)
    poisoned: list[tuple[Mapping[str, Any], Poison]] = []
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
    if buffer is not None:
        buffer.flush_all()  # the lines of records that ended poison after their archive stage
    waiting |= writes.unarchived
    outcomes = writes.outcomes

    retriable = [message_id for message_id, outcome in outcomes.items() if outcome == Written.FAILED]
    poisoned.extend((by_id[m], outcome) for m, outcome in outcomes.items() if isinstance(outcome, Poison))
    if config.dead_letter_queue_url and poisoned:
        unsent = send_to_dead_letter_queue(sqs, config.dead_letter_queue_url, poisoned)
    else:
        unsent = {poison.message_id for _, poison in poisoned}  # SQS redrive moves them later
    counts = Counter(
        {
            METRICS["received"]: len(records),
            METRICS["stored"]: sum(outcome == Written.STORED for outcome in outcomes.values()),
            METRICS["duplicates"]: sum(outcome == Written.DUPLICATE for outcome in outcomes.values()),
            METRICS["poison"]: len(poisoned),
            METRICS["retried"]: len(retriable) + len(unsent) + len(waiting),
        }
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
    if len(result.failures) == len(records) and result.counts[METRICS["poison"]] == 0:
        raise BatchFailed(f"all {len(records)} records failed retriably")
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in result.failures]}
