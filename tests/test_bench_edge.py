"""bench/edge.py runs (a smoke test on a tiny count: no timing is asserted; the bench's
numbers go to docs/benchmarks.md, not to a pass/fail).

What is asserted: every variant is measured in process, through the local stack and
in a fresh interpreter, each request was answered 200 and left one message, and the
report names every figure the issue asks for. A request the edge refuses stops the
bench instead of being timed; Lambda's billed duration is rounded up per request.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import edge
import edge_report


@pytest.fixture
def environment():
    """The bench sets the edge function's environment; later tests get theirs back."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_the_edge_bench_measures_every_variant_and_reports_every_figure(environment) -> None:
    result = edge.without_samples(edge.bench_edge(requests=3, warmup=1, cold_runs=1))
    assert result["warm"]["queued"] == 3 * (3 + 1)  # each 200 left one message
    assert result["stack"]["queued"] == 3 * (3 + 1 + 1)
    for figures in (result["warm"]["variants"], result["stack"]["warm"], result["stack"]["cold"], result["cold"]):
        assert set(figures) == set(edge.VARIANTS)
    assert "samples" not in result["warm"]["variants"]["edge"]
    report = "\n".join(edge_report.markdown(result))
    for figure in ("through the local stack", "p50 / direct", "p99 / direct", "boto3 floor", "Cost per million", "vs direct"):
        assert figure in report
    for sender, _, _ in edge_report.DEADLINES_S:
        assert f"| {sender} |" in report
    assert "| Sentry | 1 s |" in report and "| GitHub | 10 s |" in report


def test_a_request_the_edge_refuses_stops_the_bench_instead_of_being_timed(environment, monkeypatch) -> None:
    """The signed variant is timed on the success path only: a wrong signature is a 401, and an error here."""
    monkeypatch.setattr(edge, "GITHUB_SECRET", "not the secret the bench signs with")  # what the function reads
    with pytest.raises(RuntimeError, match="edge_signed: the edge answered 401"):
        edge.bench_warm(requests=1, warmup=0)


def test_lambda_bills_each_request_rounded_up_to_the_next_millisecond() -> None:
    # aws.amazon.com/lambda/pricing: "Duration is ... rounded up to the nearest 1 ms".
    assert edge.billed_ms([0.2, 1.0, 1.01]) == pytest.approx((1 + 1 + 2) / 3)
    costs = edge.edge_costs([0.4] * 10, log_bytes=0.0, signed=False, memory_mb=1024)
    # 1,000,000 requests x 1 ms x 1 GB at the arm64 price per GB-second (bench/cost.py).
    assert costs["lambda_duration"] == pytest.approx(1_000_000 * 0.001 * 0.0000133334)
    assert costs["total"] - costs["lambda_duration"] - costs["cloudwatch_logs"] == pytest.approx(1.00 + 0.40 + 0.20)
