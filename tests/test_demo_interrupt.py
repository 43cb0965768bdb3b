"""Ctrl-C on `make local` (issue 20, item 17): a terminal signals the whole process
group, so moto_server dies with the demo; the demo must then stop cleanly (exit
130, no traceback) and promptly, and the same when SIGINT reaches the demo alone
(kill -INT <pid>). Each case runs `make local CONFIG=<root>` with the smallest root
the local runner serves (one HTTP API, applied in seconds): the interruption is the
same whatever was applied, and the old cleanup failed the same way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from emulator import free_port

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parent.parent
SERVING = "Ctrl-C stops."
APPLY_BOUND_SECONDS = 300
# One HTTP API, no routes: what local_runner.start needs, applied in seconds (examples/local takes a minute).
SMALLEST_ROOT = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.100, < 7.0" }
  }
}

provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["123456789012"] # moto's account: never a real one
}

resource "aws_apigatewayv2_api" "this" {
  name          = "interrupt"
  protocol_type = "HTTP"
}
"""
STOP_BOUND_SECONDS = 30  # a liveness bound, not a timing goal: the old cleanup retried for about 45 s


def collect(stream, lines: list[str], serving: threading.Event) -> None:
    """Keep what a pipe says (readline blocks: one thread per pipe) and say when the stack is up."""
    for line in stream:
        lines.append(line)
        if SERVING in line:
            serving.set()
    serving.set()  # the demo ended


def as_a_terminal_starts_it() -> None:
    """A terminal's foreground job starts with SIGINT at its default. A test runner started in
    the background by a non-interactive shell has SIGINT ignored, and an ignored signal stays
    ignored across exec: Python would then never raise KeyboardInterrupt in the demo."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("whole_group", [True, False], ids=["terminal-ctrl-c", "sigint-to-the-demo"])
def test_ctrl_c_stops_the_local_stack_cleanly(whole_group, tmp_path):
    (tmp_path / "main.tf").write_text(SMALLEST_ROOT)
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "demo.py"),
            "--keep-running",
            "--port",
            str(free_port()),
            "--config",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a foreground job
        preexec_fn=as_a_terminal_starts_it,  # noqa: PLW1509 - one signal call, no lock taken
    )
    out: list[str] = []
    err: list[str] = []
    serving = threading.Event()
    readers = [
        threading.Thread(target=collect, args=(pipe, lines, serving), daemon=True)
        for pipe, lines in ((process.stdout, out), (process.stderr, err))
    ]
    for reader in readers:
        reader.start()
    try:
        serving.wait(APPLY_BOUND_SECONDS)
        assert process.poll() is None and any(SERVING in line for line in out), "".join(out + err)
        signalled = time.monotonic()
        if whole_group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            os.kill(process.pid, signal.SIGINT)
        process.wait(timeout=STOP_BOUND_SECONDS)
        elapsed = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for reader in readers:
            reader.join(timeout=10)
    stderr = "".join(err)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    assert elapsed < STOP_BOUND_SECONDS
