#!/usr/bin/env python3
"""Build byte-reproducible Lambda packages from functions/<name>/.

The zips are committed under packages/ so that `terraform plan` and `terraform apply`
run on different machines (or CI jobs) see the very same bytes and the very same
`source_code_hash`. `--check` proves the committed zips still match the sources.

Why the zip is STORED (not deflated): deflate output depends on the zlib build
(zlib, zlib-ng, Intel's fork...), so two machines with different Pythons could
produce different bytes at the same level. The packages are a few KiB; stored
entries cost nothing and are identical everywhere.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
PACKAGES_DIR = ROOT / "packages"
FUNCTION_NAMES = ("authorizer", "consumer", "front")
# Modules several packages need (the cached secret, the claim check): copied into
# each zip that imports them, at its root, so each package stays self-contained
# and has no layer to deploy. A shared data file goes with the module of the
# same stem (contract.json with contract.py, which reads it beside itself).
SHARED_DIR_NAME = "shared"
MANIFEST_NAME = "manifest.json"
IMPORT_LINE = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)

# 1980-01-01 is the earliest timestamp a zip entry can hold: no local clock or
# checkout time can leak into the archive.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--
UNIX_SYSTEM = 3

EXCLUDED_DIR_NAMES = frozenset({"__pycache__", "tests", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
EXCLUDED_SUFFIXES = (".pyc", ".pyo")
EXCLUDED_NAMES = frozenset({".DS_Store", "conftest.py"})


@dataclass(frozen=True)
class Package:
    name: str
    zip_bytes: bytes
    files: tuple[str, ...]
    source_sha256: str

    @property
    def sha256_base64(self) -> str:
        """The form Terraform's `source_code_hash` / filebase64sha256() uses."""
        return base64.b64encode(hashlib.sha256(self.zip_bytes).digest()).decode("ascii")

    @property
    def sha256_hex(self) -> str:
        return hashlib.sha256(self.zip_bytes).hexdigest()


def is_packaged(relative: Path) -> bool:
    """Whether a file below a function directory belongs in its package."""
    if any(part in EXCLUDED_DIR_NAMES for part in relative.parts[:-1]):
        return False
    name = relative.name
    if name in EXCLUDED_NAMES or name.endswith(EXCLUDED_SUFFIXES):
        return False
    return not (name.startswith("test_") or name.endswith("_test.py"))


def collect_files(source_dir: Path) -> list[tuple[str, bytes]]:
    """(relative posix path, content) for every packaged file, sorted by path."""
    if not source_dir.is_dir():
        raise FileNotFoundError(f"function source directory not found: {source_dir}")
    entries = []
    for path in source_dir.rglob("*"):
        if path.is_file() and is_packaged(path.relative_to(source_dir)):
            entries.append((path.relative_to(source_dir).as_posix(), path.read_bytes()))
    if not entries:
        raise ValueError(f"no files to package in {source_dir}")
    return sorted(entries)


def source_digest(entries: list[tuple[str, bytes]]) -> str:
    """Hash over relative paths and contents only (length-prefixed, so no two
    different trees can collide by moving bytes between a name and a body)."""
    digest = hashlib.sha256()
    for relative, content in entries:
        encoded = relative.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
        digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()


def zip_entries(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for relative, content in entries:
            info = zipfile.ZipInfo(relative, date_time=FIXED_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = UNIX_SYSTEM
            info.external_attr = FILE_MODE << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def imported_modules(entries: list[tuple[str, bytes]]) -> set[str]:
    """Top-level module names the Python files import (import x / from x import y)."""
    names: set[str] = set()
    for relative, content in entries:
        if relative.endswith(".py"):
            names.update(IMPORT_LINE.findall(content.decode("utf-8")))
    return names


def package_entries(name: str, functions_dir: Path = FUNCTIONS_DIR) -> list[tuple[str, bytes]]:
    """A function's own files plus the shared modules it imports, sorted; a name in
    both is an error (one of the two would silently shadow the other inside the zip).
    A package only carries what it uses: a shared module added for one function
    does not change the others' zips (and so their deployed code)."""
    own = collect_files(functions_dir / name)
    shared_dir = functions_dir / SHARED_DIR_NAME
    shared = collect_files(shared_dir) if shared_dir.is_dir() else []
    clashes = sorted({relative for relative, _ in own} & {relative for relative, _ in shared})
    if clashes:
        raise ValueError(f"{name} and {SHARED_DIR_NAME} both have {', '.join(clashes)}")
    # What the package's files import, and what those shared modules import in turn.
    used = imported_modules(own)
    while True:
        chosen = [(relative, content) for relative, content in shared if relative.removesuffix(".py") in used]
        more = imported_modules(chosen) - used
        if not more:
            break
        used |= more
    return sorted(own + chosen + data_files(shared, chosen))


def data_files(shared: list[tuple[str, bytes]], chosen: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The shared non-Python files that go with the chosen modules: each with the
    module of its stem (contract.json with contract.py). A data file with no such
    module is an error: no package would ever carry it."""
    modules = {relative.removesuffix(".py") for relative, _ in shared if relative.endswith(".py")}
    chosen_modules = {relative.removesuffix(".py") for relative, _ in chosen}
    data = [(relative, content) for relative, content in shared if not relative.endswith(".py")]
    orphans = sorted(relative for relative, _ in data if Path(relative).stem not in modules)
    if orphans:
        raise ValueError(f"{SHARED_DIR_NAME} has {', '.join(orphans)} with no module of the same name to ship it with")
    return [(relative, content) for relative, content in data if Path(relative).stem in chosen_modules]


def build_package(name: str, functions_dir: Path = FUNCTIONS_DIR) -> Package:
    entries = package_entries(name, functions_dir)
    return Package(
        name=name,
        zip_bytes=zip_entries(entries),
        files=tuple(relative for relative, _ in entries),
        source_sha256=source_digest(entries),
    )


def manifest_for(packages: list[Package], out_dir: Path) -> dict:
    try:
        shown_dir = out_dir.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        shown_dir = out_dir.resolve().as_posix()
    return {
        package.name: {
            "path": f"{shown_dir}/{package.name}.zip",
            "size": len(package.zip_bytes),
            "sha256_base64": package.sha256_base64,
            "source_sha256": package.source_sha256,
            "files": list(package.files),
        }
        for package in packages
    }


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_packages(packages: list[Package], out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    for package in packages:
        (out_dir / f"{package.name}.zip").write_bytes(package.zip_bytes)
    manifest = manifest_for(packages, out_dir)
    (out_dir / MANIFEST_NAME).write_bytes(manifest_bytes(manifest))
    return manifest


def differences(packages: list[Package], out_dir: Path) -> list[str]:
    """Files under out_dir that a fresh build would change."""
    expected = {f"{package.name}.zip": package.zip_bytes for package in packages}
    expected[MANIFEST_NAME] = manifest_bytes(manifest_for(packages, out_dir))
    stale = []
    for file_name, content in expected.items():
        path = out_dir / file_name
        if not path.is_file() or path.read_bytes() != content:
            stale.append(str(path))
    return stale


def parse_s3_url(url: str) -> tuple[str, str]:
    if not url.startswith("s3://"):
        raise ValueError(f"expected s3://bucket/prefix, got {url!r}")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {url!r}")
    return bucket, prefix.strip("/")


def object_key(prefix: str, package: Package) -> str:
    # The content hash in the key makes every build a new immutable object: a
    # plan that names a key can never deploy different bytes at apply time.
    name = f"{package.name}-{package.sha256_hex}.zip"
    return f"{prefix}/{name}" if prefix else name


def upload(packages: list[Package], url: str, s3_client=None) -> list[dict]:
    """Upload each zip under a hash-carrying key; an existing key is left alone."""
    import boto3  # imported here: building and checking need no AWS SDK
    from botocore.exceptions import ClientError

    bucket, prefix = parse_s3_url(url)
    s3 = s3_client or boto3.client("s3")
    results = []
    for package in packages:
        key = object_key(prefix, package)
        try:
            s3.head_object(Bucket=bucket, Key=key)
            uploaded = False
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise
            s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=package.zip_bytes,
                ContentType="application/zip",
                ChecksumSHA256=base64.b64encode(hashlib.sha256(package.zip_bytes).digest()).decode("ascii"),
                Metadata={"source-code-hash": package.sha256_base64},
            )
            uploaded = True
        results.append(
            {"name": package.name, "bucket": bucket, "key": key, "source_code_hash": package.sha256_base64, "uploaded": uploaded}
        )
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PACKAGES_DIR, help="output directory (default: packages/)")
    parser.add_argument("--check", action="store_true", help="fail if --out differs from a fresh build; write nothing")
    parser.add_argument("--upload", metavar="S3_URL", help="also upload the zips to s3://bucket/prefix")
    parser.add_argument("--functions-dir", type=Path, default=FUNCTIONS_DIR, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    packages = [build_package(name, args.functions_dir) for name in FUNCTION_NAMES]
    if args.check:
        stale = differences(packages, args.out)
        if stale:
            print("Lambda packages differ from a fresh build of functions/:", file=sys.stderr)
            for path in stale:
                print(f"  {path}", file=sys.stderr)
            print("Run `python3 scripts/build.py` and commit packages/.", file=sys.stderr)
            return 1
        print(f"packages up to date: {', '.join(f'{p.name} {p.sha256_base64}' for p in packages)}")
        return 0
    write_packages(packages, args.out)
    for package in packages:
        print(f"{args.out / (package.name + '.zip')}: {len(package.zip_bytes)} bytes, sha256 {package.sha256_base64}")
    if args.upload:
        for result in upload(packages, args.upload):
            state = "uploaded" if result["uploaded"] else "already present"
            print(f"s3://{result['bucket']}/{result['key']} ({state})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
