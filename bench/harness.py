"""What every bench shares: the repository root, rounds, spreads, loading a handler as its zip does, call and log counters."""

from __future__ import annotations

import importlib.util
import os
import statistics
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import boto3

ROOT = Path(__file__).resolve().parent.parent
# The local stack's helpers (emulator, local_runner) and the bench's own modules, wherever it is started from.
for folder in (ROOT / "scripts", ROOT / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
# Every timing is repeated ROUNDS times (run.py lowers it for --quick); read as harness.ROUNDS at call time.
ROUNDS = 5
RESULTS = ROOT / "bench" / "results"
CREDENTIALS = {"username": "webhook", "password": "correct horse battery staple"}


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def load(path: Path, name: str) -> ModuleType:
    # A package's root and the files every package gets (functions/shared), as in the zips.
    sys.path[:0] = [str(path.parent), str(ROOT / "functions" / "shared")]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class CallCounter:
    """Counts API calls by service and operation with a botocore hook (not by reading code)."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        boto3.setup_default_session(region_name="us-east-1")
        boto3.DEFAULT_SESSION.events.register("before-call", self._count)

    def _count(self, model, **_) -> None:
        self.calls[f"{model.service_model.endpoint_prefix}:{model.name}"] += 1

    def total(self, prefix: str) -> int:
        return sum(count for name, count in self.calls.items() if name.startswith(prefix))


class ByteCounter:
    """Stands in for stdout while a handler runs: counts the bytes it would log."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
        return len(text)

    def flush(self) -> None:
        pass


# Lambda's own START, END and REPORT lines per invocation (same for every variant).
PLATFORM_LOG_BYTES_PER_INVOCATION = 330


def fake_env() -> None:
    dummy = "testing"
    os.environ.update(AWS_ACCESS_KEY_ID=dummy, AWS_SECRET_ACCESS_KEY=dummy, AWS_DEFAULT_REGION="us-east-1")
    os.environ.pop("AWS_ENDPOINT_URL", None)


class Context:
    function_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000
