"""Upgrading the module never destroys or replaces what holds data.

Applies the root module as it was on a baseline commit (checked out from git
into a temporary directory) to a moto_server, then points the same state at
this working tree, plans, and reads the plan as JSON: no table, queue, secret or
log group may be destroyed or replaced, and no function or role either (the
moved blocks must carry them). The new code is then applied over the old state,
and a plan repeated after that apply must show no changes.

Baselines: the first release (which also proves the moves into modules/_function
of 2.0.0) and main before each source became one normalised object (issue 21),
without sources and with a mix of them; each apply costs minutes, so a release
in between is not applied again. Keep this test for
every change of resource addresses; add a baseline only for a commit users may
be running.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

from emulator import emulator_env, running_moto_server

ROOT = Path(__file__).resolve().parent.parent
FIRST_RELEASE = "0ec900cf2b5b98efc54636ee62381a0d04382e1f"  # 1.0.0
# main before the sources were normalised once at the root (3.1.0 and issue 21's first items).
BEFORE_ONE_SOURCE_MODEL = "b7d5289a08ef1816a568b93f608a11720c87efdd"

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
  consumer = { enabled = false%(consumer)s }
  table    = { deletion_protection_enabled = false, ttl_attribute = "expiresAt", ttl_days = 7 }
%(extra)s}
"""
# The first release had no ordering guard.
ORDERING = ', ordering_attribute = "version"'
# Every kind of source: Basic, token, open and signed, claim-check verified at the edge, archived.
SOURCES = """
  sources = {
    default = {}
    orders  = { auth = "token", archive = true }
    github  = { auth = "none", event_key = "x-github-delivery", signature = { scheme = "github" } }
    big     = { auth = "none", delivery = "claim-check", signature = { scheme = "stripe" }, event_key = "/id" }
  }
  payloads = { force_destroy = true }
"""

# id: (baseline commit, extra consumer settings, extra root inputs, moved into modules/_function and modules/_role)
BASELINES = {
    "first_release": (FIRST_RELEASE, "", "", True),
    "before_one_source_model": (BEFORE_ONE_SOURCE_MODEL, ORDERING, "", False),
    "before_one_source_model_with_sources": (BEFORE_ONE_SOURCE_MODEL, ORDERING, SOURCES, False),
}


def baseline_tree(commit: str, destination: Path) -> Path:
    """The repository at a baseline commit, extracted from git (fetched if the clone is shallow)."""
    if not _has_commit(commit):
        subprocess.run(["git", "fetch", "--quiet", "origin", commit], cwd=ROOT, check=False)
    if not _has_commit(commit):
        pytest.fail(f"the upgrade baseline {commit} is not in this clone and could not be fetched: clone with history")
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True)
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


def use_module_from(stack: Path, source: Path, consumer: str, extra: str) -> None:
    relative = os.path.relpath(source, stack)  # Terraform takes only ./ or ../ paths as local sources
    (stack / "main.tf").write_text(ROOT_CONFIG % {"source": relative, "consumer": consumer, "extra": extra})


def harmful_changes(plan: dict) -> list[str]:
    """Planned changes that would destroy or replace a stateful or identity resource."""
    found = []
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if "delete" in actions and change["type"] in STATEFUL | IDENTITY:
            found.append(f"{change['address']}: {'/'.join(actions)}")
    return found


@pytest.mark.parametrize("baseline", list(BASELINES))
def test_upgrading_keeps_every_stateful_resource(baseline: str, tmp_path: Path) -> None:
    commit, consumer, extra, moved_into_modules = BASELINES[baseline]
    old = baseline_tree(commit, tmp_path / "baseline")
    stack = tmp_path / "stack"
    stack.mkdir()
    with running_moto_server(tmp_path / "moto.log") as endpoint:
        env = emulator_env(endpoint)
        use_module_from(stack, old, consumer, extra)
        terraform(["init", "-input=false", "-backend=false"], stack, env)
        terraform(["apply", "-auto-approve", "-input=false"], stack, env)

        use_module_from(stack, ROOT, consumer, extra)
        terraform(["init", "-input=false", "-backend=false"], stack, env)
        terraform(["plan", "-input=false", "-out=upgrade.plan"], stack, env)
        plan = json.loads(terraform(["show", "-json", "upgrade.plan"], stack, env))

        assert harmful_changes(plan) == []
        moved = {
            change["previous_address"]: change["address"] for change in plan["resource_changes"] if "previous_address" in change
        }
        if moved_into_modules:
            # The functions, roles and log groups moved into modules/_function and
            # modules/_role: the plan must carry them over, not create new ones.
            for resource in ("aws_lambda_function.this[0]", "aws_iam_role.this[0]", "aws_cloudwatch_log_group.this[0]"):
                for module in ("auth", "consumer"):
                    assert f"module.webhook_ingest.module.{module}.{resource}" in moved, sorted(moved)
            assert "module.webhook_ingest.module.api.aws_iam_role.integration[0]" in moved
            assert "module.webhook_ingest.module.api.aws_cloudwatch_log_group.access[0]" in moved
        else:
            # One source model: nothing moves, the API and every role stay as they are; only
            # functions update in place (new code, and the SOURCES the consumer now always reads).
            assert moved == {}
            unexpected = [change for change in real_changes(plan) if not expected_change(change)]
            assert unexpected == []
        created = [
            change["address"]
            for change in plan["resource_changes"]
            if change["change"]["actions"] == ["create"] and change["type"] in STATEFUL | IDENTITY
        ]
        assert created == []

        terraform(["apply", "-input=false", "upgrade.plan"], stack, env)
        # A plan repeated after the apply shows no changes but the emulator's own.
        terraform(["plan", "-input=false", "-out=again.plan"], stack, env)
        again = json.loads(terraform(["show", "-json", "again.plan"], stack, env))
        assert real_changes(again) == []


# What may change on an upgrade from before the one source model: functions (new
# code; the SOURCES the consumer now always reads; the edge function's routes and
# their policy), the dashboard (its edge widget), and the trust boundary (issue 22): the open signed github source,
# which carries headers, moves from API Gateway's SQS integration to the edge
# function (its SQS integration and that integration's trigger go, an edge
# integration comes, its route points at it). Nothing else.
API = r"module\.webhook_ingest\.module\.api\."
EXPECTED_CHANGES = (
    re.compile(r".*\.aws_lambda_function\.this\[0\]: update"),
    # The dashboard gains its edge widget.
    re.compile(r"module\.webhook_ingest\.aws_cloudwatch_dashboard\.this\[0\]: update"),
    re.compile(r"module\.webhook_ingest\.module\.front\.module\.function\.module\.role\.aws_iam_role_policy\.this\[0\]: update"),
    re.compile(API + r'aws_apigatewayv2_integration\.this\["github"\]: delete'),
    re.compile(API + r'terraform_data\.integration_parameters\["github"\]: delete'),
    re.compile(API + r'aws_apigatewayv2_integration\.claim_check\["(github|big)"\]: (create|update)'),
    re.compile(API + r'aws_apigatewayv2_route\.this\["github"\]: update'),
)


def expected_change(change: str) -> bool:
    return any(pattern.fullmatch(change) for pattern in EXPECTED_CHANGES)


def real_changes(plan: dict) -> list[str]:
    """Planned changes, less two moto artefacts (../shared/REFERENCES.md, moto gaps):
    moto returns a queue's RedrivePolicy re-spaced, so a whitespace-only update is
    planned, and its SetQueueAttributes for that update drops the queue's Policy,
    which is then planned again. Any other difference is real."""
    found = []
    for change in plan.get("resource_changes", []):
        actions, before, after = change["change"]["actions"], change["change"]["before"], change["change"]["after"]
        if actions == ["no-op"] or change["mode"] == "data":
            continue
        if change["type"] == "aws_sqs_queue" and actions == ["update"] and _same_but_redrive_spacing(before, after):
            continue
        if change["type"] == "aws_sqs_queue_policy" and any(
            other["type"] == "aws_sqs_queue" and other["change"]["actions"] == ["update"] for other in plan["resource_changes"]
        ):
            continue
        found.append(f"{change['address']}: {'/'.join(actions)}")
    return found


def _same_but_redrive_spacing(before: dict, after: dict) -> bool:
    def parsed(value: object) -> object:
        return json.loads(value) if isinstance(value, str) and value else value

    differing = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    return differing <= {"redrive_policy"} and parsed(before.get("redrive_policy")) == parsed(after.get("redrive_policy"))
