"""Shared fixtures: load the Lambda sources as Lambda would, with dummy AWS settings."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"

# Lambda puts a package's root on sys.path; helper module names are unique
# across the two packages, so both roots can be on the path at once.
for _name in ("authorizer", "consumer"):
    if str(FUNCTIONS / _name) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS / _name))
sys.path.insert(0, str(ROOT / "scripts"))


def load_handler_module(function: str) -> ModuleType:
    """functions/<function>/app.py under the unique name <function>_app."""
    spec = importlib.util.spec_from_file_location(f"{function}_app", FUNCTIONS / function / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def dummy_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never reach real AWS: dummy credentials and a fixed region for every test."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
