"""scripts/tfsetup.py: the provider mirror is used where it exists, and only there."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import tfsetup

ROOT = Path(__file__).resolve().parent.parent


def test_no_mirror_means_terraform_keeps_its_own_configuration(monkeypatch, tmp_path):
    monkeypatch.setenv("TF_PROVIDER_MIRROR", str(tmp_path / "absent"))
    assert tfsetup.mirror_dir() is None
    assert tfsetup.ensure_cli_config() is None
    env = tfsetup.terraform_env({"TF_CLI_CONFIG_FILE": "/home/me/.terraformrc", "PATH": "/usr/bin"})
    assert env["TF_CLI_CONFIG_FILE"] == "/home/me/.terraformrc"  # the user's own config, untouched


def test_a_mirror_gets_a_cli_config_naming_it(monkeypatch, tmp_path):
    mirror = tmp_path / "plugins"
    (mirror / "registry.terraform.io").mkdir(parents=True)
    monkeypatch.setenv("TF_PROVIDER_MIRROR", str(mirror))
    monkeypatch.setattr(tfsetup, "CLI_CONFIG_PATH", tmp_path / "cli.tfrc")
    path = tfsetup.ensure_cli_config()
    assert path == tmp_path / "cli.tfrc"
    text = path.read_text()
    assert f'path    = "{mirror.as_posix()}"' in text and "filesystem_mirror" in text
    assert tfsetup.terraform_env({})["TF_CLI_CONFIG_FILE"] == str(path)


@pytest.mark.skipif(tfsetup.mirror_dir() is None, reason="this machine has no provider mirror (Terraform uses its registry)")
def test_terraform_init_of_the_root_module_works_offline_from_the_mirror(tmp_path):
    copy = tmp_path / "module"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".terraform*", ".venv*", ".git", "tests", "examples", "bench"))
    env = tfsetup.terraform_env()
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")  # any network use would fail
    result = subprocess.run(
        ["terraform", "init", "-backend=false", "-input=false", "-no-color"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hashicorp/aws v5.100.0" in result.stdout
