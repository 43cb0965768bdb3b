#!/usr/bin/env python3
"""Point Terraform at a local provider mirror when the machine has one.

Machines without registry access ship the AWS provider as a filesystem mirror
(default /opt/tf-plugins). There we write a project-local CLI config (gitignored)
naming that mirror and return it through TF_CLI_CONFIG_FILE. On a machine
without the mirror we change nothing: Terraform keeps its normal registry
behaviour and the user's own CLI config.

Usage: `python3 scripts/tfsetup.py` prints the config path to export, or nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI_CONFIG_PATH = ROOT / ".terraform-cli.tfrc"
DEFAULT_MIRROR = Path("/opt/tf-plugins")


def mirror_dir() -> Path | None:
    candidate = Path(os.environ.get("TF_PROVIDER_MIRROR", str(DEFAULT_MIRROR)))
    return candidate if (candidate / "registry.terraform.io").is_dir() else None


def cli_config_text(mirror: Path) -> str:
    # Only the AWS provider comes from the mirror; everything else would go to
    # the registry, which is exactly what the module promises not to need.
    return (
        "# Written by scripts/tfsetup.py: use the machine's provider mirror.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror.as_posix()}"\n'
        '    include = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "}\n"
    )


def ensure_cli_config() -> Path | None:
    """Write the CLI config if a mirror exists (only when its text changed)."""
    mirror = mirror_dir()
    if mirror is None:
        return None
    text = cli_config_text(mirror)
    if not CLI_CONFIG_PATH.is_file() or CLI_CONFIG_PATH.read_text() != text:
        CLI_CONFIG_PATH.write_text(text)
    return CLI_CONFIG_PATH


def terraform_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for running terraform from the project's scripts and tests."""
    env = dict(os.environ if base is None else base)
    config = ensure_cli_config()
    if config is not None:
        env["TF_CLI_CONFIG_FILE"] = str(config)
    env.setdefault("TF_IN_AUTOMATION", "1")
    env.setdefault("CHECKPOINT_DISABLE", "1")  # no version check call home
    return env


if __name__ == "__main__":
    path = ensure_cli_config()
    if path is not None:
        print(path)
    sys.exit(0)
