"""bench/memory.py runs (a smoke test on a tiny batch: no figure is asserted, the
bench's numbers go to docs/benchmarks.md, not to a pass/fail)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import memory


def test_the_memory_bench_runs_a_tiny_batch_through_the_real_code():
    row = memory.bench_memory(claims=2, claim_bytes=20_000)
    assert (row["stored"], row["failures"]) == (2, 0)
    assert row["peak_rss_increase_mb"] >= 0 and row["tracemalloc_peak_mb"] > 0
    report = "\n".join(memory.markdown(row))
    assert "Consumer peak memory: 2 x 0.02 MB claim checks, archive on" in report


def test_the_configured_memory_is_read_from_the_consumer_module():
    megabytes, where = memory.configured_memory_mb()
    assert "assumed" not in where, where  # the module's claim-check default, not the bench's fallback
    assert 128 <= megabytes <= 10240  # Lambda's range
