"""`terraform test` for the root module and every submodule, against moto_server.

The .tftest.hcl files hold the assertions (IAM action lists, defaults, toggles,
validations, a real apply); this file runs them, two at a time, each against
its own moto_server on 127.0.0.1 (named in AWS_ENDPOINT_URL, with dummy
credentials), and reports each file as one pytest test.
"""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from emulator import emulator_env, running_moto_server
from tfsetup import terraform_env

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.terraform
# The discard port: nothing listens, so a call from a mocked test fails at once, locally.
NOWHERE = "http://127.0.0.1:9"


def terraform_test_files() -> list[tuple[Path, str]]:
    """(directory to run in, test file relative to it), longest-running first."""
    found = [(ROOT, path.relative_to(ROOT).as_posix()) for path in sorted((ROOT / "tests").glob("*.tftest.hcl"))]
    for module in [*sorted((ROOT / "modules").iterdir()), *sorted((ROOT / "examples").iterdir())]:
        found += [(module, path.relative_to(module).as_posix()) for path in sorted((module / "tests").glob("*.tftest.hcl"))]
    return sorted(found, key=lambda pair: ("apply" not in pair[1], "validation" not in pair[1], str(pair)))


def run_terraform_test(directory: Path, test_file: str, log_dir: Path) -> subprocess.CompletedProcess:
    """One test file against its own moto_server: files cannot see each other's
    resources, and one slow emulator cannot time out two Terraform runs."""
    if "mock_provider" in (directory / test_file).read_text():
        # Mocked files need no emulator; an unused loopback port still catches any stray call.
        return _terraform_test(directory, test_file, NOWHERE)
    log = log_dir / (re.sub(r"[^A-Za-z0-9]+", "_", f"{directory.name}_{test_file}") + ".log")
    with running_moto_server(log) as endpoint:
        return _terraform_test(directory, test_file, endpoint)


def _terraform_test(directory: Path, test_file: str, endpoint: str) -> subprocess.CompletedProcess:
    env = emulator_env(endpoint)
    init = subprocess.run(
        ["terraform", "init", "-backend=false", "-input=false", "-no-color"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        return init
    return subprocess.run(
        ["terraform", "test", "-no-color", f"-filter={test_file}"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def terraform_results(tmp_path_factory):
    """Start every terraform test file at once (two in parallel: two cores)."""
    log_dir = tmp_path_factory.mktemp("moto")
    with ThreadPoolExecutor(max_workers=2) as pool:
        # init writes .terraform per directory: do each directory's first init alone.
        for directory in {directory for directory, _ in terraform_test_files()}:
            subprocess.run(
                ["terraform", "init", "-backend=false", "-input=false"],
                cwd=directory,
                env=terraform_env(),
                capture_output=True,
                check=False,
            )
        futures: dict[str, Future] = {
            f"{directory.relative_to(ROOT).as_posix() or '.'}/{test_file}": pool.submit(
                run_terraform_test, directory, test_file, log_dir
            )
            for directory, test_file in terraform_test_files()
        }
        yield futures


@pytest.mark.parametrize(
    "test_id",
    [f"{d.relative_to(ROOT).as_posix() or '.'}/{f}" for d, f in terraform_test_files()],
)
def test_terraform_test_file_passes(terraform_results, test_id):
    result = terraform_results[test_id].result()
    summary = [line for line in result.stdout.splitlines() if line.startswith(("Success!", "Failure!"))]
    print(f"{test_id}: {summary[-1] if summary else 'no summary'}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary and summary[-1].startswith("Success!") and " 0 failed" in summary[-1]
    assert "skipped" not in summary[-1] or " 0 skipped" in summary[-1]
