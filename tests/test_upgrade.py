"""Upgrading the module never destroys or replaces what holds data.

Applies the root module as it was on BASELINE_COMMIT (checked out from git into
a temporary directory) to a moto_server, then points the same state at this
working tree, plans, and reads the plan as JSON: no table, queue, secret or log
group may be destroyed or replaced, and no function or role either (the moved
blocks must carry them). The new code is then applied over the old state.

Keep this test for every change of resource addresses; move BASELINE_COMMIT
forward only to a commit users may be running.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

from emulator import emulator_env, running_moto_server

ROOT = Path(__file__).resolve().parent.parent
# The last commit before the Lambda plumbing moved into modules/_function.
BASELINE_COMMIT = "a282e073477bbfc09779a54aff9aa94af1b0a865"

# Destroying one of these loses data (messages, items, credentials, logs, archived bodies);
# creating one on upgrade means a user who did not opt in got a new bucket.
STATEFUL = {"aws_dynamodb_table", "aws_sqs_queue", "aws_secretsmanager_secret", "aws_cloudwatch_log_group", "aws_s3_bucket"}
# Replacing one of these interrupts the pipeline or changes what others trust.
IDENTITY = {"aws_lambda_function", "aws_iam_role", "aws_apigatewayv2_api", "aws_apigatewayv2_stage", "aws_kms_key"}

pytestmark = pytest.mark.terraform

# Settings the emulator needs (see examples/local), in the names the baseline
# accepts: an upgrade must not force users to rename anything.
ROOT_CONFIG = """
provider "aws" {
  allowed_account_ids = ["123456789012"]
}

module "webhook_ingest" {
  source = "%(source)s"

  name                  = "upgrade"
  log_retention_in_days = 30

  auth     = { secret_recovery_window_in_days = 0 }
  queue    = { redrive_allow_policy_enabled = false }
  consumer = { enabled = false, ordering_attribute = "version" }
  table    = { deletion_protection_enabled = false, ttl_attribute = "expiresAt", ttl_days = 7 }
}
"""


def baseline_tree(destination: Path) -> Path:
    """The repository at BASELINE_COMMIT, extracted from git (fetched if the clone is shallow)."""
    if not _has_commit(BASELINE_COMMIT):
        subprocess.run(["git", "fetch", "--quiet", "origin", BASELINE_COMMIT], cwd=ROOT, check=False)
    if not _has_commit(BASELINE_COMMIT):
        pytest.fail(f"the upgrade baseline {BASELINE_COMMIT} is not in this clone and could not be fetched: clone with history")
    archive = subprocess.run(["git", "archive", "--format=tar", BASELINE_COMMIT], cwd=ROOT, capture_output=True, check=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(destination, filter="data")
    return destination


def _has_commit(commit: str) -> bool:
    probe = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True, check=False)
    return probe.returncode == 0


def terraform(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(["terraform", *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"terraform {args[0]} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout


def use_module_from(stack: Path, source: Path) -> None:
    relative = os.path.relpath(source, stack)  # Terraform takes only ./ or ../ paths as local sources
    (stack / "main.tf").write_text(ROOT_CONFIG % {"source": relative})


def harmful_changes(plan: dict) -> list[str]:
    """Planned changes that would destroy or replace a stateful or identity resource."""
    found = []
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if "delete" in actions and change["type"] in STATEFUL | IDENTITY:
            found.append(f"{change['address']}: {'/'.join(actions)}")
    return found


def test_upgrading_from_the_baseline_keeps_every_stateful_resource(tmp_path: Path) -> None:
    baseline = baseline_tree(tmp_path / "baseline")
    stack = tmp_path / "stack"
    stack.mkdir()
    with running_moto_server(tmp_path / "moto.log") as endpoint:
        env = emulator_env(endpoint)
        use_module_from(stack, baseline)
        terraform(["init", "-input=false", "-backend=false"], stack, env)
        terraform(["apply", "-auto-approve", "-input=false"], stack, env)

        use_module_from(stack, ROOT)
        terraform(["init", "-input=false", "-backend=false"], stack, env)
        terraform(["plan", "-input=false", "-out=upgrade.plan"], stack, env)
        plan = json.loads(terraform(["show", "-json", "upgrade.plan"], stack, env))

        assert harmful_changes(plan) == []
        moved = {
            change["previous_address"]: change["address"] for change in plan["resource_changes"] if "previous_address" in change
        }
        # The functions, roles and log groups moved into modules/_function and
        # modules/_role: the plan must carry them over, not create new ones.
        for resource in ("aws_lambda_function.this[0]", "aws_iam_role.this[0]", "aws_cloudwatch_log_group.this[0]"):
            for module in ("auth", "consumer"):
                assert f"module.webhook_ingest.module.{module}.{resource}" in moved, sorted(moved)
        assert "module.webhook_ingest.module.api.aws_iam_role.integration[0]" in moved
        assert "module.webhook_ingest.module.api.aws_cloudwatch_log_group.access[0]" in moved
        created = [
            change["address"]
            for change in plan["resource_changes"]
            if change["change"]["actions"] == ["create"] and change["type"] in STATEFUL | IDENTITY
        ]
        assert created == []

        terraform(["apply", "-input=false", "upgrade.plan"], stack, env)
