"""CloudWatch Embedded Metric Format: metrics from a log line, no API call."""

from __future__ import annotations

from collections.abc import Mapping

from contract import METRICS, SIGNATURES
from emf_document import document

# The metric names are contract.json's: the dashboard and alarms read the same file.
COUNT_METRICS = tuple(METRICS[name] for name in ("received", "stored", "duplicates", "poison", "retried"))
# Counted only where the feature is on (fan-out): a deployment without it gets no zero series.
OPTIONAL_COUNT_METRICS = (METRICS["published"],)
BATCH_DURATION = METRICS["batch_duration"]
DELIVERY_LAG = METRICS["delivery_lag"]
DEAD_LETTERED = METRICS["dead_lettered"]
SIGNATURE_REJECTED = METRICS["signature_rejected"]
# EMF takes at most 100 values of one metric per document.
MAX_VALUES_PER_DOCUMENT = 100
SIGNATURE_REASONS = frozenset(SIGNATURES["reasons"].values())


def metrics_line(
    namespace: str, function_name: str, counts: Mapping[str, int], duration_ms: float, timestamp_ms: int, **fields: object
) -> str:
    """The batch's document; `fields` ride along as plain log fields (not metrics)."""
    names = COUNT_METRICS + tuple(name for name in OPTIONAL_COUNT_METRICS if name in counts)
    metrics = {**dict.fromkeys(names, "Count"), BATCH_DURATION: "Milliseconds"}
    values = {name: int(counts.get(name, 0)) for name in names}
    return document(
        namespace,
        [["FunctionName"]],
        metrics,
        timestamp_ms,
        FunctionName=function_name,
        **values,
        **{BATCH_DURATION: round(duration_ms, 3)},
        **fields,
    )


def lag_lines(namespace: str, function_name: str, lags_ms: list[float], timestamp_ms: int) -> list[str]:
    """DeliveryLagMs, one value per stored message (CloudWatch computes p50/p99 from them)."""
    return [
        document(
            namespace,
            [["FunctionName"]],
            {DELIVERY_LAG: "Milliseconds"},
            timestamp_ms,
            FunctionName=function_name,
            **{DELIVERY_LAG: [round(lag, 1) for lag in lags_ms[start : start + MAX_VALUES_PER_DOCUMENT]]},
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
        metrics = {DEAD_LETTERED: "Count"}
        values: dict[str, object] = {DEAD_LETTERED: count}
        if reason in SIGNATURE_REASONS:
            metrics[SIGNATURE_REJECTED] = "Count"
            values[SIGNATURE_REJECTED] = count
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
