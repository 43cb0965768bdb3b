"""Rejections at the edge as CloudWatch metrics: one Embedded Metric Format line each, no API call.

The document has the shape of the consumer's (functions/consumer/emf.py:
document); the front package does not import consumer code, so the shape is
written here too (a candidate for functions/shared/). The metric is the
contract's signature_rejected, by (FunctionName, Source) and by (FunctionName,
Reason), so the signature alarm and the dashboard read the edge's rejections
with the consumer's. The line carries names and a reason, never a secret, a
signature, a challenge or a body.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping

from contract import METRICS

SIGNATURE_REJECTED: str = METRICS["signature_rejected"]
DIMENSIONS = [["FunctionName", "Source"], ["FunctionName", "Reason"]]


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


def rejection_line(namespace: str, function_name: str, source: str, reason: str, timestamp_ms: int) -> str:
    return document(
        namespace,
        DIMENSIONS,
        {SIGNATURE_REJECTED: "Count"},
        timestamp_ms,
        FunctionName=function_name,
        Source=source,
        Reason=reason,
        **{SIGNATURE_REJECTED: 1},
        level="WARN",
        message="rejected at the edge",
    )


def emit_rejection(namespace: str, function_name: str, source: str, reason: str) -> None:
    print(rejection_line(namespace, function_name, source, reason, int(time.time() * 1000)), file=sys.stdout, flush=True)
