"""Upgrading the module never destroys or replaces what holds data.

Applies the root module as it was on each baseline commit (checked out from git
into a temporary directory) to a moto_server, then points the same state at
this working tree, plans, and reads the plan as JSON: no table, queue, secret or
log group may be destroyed or replaced, and no function or role either (the
moved blocks must carry them). The new code is then applied over the old state,
and a plan repeated after that apply must show no changes.

Baselines: the first release (which also proves the moves into modules/_function
of 2.0.0, so 2.0.0 is not applied again) and main before each source became one
normalised object (issue 21), without sources and with a mix of them. They share
one root, one moto_server and one init, apply, plan, apply and plan: one module
block per baseline, labelled with the baseline's id (so every address in a
failure says which one), each with its own `name` (so no AWS name collides) and
held to its own expectations. The applies are mostly waiting on the provider's
polling, so three baselines together cost little more than one. Keep this test
for every change of resource addresses; add a baseline only for a commit users
may be running.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

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

PROVIDER = """
provider "aws" {
  allowed_account_ids = ["123456789012"]
}
"""
# Settings the emulator needs (see examples/local), in the names the baseline
# accepts: an upgrade must not force users to rename anything.
MODULE = """
module "%(label)s" {
  source = "%(source)s"

  name                  = "%(name)s"
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

# What may change on an upgrade from before the one source model, as addresses
# inside the module block (after its module.<label>.): functions (new code; the
# SOURCES the consumer now always reads) and the dashboard (its edge widget).
# Nothing else.
EXPECTED_CHANGES = (
    r".*\.aws_lambda_function\.this\[0\]: update",
    r"aws_cloudwatch_dashboard\.this\[0\]: update",
)
# With the SOURCES above, also the edge function's policy (its routes), and the
# trust boundary (issue 22): the open signed github source, which carries
# headers, moves from API Gateway's SQS integration to the edge function (its
# SQS integration and that integration's trigger go, an edge integration comes,
# its route points at it). A module without sources has none of these addresses.
API = r"module\.api\."
EXPECTED_SOURCE_CHANGES = (
    r"module\.front\.module\.function\.module\.role\.aws_iam_role_policy\.this\[0\]: update",
    API + r'aws_apigatewayv2_integration\.this\["github"\]: delete',
    API + r'terraform_data\.integration_parameters\["github"\]: delete',
    API + r'aws_apigatewayv2_integration\.claim_check\["(github|big)"\]: (create|update)',
    API + r'aws_apigatewayv2_route\.this\["github"\]: update',
)


class Baseline(NamedTuple):
    commit: str
    name: str  # the module's `name`, unique per baseline: no AWS name may collide in the shared root
    consumer: str  # extra consumer settings
    extra: str  # extra root inputs
    # The functions, roles and log groups of modules/auth and modules/consumer, and the
    # API's role and access log group, must move (into modules/_function and modules/_role).
    moved_into_modules: bool
    # Patterns every planned change of this module must match (fullmatch, after its
    # module.<label>. prefix); None: not held to a list, its moves are checked instead.
    expected: tuple[str, ...] | None


# Baseline id (the label of its module block) and how its module is set up and judged.
BASELINES = {
    "first_release": Baseline(FIRST_RELEASE, "upgrade-first", "", "", moved_into_modules=True, expected=None),
    "before_one_source_model": Baseline(
        BEFORE_ONE_SOURCE_MODEL, "upgrade-plain", ORDERING, "", moved_into_modules=False, expected=EXPECTED_CHANGES
    ),
    "before_one_source_model_with_sources": Baseline(
        BEFORE_ONE_SOURCE_MODEL,
        "upgrade-sources",
        ORDERING,
        SOURCES,
        moved_into_modules=False,
        expected=EXPECTED_CHANGES + EXPECTED_SOURCE_CHANGES,
    ),
}
# Previous addresses, inside the module, of what moved into modules/_function and modules/_role.
MOVED_INTO_MODULES = (
    *(
        f"module.{module}.{resource}"
        for resource in ("aws_lambda_function.this[0]", "aws_iam_role.this[0]", "aws_cloudwatch_log_group.this[0]")
        for module in ("auth", "consumer")
    ),
    "module.api.aws_iam_role.integration[0]",
    "module.api.aws_cloudwatch_log_group.access[0]",
)


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


def use_modules_from(stack: Path, sources: dict[str, Path]) -> None:
    """One module block per baseline label, each from its source directory."""
    blocks = [PROVIDER]
    for label, source in sources.items():
        baseline = BASELINES[label]
        relative = os.path.relpath(source, stack)  # Terraform takes only ./ or ../ paths as local sources
        blocks.append(
            MODULE
            % {"label": label, "source": relative, "name": baseline.name, "consumer": baseline.consumer, "extra": baseline.extra}
        )
    (stack / "main.tf").write_text("".join(blocks))


def module_of(address: str) -> str | None:
    """The label of the root's module block an address is in (None: outside every one)."""
    found = re.match(r"module\.([^.\[]+)[.\[]", address)
    return found.group(1) if found else None


def harmful_changes(plan: dict) -> list[str]:
    """Planned changes that would destroy or replace a stateful or identity resource."""
    found = []
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if "delete" in actions and change["type"] in STATEFUL | IDENTITY:
            found.append(f"{change['address']}: {'/'.join(actions)}")
    return found


def unexpected_changes(plan: dict) -> list[str]:
    """Real planned changes that no pattern of their module's baseline allows."""
    found = []
    for change in real_changes(plan):
        label = module_of(change)
        if label not in BASELINES:
            found.append(change)
            continue
        expected = BASELINES[label].expected
        prefix = re.escape(f"module.{label}.")
        if expected is not None and not any(re.fullmatch(prefix + pattern, change) for pattern in expected):
            found.append(change)
    return found


def test_upgrading_keeps_every_stateful_resource(tmp_path: Path) -> None:
    trees = {commit: baseline_tree(commit, tmp_path / commit) for commit in {b.commit for b in BASELINES.values()}}
    stack = tmp_path / "stack"
    stack.mkdir()
    with running_moto_server(tmp_path / "moto.log") as endpoint:
        env = emulator_env(endpoint)
        use_modules_from(stack, {label: trees[baseline.commit] for label, baseline in BASELINES.items()})
        terraform(["init", "-input=false", "-backend=false"], stack, env)
        terraform(["apply", "-auto-approve", "-input=false"], stack, env)

        use_modules_from(stack, dict.fromkeys(BASELINES, ROOT))
        terraform(["init", "-input=false", "-backend=false"], stack, env)
        terraform(["plan", "-input=false", "-out=upgrade.plan"], stack, env)
        plan = json.loads(terraform(["show", "-json", "upgrade.plan"], stack, env))

        harmful = harmful_changes(plan)
        assert harmful == [], "destroyed or replaced:\n" + "\n".join(harmful)
        moved = {
            change["previous_address"]: change["address"] for change in plan["resource_changes"] if "previous_address" in change
        }
        for label, baseline in BASELINES.items():
            mine = {old: new for old, new in moved.items() if label in (module_of(old), module_of(new))}
            if baseline.moved_into_modules:
                # The plan must carry them over, not create new ones.
                wanted = [f"module.{label}.{address}" for address in MOVED_INTO_MODULES]
                missing = [address for address in wanted if address not in mine]
                assert missing == [], f"{label}: not carried over by a moved block: {missing}"
            else:
                # One source model: nothing moves, the API and every role stay as they are; only
                # functions update in place (new code, and the SOURCES the consumer now always reads).
                assert mine == {}, f"{label}: nothing may move: {mine}"
        unexpected = unexpected_changes(plan)
        assert unexpected == [], "changes that no pattern of their module's baseline allows:\n" + "\n".join(unexpected)
        created = [
            change["address"]
            for change in plan["resource_changes"]
            if change["change"]["actions"] == ["create"] and change["type"] in STATEFUL | IDENTITY
        ]
        assert created == [], "stateful or identity resources created:\n" + "\n".join(created)

        terraform(["apply", "-input=false", "upgrade.plan"], stack, env)
        # A plan repeated after the apply shows no changes but the emulator's own.
        terraform(["plan", "-input=false", "-out=again.plan"], stack, env)
        again = json.loads(terraform(["show", "-json", "again.plan"], stack, env))
        left = real_changes(again)
        assert left == [], "planned again after the apply:\n" + "\n".join(left)


def real_changes(plan: dict) -> list[str]:
    """Planned changes, less two moto artefacts (../shared/REFERENCES.md, moto gaps):
    moto returns a queue's RedrivePolicy re-spaced, so a whitespace-only update is
    planned, and its SetQueueAttributes for that update drops the queue's Policy,
    which is then planned again (in the same module block). Any other difference is real."""
    found = []
    for change in plan.get("resource_changes", []):
        actions, before, after = change["change"]["actions"], change["change"]["before"], change["change"]["after"]
        if actions == ["no-op"] or change["mode"] == "data":
            continue
        if change["type"] == "aws_sqs_queue" and actions == ["update"] and _same_but_redrive_spacing(before, after):
            continue
        if change["type"] == "aws_sqs_queue_policy" and any(
            other["type"] == "aws_sqs_queue"
            and other["change"]["actions"] == ["update"]
            and module_of(other["address"]) == module_of(change["address"])
            for other in plan["resource_changes"]
        ):
            continue
        found.append(f"{change['address']}: {'/'.join(actions)}")
    return found


def _same_but_redrive_spacing(before: dict, after: dict) -> bool:
    def parsed(value: object) -> object:
        return json.loads(value) if isinstance(value, str) and value else value

    differing = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    return differing <= {"redrive_policy"} and parsed(before.get("redrive_policy")) == parsed(after.get("redrive_policy"))
