"""scripts/build.py: byte-reproducible packages, --check, --upload."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

import build

ROOT = Path(__file__).resolve().parent.parent
BUILD = [sys.executable, str(ROOT / "scripts" / "build.py")]


def copy_functions(target: Path, mtime: int, mode: int) -> Path:
    """A copy of functions/ whose files all carry the given mtime and mode, plus junk to exclude."""
    functions = target / "functions"
    shutil.copytree(ROOT / "functions", functions, ignore=shutil.ignore_patterns("__pycache__"))
    for name in build.FUNCTION_NAMES:
        (functions / name / "__pycache__").mkdir()
        (functions / name / "__pycache__" / "app.cpython-311.pyc").write_bytes(os.urandom(64))
        (functions / name / "test_app.py").write_text("assert False\n")
        (functions / name / "stray.pyc").write_bytes(b"junk")
    for path in functions.rglob("*"):
        if path.is_file():
            path.chmod(mode)
            os.utime(path, (mtime, mtime))
    return functions


def run_build(functions: Path, out: Path, umask: int, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*BUILD, "--functions-dir", str(functions), "--out", str(out), *extra],
        preexec_fn=lambda: os.umask(umask),
        capture_output=True,
        text=True,
        check=False,
    )


def test_builds_are_byte_identical_across_mtimes_modes_and_umasks(tmp_path):
    first = copy_functions(tmp_path / "a", mtime=1_000_000_000, mode=0o644)
    second = copy_functions(tmp_path / "b", mtime=1_700_000_000, mode=0o755)
    assert run_build(first, tmp_path / "out-a", 0o022).returncode == 0
    assert run_build(second, tmp_path / "out-b", 0o077).returncode == 0
    for name in build.FUNCTION_NAMES:
        assert (tmp_path / "out-a" / f"{name}.zip").read_bytes() == (tmp_path / "out-b" / f"{name}.zip").read_bytes()
    manifest_a = build.json.loads((tmp_path / "out-a" / "manifest.json").read_text())
    manifest_b = build.json.loads((tmp_path / "out-b" / "manifest.json").read_text())
    for name in build.FUNCTION_NAMES:
        assert manifest_a[name]["sha256_base64"] == manifest_b[name]["sha256_base64"]
        assert manifest_a[name]["source_sha256"] == manifest_b[name]["source_sha256"]


def test_zips_hold_exactly_the_sources_with_fixed_metadata():
    # A package carries every file of its own directory, and the shared modules it imports, and
    # theirs: not another function's. Listed here is the shared part, which the imports decide.
    shared = {
        "authorizer": [
            "cached_secret.py",
            "contract.json",
            "contract.py",
        ],
        "consumer": [
            "body_signatures.py",
            "cached_secret.py",
            "claim_check.py",
            "connect_tokens.py",
            "contract.json",
            "contract.py",
            "emf_document.py",
            "envelope.py",
            "environment_json.py",
            "json_pointer.py",
            "key_documents.py",
            "public_keys.py",
            "signature_parts.py",
            "signature_rules.py",
            "signatures.py",
            "signed_tokens.py",
            "signing_keys.py",
            "signing_secrets.py",
        ],
        "front": [
            "body_signatures.py",
            "cached_secret.py",
            "claim_check.py",
            "connect_tokens.py",
            "contract.json",
            "contract.py",
            "emf_document.py",
            "envelope.py",
            "environment_json.py",
            "json_pointer.py",
            "key_documents.py",
            "public_keys.py",
            "signature_parts.py",
            "signature_rules.py",
            "signatures.py",
            "signed_tokens.py",
            "signing_keys.py",
            "signing_secrets.py",
        ],
    }
    own = {name: sorted(path.name for path in (ROOT / "functions" / name).glob("*.py")) for name in shared}
    expected = {name: sorted(own[name] + shared[name]) for name in shared}
    for name, files in expected.items():
        package = build.build_package(name)
        with zipfile.ZipFile(build.io.BytesIO(package.zip_bytes)) as archive:
            infos = archive.infolist()
            assert [info.filename for info in infos] == files
            for info in infos:
                assert info.date_time == build.FIXED_DATE_TIME
                assert info.external_attr >> 16 == 0o100644
                assert info.compress_type == zipfile.ZIP_STORED
                own = ROOT / "functions" / name / info.filename
                source = own if own.is_file() else ROOT / "functions" / build.SHARED_DIR_NAME / info.filename
                assert archive.read(info) == source.read_bytes()


def test_a_shared_module_that_a_function_also_has_is_refused(tmp_path):
    for directory, content in (("consumer", b"own"), ("shared", b"shared")):
        (tmp_path / directory).mkdir()
        (tmp_path / directory / "helper.py").write_bytes(content)
    with pytest.raises(ValueError, match=r"consumer and shared both have helper\.py"):
        build.build_package("consumer", tmp_path)


def test_manifest_hash_is_what_terraform_filebase64sha256_gives():
    package = build.build_package("consumer")
    assert package.sha256_base64 == base64.b64encode(hashlib.sha256(package.zip_bytes).digest()).decode()


def test_check_fails_after_a_one_byte_change_and_passes_after_rebuild(tmp_path):
    functions = copy_functions(tmp_path, mtime=1_600_000_000, mode=0o644)
    out = tmp_path / "packages"
    assert run_build(functions, out, 0o022).returncode == 0
    assert run_build(functions, out, 0o022, "--check").returncode == 0
    source = functions / "consumer" / "emf.py"
    source.write_bytes(source.read_bytes() + b" ")
    failed = run_build(functions, out, 0o022, "--check")
    assert failed.returncode == 1
    assert "consumer.zip" in failed.stderr and "authorizer.zip" not in failed.stderr
    assert run_build(functions, out, 0o022).returncode == 0
    assert run_build(functions, out, 0o022, "--check").returncode == 0


def test_committed_packages_match_the_sources():
    result = subprocess.run([*BUILD, "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_source_digest_separates_names_from_contents():
    assert build.source_digest([("ab", b"c")]) != build.source_digest([("a", b"bc")])


@pytest.mark.parametrize("url", ["bucket/prefix", "s3://", "https://bucket/x"])
def test_upload_rejects_bad_urls(url):
    with pytest.raises(ValueError):
        build.parse_s3_url(url)


def test_upload_keys_carry_the_hash_and_a_second_upload_is_a_no_op():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="artifacts")
        packages = [build.build_package(name) for name in build.FUNCTION_NAMES]
        first = build.upload(packages, "s3://artifacts/lambda/webhook", s3)
        second = build.upload(packages, "s3://artifacts/lambda/webhook", s3)
        assert [r["uploaded"] for r in first] == [True] * len(packages)
        assert [r["uploaded"] for r in second] == [False] * len(packages)
        for result, package in zip(first, packages, strict=True):
            assert result["key"] == f"lambda/webhook/{package.name}-{package.sha256_hex}.zip"
            stored = s3.get_object(Bucket="artifacts", Key=result["key"])
            assert stored["Body"].read() == package.zip_bytes
            assert stored["Metadata"]["source-code-hash"] == package.sha256_base64
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="artifacts")["Contents"]]
        assert len(keys) == len(build.FUNCTION_NAMES) == 3


def test_upload_cli_prints_keys(tmp_path, monkeypatch, capsys):
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="artifacts")
        assert build.main(["--out", str(tmp_path), "--upload", "s3://artifacts/p"]) == 0
    printed = capsys.readouterr().out
    assert "s3://artifacts/p/authorizer-" in printed and "(uploaded)" in printed


def write_tree(root, files: dict[str, str]) -> None:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)


def test_a_package_carries_the_shared_modules_it_imports_and_theirs_only(tmp_path):
    files = {
        "front/app.py": "from outer import x\n",
        "shared/outer.py": "from inner import y\nx = y\n",
        "shared/inner.py": "y = 1\n",
        "shared/unused.py": "import json\n",
    }
    write_tree(tmp_path, files)
    assert [relative for relative, _ in build.package_entries("front", tmp_path)] == ["app.py", "inner.py", "outer.py"]


def test_a_shared_data_file_goes_with_the_module_of_its_name(tmp_path):
    # contract.py reads contract.json beside itself: a package that imports it
    # (here through another shared module) carries both; one that does not, neither.
    files = {
        "front/app.py": "from outer import x\n",
        "consumer/app.py": "import json\n",
        "shared/outer.py": "from contract import FACTS\nx = FACTS\n",
        "shared/contract.py": "FACTS = 1\n",
        "shared/contract.json": "{}\n",
    }
    write_tree(tmp_path, files)
    front = [relative for relative, _ in build.package_entries("front", tmp_path)]
    assert front == ["app.py", "contract.json", "contract.py", "outer.py"]
    assert [relative for relative, _ in build.package_entries("consumer", tmp_path)] == ["app.py"]


def test_a_shared_data_file_with_no_module_to_ship_it_is_refused(tmp_path):
    write_tree(tmp_path, {"front/app.py": "import json\n", "shared/facts.json": "{}\n"})
    with pytest.raises(ValueError, match=r"facts\.json with no module"):
        build.package_entries("front", tmp_path)


def test_check_fails_when_a_shipped_data_file_changes(tmp_path, monkeypatch, capsys):
    # --check compares the zips, which hold contract.json: editing the contract
    # without rebuilding is caught like editing a module.
    functions = tmp_path / "functions"
    write_tree(
        functions,
        {
            "authorizer/app.py": "import json\n",
            "consumer/app.py": "import contract\n",
            "front/app.py": "import json\n",
            "shared/contract.py": "FACTS = 1\n",
            "shared/contract.json": "{}\n",
        },
    )
    out = tmp_path / "packages"
    assert build.main(["--out", str(out), "--functions-dir", str(functions)]) == 0
    assert build.main(["--check", "--out", str(out), "--functions-dir", str(functions)]) == 0
    (functions / "shared" / "contract.json").write_text('{"changed": true}\n')
    assert build.main(["--check", "--out", str(out), "--functions-dir", str(functions)]) == 1
    assert "consumer.zip" in capsys.readouterr().err
