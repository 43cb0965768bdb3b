"""The local runner lends the public-key layer's modules only to functions that carry the layer.

The runner's workers run on the dev venv, where cryptography is installed: without this guard
a function that imports it without the layer would pass locally and fail on Lambda.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from local_runner.lambda_runtime import PACKAGES, layer_modules, lent_modules

WORKER = Path(__file__).resolve().parent.parent / "scripts" / "local_runner" / "worker.py"


def load_worker():
    spec = importlib.util.spec_from_file_location("_runner_worker_under_test", WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_layers_modules_are_cryptography_and_cffis():
    assert {"cryptography", "_cffi_backend", "cffi"} <= layer_modules()


@pytest.fixture
def lambda_client(monkeypatch: pytest.MonkeyPatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield boto3.client("lambda", region_name="us-east-1")


def published(client, zip_file: Path) -> str:
    return client.publish_layer_version(LayerName="fn-public-key", Content={"ZipFile": zip_file.read_bytes()})["LayerVersionArn"]


def test_a_function_with_the_layer_of_its_architecture_is_lent_its_modules(lambda_client):
    arn = published(lambda_client, PACKAGES / "public-key-arm64.zip")
    configuration = {"FunctionName": "fn", "Architectures": ["arm64"], "Layers": [{"Arn": arn}]}
    assert "cryptography" in lent_modules(configuration, lambda_client)
    assert lent_modules({"FunctionName": "fn", "Architectures": ["arm64"]}, lambda_client) == []


def test_a_layer_of_another_architecture_or_unknown_content_is_refused(lambda_client):
    arn = published(lambda_client, PACKAGES / "public-key-x86_64.zip")
    with pytest.raises(RuntimeError, match=r"is not packages/public-key-arm64\.zip"):
        lent_modules({"FunctionName": "fn", "Architectures": ["arm64"], "Layers": [{"Arn": arn}]}, lambda_client)
    other = published(lambda_client, PACKAGES / "consumer.zip")
    with pytest.raises(RuntimeError):
        lent_modules({"FunctionName": "fn", "Architectures": ["x86_64"], "Layers": [{"Arn": other}]}, lambda_client)


def test_the_worker_refuses_a_layer_module_it_was_not_lent():
    guard = load_worker().LayerGuard(sorted(layer_modules()), [])
    with pytest.raises(ModuleNotFoundError, match="public-key layer"):
        guard.find_spec("cryptography.hazmat.primitives")
    assert guard.find_spec("json") is None
    lent = load_worker().LayerGuard(sorted(layer_modules()), sorted(layer_modules()))
    assert lent.find_spec("cryptography") is None


def test_the_guard_stops_a_real_import():
    """Installed first on sys.meta_path, as worker.py does, it wins over the venv's copy."""
    guard = load_worker().LayerGuard(["_layer_only_module_for_test"], [])
    sys.meta_path.insert(0, guard)
    try:
        with pytest.raises(ModuleNotFoundError):
            import _layer_only_module_for_test  # noqa: F401
    finally:
        sys.meta_path.remove(guard)
