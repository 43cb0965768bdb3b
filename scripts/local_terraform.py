"""Apply, plan and destroy examples/local (the real root module) against moto."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tfsetup import ROOT, terraform_env

LOCAL_EXAMPLE = ROOT / "examples" / "local"


class TerraformFailed(RuntimeError):
    pass


@dataclass
class LocalDeployment:
    endpoint: str
    state_dir: Path
    name: str = "webhooks-local"
    extra_vars: tuple[str, ...] = ()

    @property
    def state_file(self) -> Path:
        return self.state_dir / "terraform.tfstate"

    def _vars(self) -> list[str]:
        return [f"-var=endpoint={self.endpoint}", f"-var=name={self.name}", *(f"-var={v}" for v in self.extra_vars)]

    def terraform(self, *args: str, check: bool = True, quiet: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["terraform", f"-chdir={LOCAL_EXAMPLE}", *args],
            env=terraform_env(),
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

    def outputs(self) -> dict:
        raw = self.terraform("output", "-json", f"-state={self.state_file}").stdout
        return {name: value["value"] for name, value in json.loads(raw).items()}

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
