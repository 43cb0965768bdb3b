#!/usr/bin/env python3
"""Build the public-key Lambda layer (pyca/cryptography) from pinned, hashed wheels.

functions/layers/public-key.txt pins every distribution with the sha256 of exactly one wheel
per architecture. This script fetches those wheels with `pip download --require-hashes
--no-deps` (into ~/.cache/webhook-ingest/wheels/<arch>; a cached wheel whose hash is pinned is
used without asking pip again) and writes, for x86_64 and arm64, a layer zip whose entries are
every file of every wheel, byte for byte, under python/ (where Lambda puts a layer on
sys.path), plus packages/public-key-layer.json describing both zips. `--check` rebuilds the
entries and fails if the committed zips or the manifest differ.

Choices, and why:
- The entries are the wheels' files and nothing else: no INSTALLER/REQUESTED (pip's install
  bookkeeping), no .pyc. The wheels' own *.dist-info/RECORD is kept: it comes from the hashed
  wheel, so it is as reproducible as the rest, lets anyone check each file of the layer against
  the wheel's own list, and lets importlib.metadata see the distributions whole.
- Each entry is dated 1980-01-01 (the earliest a zip can hold) and has mode 0o644: a shared
  object needs to be readable, not executable, to be loaded, and the wheels' own modes
  (0o664, 0o755 here and there) would be noise. Entries are sorted; no directory entries.
- The zips are DEFLATED, unlike scripts/build.py's STORED function zips: the layer holds about
  15 MB of files and a stored copy per architecture would be too big to commit. Deflate's output
  depends on the zlib build, which is fine here because `--check` compares the entries (names,
  contents, dates, modes) and the manifest, never the zip's bytes; and a rebuild whose entries
  equal the committed zip's keeps the committed bytes, so the layer's source_code_hash only
  changes when its contents do.
- One pinned wheel per distribution per architecture: the layer then follows from the
  requirements file alone, never from pip's preferences between tags.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from build import FIXED_DATE_TIME, PACKAGES_DIR, ROOT, manifest_bytes
from lambda_python import lambda_python_version
from pinned_wheels import MACHINES, LayerError, Pin, Wheel, file_sha256, layer_wheels, read_pins

REQUIREMENTS = ROOT / "functions" / "layers" / "public-key.txt"
LAYER_NAME = "public-key"
MANIFEST_NAME = "public-key-layer.json"
LAYER_ROOT = "python/"

FILE_MODE = 0o100644  # regular file, rw-r--r--
UNIX_SYSTEM = 3
COMPRESS_LEVEL = 9
SHOWN_NAMES = 10

Entries = list[tuple[str, bytes]]


def check_member_name(name: str, wheel: Wheel) -> None:
    parts = name.split("/")
    if name.startswith("/") or ".." in parts or "\\" in name or "\n" in name:
        raise LayerError(f"{wheel.path.name}: unsafe file name {name!r}")
    if parts[0].endswith(".data"):
        # pip would move these (scripts, headers, purelib...) elsewhere; a layer has no such scheme.
        raise LayerError(f"{wheel.path.name}: {name} is in a .data directory, which a layer cannot install")


def wheel_entries(wheel: Wheel) -> Entries:
    entries = []
    with zipfile.ZipFile(wheel.path) as archive:
        for info in archive.infolist():
            if not info.is_dir():
                check_member_name(info.filename, wheel)
                entries.append((LAYER_ROOT + info.filename, archive.read(info)))
    return entries


def layer_entries(wheels: list[Wheel]) -> Entries:
    """Every file of every wheel under python/, sorted; a path two wheels both have is an error."""
    entries = sorted(entry for wheel in wheels for entry in wheel_entries(wheel))
    clashes = sorted(name for name, count in Counter(name for name, _ in entries).items() if count > 1)
    if clashes:
        raise LayerError(f"several wheels hold {', '.join(clashes)}")
    return entries


def entry_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = UNIX_SYSTEM
    info.external_attr = FILE_MODE << 16
    return info


def zip_layer(entries: Entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        for name, content in entries:
            archive.writestr(entry_info(name), content, compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def entries_digest(entries: Entries) -> str:
    """sha256 over the lines `<content sha256>  <name>` (sha256sum's format), sorted by name."""
    lines = "".join(f"{hashlib.sha256(content).hexdigest()}  {name}\n" for name, content in sorted(entries))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def shown(names: list[str]) -> str:
    more = f" ... and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else ""
    return ", ".join(names[:SHOWN_NAMES]) + more


def zip_differences(entries: Entries, path: Path) -> list[str]:
    """How the zip at path differs from the expected entries (empty: it holds exactly them)."""
    if not path.is_file():
        return [f"{path}: missing"]
    expected = {name: hashlib.sha256(content).hexdigest() for name, content in entries}
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            actual = {info.filename: hashlib.sha256(archive.read(info)).hexdigest() for info in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as error:
        return [f"{path}: not a readable zip ({error})"]
    names = [info.filename for info in infos]
    findings = {
        "missing": sorted(expected.keys() - actual.keys()),
        "unexpected": sorted(actual.keys() - expected.keys()),
        "changed": sorted(name for name in expected.keys() & actual.keys() if expected[name] != actual[name]),
        "not dated 1980-01-01 or not mode 0644": sorted(
            info.filename for info in infos if info.date_time != FIXED_DATE_TIME or info.external_attr >> 16 != FILE_MODE
        ),
    }
    problems = [f"{path}: {kind} entries: {shown(found)}" for kind, found in findings.items() if found]
    if names != sorted(set(names)):
        problems.append(f"{path}: entries not sorted, or a name twice")
    return problems


def zip_path(out_dir: Path, arch: str) -> Path:
    return out_dir / f"{LAYER_NAME}-{arch}.zip"


def shown_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def arch_manifest(path: Path, zip_bytes: bytes, entries: Entries, wheels: list[Wheel]) -> dict:
    return {
        "path": shown_path(path),
        "size": len(zip_bytes),
        "sha256_base64": base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode("ascii"),
        "entries": len(entries),
        "unpacked_size": sum(len(content) for _, content in entries),
        "entries_sha256": entries_digest(entries),
        "wheels": {wheel.path.name: file_sha256(wheel.path) for wheel in wheels},
    }


def layer_manifest(pins: list[Pin], version: str, requirements: Path, archs: dict[str, dict]) -> dict:
    return {
        "layer": LAYER_NAME,
        "requirements": shown_path(requirements),
        "runtime": f"python{version}",
        "distributions": {pin.name: pin.version for pin in pins},
        "architectures": archs,
    }


def json_differences(expected: object, actual: object, where: str = "") -> list[str]:
    """The keys (a.b.c) whose values differ between two JSON documents."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        keys = sorted(expected.keys() | actual.keys())
        return [d for key in keys for d in json_differences(expected.get(key), actual.get(key), f"{where}.{key}".lstrip("."))]
    return [] if expected == actual else [f"{where or '(document)'}: {json.dumps(actual)} should be {json.dumps(expected)}"]


def manifest_differences(expected: bytes, path: Path) -> list[str]:
    if not path.is_file():
        return [f"{path}: missing"]
    actual = path.read_bytes()
    if actual == expected:
        return []
    try:
        details = json_differences(json.loads(expected), json.loads(actual))
    except json.JSONDecodeError as error:
        details = [f"not JSON ({error})"]
    return [f"{path}: {detail}" for detail in details or ["formatting differs"]]


@dataclass(frozen=True)
class Layer:
    arch: str
    wheels: list[Wheel]
    entries: Entries


def build_layers(requirements: Path, cache_dir: Path) -> tuple[list[Pin], str, list[Layer]]:
    version = lambda_python_version()
    pins = read_pins(requirements)
    layers = []
    for arch in MACHINES:
        wheels = layer_wheels(pins, requirements, cache_dir, arch, version)
        layers.append(Layer(arch, wheels, layer_entries(wheels)))
    return pins, version, layers


def check(pins: list[Pin], version: str, layers: list[Layer], requirements: Path, out_dir: Path) -> list[str]:
    """Every way the committed zips and manifest differ from the pinned wheels."""
    problems, archs = [], {}
    for layer in layers:
        path = zip_path(out_dir, layer.arch)
        problems += zip_differences(layer.entries, path)
        # The manifest describes the committed zip's bytes (which a different zlib may deflate
        # differently): a fresh zip only stands in when there is none.
        zip_bytes = path.read_bytes() if path.is_file() else zip_layer(layer.entries)
        archs[layer.arch] = arch_manifest(path, zip_bytes, layer.entries, layer.wheels)
    expected = manifest_bytes(layer_manifest(pins, version, requirements, archs))
    return problems + manifest_differences(expected, out_dir / MANIFEST_NAME)


def write(pins: list[Pin], version: str, layers: list[Layer], requirements: Path, out_dir: Path) -> dict:
    """Write the zips (keeping a committed zip that already holds the same entries) and the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    archs = {}
    for layer in layers:
        path = zip_path(out_dir, layer.arch)
        if zip_differences(layer.entries, path):
            path.write_bytes(zip_layer(layer.entries))
        archs[layer.arch] = arch_manifest(path, path.read_bytes(), layer.entries, layer.wheels)
    manifest = layer_manifest(pins, version, requirements, archs)
    (out_dir / MANIFEST_NAME).write_bytes(manifest_bytes(manifest))
    return manifest


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "webhook-ingest" / "wheels"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=PACKAGES_DIR, help="output directory (default: packages/)")
    parser.add_argument("--check", action="store_true", help="fail if --out differs from the pinned wheels; write nothing")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir(), help="wheel cache (default: %(default)s)")
    parser.add_argument("--requirements", type=Path, default=REQUIREMENTS, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        pins, version, layers = build_layers(args.requirements, args.cache_dir)
    except (LayerError, OSError, zipfile.BadZipFile) as error:
        print(f"public-key layer: {error}", file=sys.stderr)
        return 1
    if args.check:
        problems = check(pins, version, layers, args.requirements, args.out)
        if problems:
            print(f"The public-key layer differs from the wheels pinned in {shown_path(args.requirements)}:", file=sys.stderr)
            for problem in problems:
                print(f"  {problem}", file=sys.stderr)
            print("Run `python3 scripts/build_layer.py` and commit packages/public-key-*.", file=sys.stderr)
            return 1
        print(f"public-key layer up to date: {', '.join(f'{layer.arch} {len(layer.entries)} entries' for layer in layers)}")
        return 0
    manifest = write(pins, version, layers, args.requirements, args.out)
    for arch, described in manifest["architectures"].items():
        print(f"{described['path']}: {described['size']} bytes, sha256 {described['sha256_base64']} ({arch})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
