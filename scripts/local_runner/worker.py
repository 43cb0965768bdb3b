"""One Lambda execution environment: runs in its own Python process.

Started by lambda_runtime.Container as `python -I worker.py SPEC_FILE`: -I keeps
the project's directories (and PYTHON* variables) off the import path, so the
handler and its helpers come from the extracted zip alone, as on Lambda. The
process serves one invocation at a time over its stdin/stdout (one JSON line
each way); what the function prints goes to its log file instead.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import io
import json
import os
import sys
import time
import traceback
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent


def load_by_path(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class LambdaContext:
    def __init__(self, function_name: str, timeout_ms: int, request_id: str) -> None:
        self.function_name = function_name
        self.aws_request_id = request_id
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LineLog(io.TextIOBase):
    """The function's log file, written whole lines at a time: one write() per print.

    Every container of a function appends to the same file (as CloudWatch gathers
    its log streams in one group). print() writes its text and its end separately,
    and a line-buffered file flushes at the last newline of the text, so a batch's
    multi-line record reached the file in two writes, and another container's line
    could land between them, gluing two JSON documents on one line. A write() of
    an O_APPEND file is not interleaved with another's, so complete lines go in one.
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._pending = ""

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            complete, _, self._pending = self._pending.rpartition("\n")
            data = (complete + "\n").encode("utf-8", "backslashreplace")
            while data:
                data = data[os.write(self._fd, data) :]
        return len(text)


def log_guard(log: Any, denied: str) -> None:
    """A refused call in the function's log, where a local user looks first."""
    log.write(json.dumps({"level": "WARN", "source": "local-runner-iam-guard", "message": f"AccessDenied: {denied}"}) + "\n")


def unhandled_error_record(error: Exception) -> dict[str, Any]:
    """The record Lambda's Python runtime logs for an unhandled error (JSON log format)."""
    return {
        "level": "ERROR",
        "errorType": type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


class LayerGuard(importlib.abc.MetaPathFinder):
    """A layer's modules (cryptography, ...) are on the runner's own path: a function imports them
    only if it carries the layer, as on Lambda, where they are nowhere else."""

    def __init__(self, layer_modules: list[str], lent: list[str]) -> None:
        self.refused = frozenset(layer_modules) - frozenset(lent)

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.partition(".")[0] in self.refused:
            raise ModuleNotFoundError(f"No module named '{name}' (the function does not carry the public-key layer)", name=name)


def loaded_modules() -> dict[str, str]:
    return {name: getattr(module, "__file__", None) or "" for name, module in sorted(sys.modules.items())}


def main(spec_file: str) -> None:
    spec = json.loads(Path(spec_file).read_text())
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    log = LineLog(os.open(spec["log_file"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
    sys.stdout = sys.stderr = log
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)

    # Helpers of ours, loaded under private names: nothing is added to sys.path.
    loopback = load_by_path("_local_runner_loopback", HERE.parent / "loopback.py")
    iam_guard = load_by_path("_local_runner_iam_guard", HERE / "iam_guard.py")
    faults: dict[str, str] = {}
    policy = iam_guard.RolePolicy.from_json(spec["policy"])
    iam_guard.install(policy, spec["account"], loopback.is_loopback, faults, report=lambda denied: log_guard(log, denied))

    sys.meta_path.insert(0, LayerGuard(spec.get("layer_modules", []), spec.get("lent_modules", [])))
    sys.path.insert(0, spec["code_dir"])
    handler_file, handler_name = spec["handler"].rsplit(".", 1)
    handler = getattr(importlib.import_module(handler_file), handler_name)

    for line in sys.stdin:
        request = json.loads(line)
        faults.clear()
        faults.update(request.get("faults") or {})
        response: dict[str, Any]
        if request["type"] == "describe":
            response = {"ok": True, "result": {"pid": os.getpid(), "sys_path": sys.path, "modules": loaded_modules()}}
        else:
            context = LambdaContext(spec["function_name"], request["timeout_ms"], request.get("request_id") or str(uuid.uuid4()))
            try:
                response = {"ok": True, "result": handler(request["event"], context)}
            except Exception as error:  # the invocation fails, as Lambda reports an unhandled error
                log.write(json.dumps(unhandled_error_record(error)) + "\n")
                response = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        protocol.write(json.dumps(response) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
