"""Rejections at the edge as CloudWatch metrics: one Embedded Metric Format line each, no API call.

The document is the consumer's shape (functions/shared/emf_document.py). The metric is the
contract's signature_rejected, by (FunctionName, Source) and by (FunctionName,
Reason), so the signature alarm and the dashboard read the edge's rejections
with the consumer's. The line carries names and a reason, never a secret, a
signature, a challenge or a body.
"""

from __future__ import annotations

import sys
import time

from contract import METRICS
from emf_document import document

SIGNATURE_REJECTED: str = METRICS["signature_rejected"]
DIMENSIONS = [["FunctionName", "Source"], ["FunctionName", "Reason"]]


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
