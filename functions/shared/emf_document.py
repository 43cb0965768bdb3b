"""One CloudWatch Embedded Metric Format document: metrics from a log line, no API call.

The consumer (functions/consumer/emf.py) and the edge function
(functions/front/edge_metrics.py) write their metrics in this one shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping


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
