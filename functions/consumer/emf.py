"""CloudWatch Embedded Metric Format: metrics from a log line, no API call."""

from __future__ import annotations

import json
from collections.abc import Mapping

COUNT_METRICS = ("Received", "Stored", "Duplicates", "Poison", "Retried")
# EMF takes at most 100 values of one metric per document.
MAX_VALUES_PER_DOCUMENT = 100
SIGNATURE_REASONS = frozenset({"signature_missing", "signature_invalid", "timestamp_outside_tolerance"})


def metrics_line(
    namespace: str, function_name: str, counts: Mapping[str, int], duration_ms: float, timestamp_ms: int, **fields: object
) -> str:
    """The batch's document; `fields` ride along as plain log fields (not metrics)."""
    metrics = {**dict.fromkeys(COUNT_METRICS, "Count"), "BatchDurationMs": "Milliseconds"}
    values = {name: int(counts.get(name, 0)) for name in COUNT_METRICS}
    return document(
        namespace,
        [["FunctionName"]],
        metrics,
        timestamp_ms,
        FunctionName=function_name,
        **values,
        BatchDurationMs=round(duration_ms, 3),
        **fields,
    )


def document(
    namespace: str, dimension_sets: list[list[str]], metrics: Mapping[str, str], timestamp_ms: int, **values: object
) -> str:
    """One EMF document: `metrics` maps each metric name to its unit; `values`
    holds the metrics' values and the dimensions' values."""
    directive = {
        "Namespace": namespace,
        "Dimensions": dimension_sets,
        "Metrics": [{"Name": name, "Unit": unit} for name, unit in metrics.items()],
    }
    return json.dumps({"_aws": {"Timestamp": timestamp_ms, "CloudWatchMetrics": [directive]}, **values}, separators=(",", ":"))


def lag_lines(namespace: str, function_name: str, lags_ms: list[float], timestamp_ms: int) -> list[str]:
    """DeliveryLagMs, one value per stored message (CloudWatch computes p50/p99 from them)."""
    return [
        document(
            namespace,
            [["FunctionName"]],
            {"DeliveryLagMs": "Milliseconds"},
            timestamp_ms,
            FunctionName=function_name,
            DeliveryLagMs=[round(lag, 1) for lag in lags_ms[start : start + MAX_VALUES_PER_DOCUMENT]],
        )
        for start in range(0, len(lags_ms), MAX_VALUES_PER_DOCUMENT)
    ]


def dead_letter_lines(
    namespace: str, function_name: str, by_source_and_reason: Mapping[tuple[str, str], int], timestamp_ms: int
) -> list[str]:
    """DeadLettered by reason and by source (two dimension sets of one document per
    pair seen), and SignatureRejected by source for the signature reasons."""
    lines = []
    for (source, reason), count in sorted(by_source_and_reason.items()):
        metrics = {"DeadLettered": "Count"}
        values: dict[str, object] = {"DeadLettered": count}
        if reason in SIGNATURE_REASONS:
            metrics["SignatureRejected"] = "Count"
            values["SignatureRejected"] = count
        lines.append(
            document(
                namespace,
                [["FunctionName", "Reason"], ["FunctionName", "Source"]],
                metrics,
                timestamp_ms,
                FunctionName=function_name,
                Source=source,
                Reason=reason,
                **values,
            )
        )
    return lines
