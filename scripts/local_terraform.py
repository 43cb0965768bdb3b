"""Apply, plan and destroy a Terraform root against moto: examples/local (the
real root module with the local profile) by default, or any root of yours that
uses the module with the same local settings (make local CONFIG=DIR).

Terraform reaches moto through AWS_ENDPOINT_URL (emulator_env), so the root
needs no endpoint settings of its own. State lives in state_dir, never in the
root's directory."""

from __future__ import annotations

import json
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from emulator import emulator_env
from tfsetup import ROOT

LOCAL_EXAMPLE = ROOT / "examples" / "local"


class TerraformFailed(RuntimeError):
    pass


@dataclass
class LocalDeployment:
    endpoint: str
    state_dir: Path
    name: str = "webhooks-local"
    extra_vars: tuple[str, ...] = ()
    config_dir: Path = LOCAL_EXAMPLE

    @property
    def state_file(self) -> Path:
        return self.state_dir / "terraform.tfstate"

    def _vars(self) -> list[str]:
        # A root of the user's own takes its variables from its own tfvars.
        named = [f"-var=name={self.name}"] if self.config_dir == LOCAL_EXAMPLE else []
        return [*named, *(f"-var={v}" for v in self.extra_vars)]

    def terraform(self, *args: str, check: bool = True, quiet: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["terraform", f"-chdir={self.config_dir}", *args],
            env=emulator_env(self.endpoint),
            text=True,
            capture_output=quiet,
            check=False,
        )
        if check and result.returncode != 0:
            raise TerraformFailed(f"terraform {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def init(self) -> None:
        self.terraform("init", "-backend=false", "-input=false", "-no-color")

    def apply(self) -> dict:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.init()
        self.terraform("apply", "-auto-approve", "-input=false", "-no-color", f"-state={self.state_file}", *self._vars())
        return self.outputs()

    def output_document(self) -> dict:
        """`terraform output -json` as Terraform prints it: {name: {"value", "type", "sensitive"}}."""
        return json.loads(self.terraform("output", "-json", f"-state={self.state_file}").stdout)

    def outputs(self) -> dict:
        return {name: value["value"] for name, value in self.output_document().items()}

    def output_command(self, name: str = "") -> str:
        """The command that prints this deployment's outputs (or one of them), for a person at a shell."""
        chdir = shlex.quote(f"-chdir={self.config_dir}")
        return f"terraform {chdir} output -state={shlex.quote(str(self.state_file))} -json {name}".rstrip()

    def planned_changes(self) -> list[dict]:
        """Resource changes a fresh plan proposes: [{address, actions, attributes}]."""
        plan_file = self.state_dir / "second.tfplan"
        self.terraform("plan", "-input=false", "-no-color", f"-state={self.state_file}", f"-out={plan_file}", *self._vars())
        plan = json.loads(self.terraform("show", "-json", str(plan_file)).stdout)
        changes = []
        for change in plan.get("resource_changes", []):
            actions = change["change"]["actions"]
            if actions in (["no-op"], ["read"]):
                continue
            before, after = change["change"].get("before") or {}, change["change"].get("after") or {}
            changed = sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))
            changes.append({"address": change["address"], "actions": actions, "attributes": changed})
        return changes

    def destroy(self) -> None:
        if self.state_file.exists():
            self.terraform("destroy", "-auto-approve", "-input=false", "-no-color", f"-state={self.state_file}", *self._vars())
