#!/usr/bin/env python3
"""Every check the project has, in order, with timings: what `make test` runs.

Exits non-zero if any check fails; the remaining checks still run so one
report shows everything that is wrong.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tfsetup import ROOT, terraform_env

VENV_BIN = ROOT / ".venv" / "bin"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
PYTHON_DIRS = ["functions", "scripts", "tests", "bench"]


def terraform_dirs() -> list[Path]:
    """Root, every module and every example that holds Terraform code."""
    candidates = [ROOT, *sorted((ROOT / "modules").iterdir()), *sorted((ROOT / "examples").iterdir())]
    return [d for d in candidates if d.is_dir() and any(d.glob("*.tf"))]


def run(command: list[str], cwd: Path = ROOT, quiet: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=cwd,
        env=terraform_env(),
        text=True,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
        check=False,
    )


def check_ruff() -> bool:
    directories = [name for name in PYTHON_DIRS if (ROOT / name).is_dir()]
    lint = run([str(VENV_BIN / "ruff"), "check", *directories])
    fmt = run([str(VENV_BIN / "ruff"), "format", "--check", *directories])
    return lint.returncode == 0 and fmt.returncode == 0


def check_terraform_fmt() -> bool:
    return run(["terraform", "fmt", "-check", "-recursive", "-diff"]).returncode == 0


def check_packages() -> bool:
    return run([sys.executable, "scripts/build.py", "--check"]).returncode == 0


def check_public_key_layer() -> bool:
    return run([sys.executable, "scripts/build_layer.py", "--check"]).returncode == 0


def check_docs() -> bool:
    return run([sys.executable, "scripts/docs.py", "--check"]).returncode == 0


def check_terraform_validate() -> bool:
    ok = True
    for directory in terraform_dirs():
        shown = directory.relative_to(ROOT).as_posix() or "."
        # validate first: after the first run .terraform is in place and init
        # (a few seconds per directory) is only needed when modules changed.
        result = run(["terraform", "validate", "-no-color"], cwd=directory, quiet=True)
        if result.returncode != 0:
            init = run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], cwd=directory, quiet=True)
            if init.returncode != 0:
                print(f"  {shown}: terraform init failed\n{init.stdout}")
                ok = False
                continue
            result = run(["terraform", "validate", "-no-color"], cwd=directory, quiet=True)
        status = "ok" if result.returncode == 0 else "FAILED"
        print(f"  {shown}: {status}")
        if result.returncode != 0:
            print(result.stdout)
            ok = False
    return ok


def start_checkov() -> Callable[[], bool]:
    """checkov, started at once beside the checks before it (it only reads the .tf files; on two
    cores it takes as long as terraform validate): the returned call waits for it and prints its report."""
    command = [
        str(CHECKOV),
        "--directory",
        ".",
        "--framework",
        "terraform",
        "--skip-download",
        "--quiet",
        "--compact",
        "--skip-path",
        r"\.terraform",
        "--skip-path",
        r"\.venv",
    ]
    output = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    process = subprocess.Popen(command, cwd=ROOT, env=terraform_env(), text=True, **output)

    def finish() -> bool:
        report, _ = process.communicate()
        print(report, end="", flush=True)
        return process.returncode == 0

    return finish


def check_pytest() -> bool:
    # The slowest tests are listed so that a CI log shows where its minutes go.
    return run([str(VENV_BIN / "python"), "-m", "pytest", "tests", "--durations=25"]).returncode == 0


CHECKS = [
    ("ruff (lint + format)", check_ruff),
    ("terraform fmt", check_terraform_fmt),
    ("Lambda packages match sources", check_packages),
    ("public-key layer matches its pinned wheels", check_public_key_layer),
    ("README tables match the code", check_docs),
    ("terraform validate", check_terraform_validate),
    ("pytest (unit, terraform test, end-to-end)", check_pytest),
]
# Checks started when the run starts and reported in their place: (title, start, the check they come after).
BACKGROUND = [("checkov", start_checkov, "terraform validate")]


def main(argv: list[str]) -> int:
    wanted = [(title, check) for title, check in CHECKS if not argv or any(a.lower() in title.lower() for a in argv)]
    background = [entry for entry in BACKGROUND if not argv or any(a.lower() in entry[0].lower() for a in argv)]
    started_at = time.monotonic()
    waiting = {after: (title, start()) for title, start, after in background}  # started now, reported later
    selected = []
    for title, check in wanted:
        selected.append((title, check, None))
        if title in waiting:
            selected.append((waiting[title][0], waiting.pop(title)[1], started_at))
    selected += [(title, finish, started_at) for title, finish in waiting.values()]  # after a check not selected
    results = []
    for title, check, began in selected:
        print(f"==> {title}" + (" (started with the run, beside the checks above)" if began is not None else ""), flush=True)
        started = time.monotonic() if began is None else began
        ok = check()
        elapsed = time.monotonic() - started
        results.append((title, ok, elapsed))
        print(f"<== {title}: {'passed' if ok else 'FAILED'} in {elapsed:.1f}s", flush=True)
    print("\nSummary:")
    for title, ok, elapsed in results:
        print(f"  {'PASS' if ok else 'FAIL'}  {title:45s} {elapsed:7.1f}s")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
