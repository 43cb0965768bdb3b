"""The consumer's settings, read from its environment (app.py lists them): once per warm
container (current_config), again only when a value it reads changes (a test's environment).

A wrong value is a clear error at once. SOURCES absent (the consumer module used
alone, and the tests) means the first releases' single source, synthesised here
and nowhere else (sources.legacy_setting): the same setting Terraform passes
for a deployment without `sources`, so both run one source model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from contract import METRICS
from environment_json import json_text

from fan_out import FanOut
from sources import Sources, legacy_setting, load_sources

WRITE_MODES = ("last-write-wins", "first-write-wins")
DEFAULT_PARTITION_KEY = "eventId"
# An event's source is the prefix and a source name (at most 64): EventBridge takes 256 characters.
SOURCE_PREFIX_MAX_CHARACTERS = 128
# Every environment variable load_config reads (tests/test_consumer.py checks it reads no other).
CONFIG_NAMES = (
    "TABLE_NAME",
    "WRITE_MODE",
    "TTL_ATTRIBUTE",
    "TTL_DAYS",
    "ORDERING_ATTRIBUTE",
    "PARTITION_KEY",
    "SOURCES",
    "DEAD_LETTER_QUEUE_URL",
    "METRICS_NAMESPACE",
    "PAYLOAD_BUCKET",
    "FAN_OUT_BUS",
    "FAN_OUT_SOURCE_PREFIX",
)


@dataclass(frozen=True)
class Config:
    table_name: str
    sources: Sources
    partition_key: str = DEFAULT_PARTITION_KEY
    dead_letter_queue_url: str | None = None
    write_mode: str = "last-write-wins"
    ttl_attribute: str | None = None
    ttl_days: float | None = None
    ordering_attribute: str | None = None
    metrics_namespace: str = METRICS["namespace_prefix"]
    payload_bucket: str | None = None  # claim checks, the raw archive and large items
    fan_out: FanOut | None = None  # where stored events are published (fan_out.py)


def current_config(environ: Mapping[str, str]) -> Config:
    """load_config, parsed once for the values it reads: Lambda's environment does not change
    while a container lives, and every batch would otherwise parse SOURCES again."""
    return _config_of(tuple(environ.get(name) for name in CONFIG_NAMES))


@lru_cache(maxsize=1)
def _config_of(values: tuple[str | None, ...]) -> Config:
    return load_config({name: value for name, value in zip(CONFIG_NAMES, values, strict=True) if value is not None})


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
    partition_key = environ.get("PARTITION_KEY", "").strip() or DEFAULT_PARTITION_KEY
    return Config(
        table_name=table_name,
        sources=load_sources(json_text("SOURCES", environ.get("SOURCES", "").strip() or legacy_setting(partition_key))),
        partition_key=partition_key,
        dead_letter_queue_url=environ.get("DEAD_LETTER_QUEUE_URL", "").strip() or None,
        write_mode=write_mode,
        ttl_attribute=ttl_attribute,
        ttl_days=ttl_days,
        ordering_attribute=ordering_attribute,
        metrics_namespace=environ.get("METRICS_NAMESPACE", "").strip() or METRICS["namespace_prefix"],
        payload_bucket=environ.get("PAYLOAD_BUCKET", "").strip() or None,
        fan_out=load_fan_out(environ),
    )


def load_fan_out(environ: Mapping[str, str]) -> FanOut | None:
    """FAN_OUT_BUS (a bus name or ARN) turns fan-out on; FAN_OUT_SOURCE_PREFIX prefixes each event's source."""
    bus = environ.get("FAN_OUT_BUS", "").strip()
    prefix = environ.get("FAN_OUT_SOURCE_PREFIX", "")
    if not bus:
        if prefix:
            raise ValueError("FAN_OUT_SOURCE_PREFIX needs FAN_OUT_BUS")
        return None
    if prefix.startswith("aws.") or len(prefix) > SOURCE_PREFIX_MAX_CHARACTERS:
        limit = SOURCE_PREFIX_MAX_CHARACTERS
        raise ValueError(f"FAN_OUT_SOURCE_PREFIX must not start with 'aws.' (EventBridge's) and has at most {limit} characters")
    return FanOut(bus, prefix)


def ttl_attributes(config: Config, now: float) -> dict[str, int]:
    if config.ttl_attribute is None or config.ttl_days is None:
        return {}
    return {config.ttl_attribute: int(now + config.ttl_days * 86400)}
