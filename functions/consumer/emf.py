"""CloudWatch Embedded Metric Format: metrics from a log line, no API call."""

from __future__ import annotations

import json
from collections.abc import Mapping

COUNT_METRICS = ("Received", "Stored", "Duplicates", "Poison", "Retried")


def metrics_line(
    namespace: str, function_name: str, counts: Mapping[str, int], duration_ms: float, timestamp_ms: int, **fields: object
) -> str:
    """One EMF document; `fields` ride along as plain log fields (not metrics)."""
    definitions = [{"Name": name, "Unit": "Count"} for name in COUNT_METRICS]
    definitions.append({"Name": "BatchDurationMs", "Unit": "Milliseconds"})
    document = {
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{"Namespace": namespace, "Dimensions": [["FunctionName"]], "Metrics": definitions}],
        },
        "FunctionName": function_name,
        **{name: int(counts.get(name, 0)) for name in COUNT_METRICS},
        "BatchDurationMs": round(duration_ms, 3),
        **fields,
    }
    return json.dumps(document, separators=(",", ":"))
