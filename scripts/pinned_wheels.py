"""Pinned wheels for a Lambda layer: a requirements file that pins every distribution with the
sha256 of one wheel per architecture, and the one wheel of each that fits Lambda's machine and
Python, from a shared cache or from `pip download --require-hashes` (scripts/build_layer.py
turns them into the layer; its docstring says why one wheel per distribution per architecture).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from build import ROOT

# Lambda's architecture names, and the machine each one has in wheel platform tags.
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}
# Lambda's python3.13 runs on Amazon Linux 2023, glibc 2.34: any manylinux tag up to 2_34 runs
# there. The pinned wheels carry manylinux_2_34 (cryptography) and manylinux2014, an alias of
# manylinux_2_17 (cffi); pip does not derive older manylinux tags from --platform itself.
GLIBC = (2, 34)
PLATFORM_TAGS = ("manylinux_2_34", "manylinux2014")
LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


class LayerError(Exception):
    """Something a person has to fix: a requirement, a wheel, pip's answer."""


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    hashes: frozenset[str]


@dataclass(frozen=True)
class Wheel:
    path: Path
    name: str
    version: str
    tags: frozenset[tuple[str, str, str]]


def canonical_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def logical_lines(text: str) -> list[str]:
    """Requirement lines with continuations joined and comments removed."""
    joined = re.sub(r"\\\n", " ", text)
    lines = (re.sub(r"(^|\s)#.*$", "", line).strip() for line in joined.splitlines())
    return [line for line in lines if line]


def parse_pin(line: str) -> Pin:
    requirement, *options = line.split()
    match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)", requirement)
    hashes = [re.fullmatch(r"--hash=sha256:([0-9a-f]{64})", option) for option in options]
    if not match or not hashes or not all(hashes):
        raise LayerError(f"expected `name==version --hash=sha256:...`, got: {line}")
    return Pin(canonical_name(match[1]), match[2], frozenset(h[1] for h in hashes if h))


def read_pins(path: Path) -> list[Pin]:
    pins = [parse_pin(line) for line in logical_lines(path.read_text())]
    names = [pin.name for pin in pins]
    if not pins or len(set(names)) != len(names):
        raise LayerError(f"{path}: expected each distribution pinned once, got {names}")
    return sorted(pins, key=lambda pin: pin.name)


def parse_wheel(path: Path) -> Wheel:
    parts = path.name.removesuffix(".whl").split("-")
    if len(parts) not in (5, 6):
        raise LayerError(f"not a wheel file name: {path.name}")
    python, abi, platform = parts[-3:]
    tags = frozenset((p, a, t) for p in python.split(".") for a in abi.split(".") for t in platform.split("."))
    return Wheel(path, canonical_name(parts[0]), parts[1], tags)


def platform_fits(platform: str, machine: str) -> bool:
    """Whether a wheel platform tag runs on Lambda's glibc for this machine."""
    if platform == "any":
        return True
    match = re.fullmatch(r"manylinux_(\d+)_(\d+)_(\w+)", platform)
    if match:
        glibc, arch = (int(match[1]), int(match[2])), match[3]
    else:
        prefix, _, arch = platform.partition("_")
        if prefix not in LEGACY_MANYLINUX:
            return False
        glibc = LEGACY_MANYLINUX[prefix]
    return arch == machine and glibc <= GLIBC


def interpreter_fits(python: str, abi: str, version: str) -> bool:
    """Whether a wheel's python and ABI tags load in CPython `version` (X.Y)."""
    major, minor = (int(part) for part in version.split("."))
    cpython = f"cp{major}{minor}"
    if abi == cpython:
        return python == cpython
    older = {f"{major}{n}" for n in range(minor + 1)} | {str(major)}
    if abi == "abi3":
        return python.startswith("cp") and python[2:] in older
    return abi == "none" and (python == cpython or (python.startswith("py") and python[2:] in older))


def wheel_fits(wheel: Wheel, machine: str, version: str) -> bool:
    return any(interpreter_fits(p, a, version) and platform_fits(t, machine) for p, a, t in wheel.tags)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pinned_in(directory: Path, pins: list[Pin], machine: str, version: str) -> dict[str, list[Wheel]]:
    """The wheels in directory that carry a pinned hash and fit the machine, per distribution."""
    by_name = {pin.name: pin for pin in pins}
    found: dict[str, list[Wheel]] = {pin.name: [] for pin in pins}
    for path in sorted(directory.glob("*.whl")) if directory.is_dir() else []:
        try:
            wheel = parse_wheel(path)
        except LayerError:
            continue  # not a wheel of ours: the cache is shared, leave it be
        pin = by_name.get(wheel.name)
        if pin and wheel.version == pin.version and wheel_fits(wheel, machine, version) and file_sha256(path) in pin.hashes:
            found[pin.name].append(wheel)
    return found


def pip_python() -> str:
    """The dev venv's Python (its pip), else the one running this script."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    return str(venv_python) if venv_python.is_file() else sys.executable


def pip_download_command(requirements: Path, directory: Path, machine: str, version: str) -> list[str]:
    platforms = [argument for tag in PLATFORM_TAGS for argument in ("--platform", f"{tag}_{machine}")]
    return [
        pip_python(),
        "-m",
        "pip",
        "download",
        "--disable-pip-version-check",
        "--quiet",
        "--require-hashes",
        "--only-binary=:all:",
        "--no-deps",
        *platforms,
        "--python-version",
        version,
        "--implementation",
        "cp",
        "-r",
        str(requirements),
        "-d",
        str(directory),
    ]


def pip_download(requirements: Path, directory: Path, machine: str, version: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    print(f"downloading the pinned {machine} wheels into {directory}", file=sys.stderr)
    command = pip_download_command(requirements, directory, machine, version)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise LayerError(f"pip download failed ({' '.join(command)}):\n{result.stdout}{result.stderr}")


def layer_wheels(pins: list[Pin], requirements: Path, cache_dir: Path, arch: str, version: str) -> list[Wheel]:
    """Exactly one pinned wheel per distribution for arch: from the cache, else from pip."""
    machine, directory = MACHINES[arch], cache_dir / arch
    found = pinned_in(directory, pins, machine, version)
    if any(len(wheels) != 1 for wheels in found.values()):
        pip_download(requirements, directory, machine, version)
        found = pinned_in(directory, pins, machine, version)
    problems = [
        f"{name}: {len(wheels)} wheels with a pinned hash fit {arch} cp{version}"
        + (f" ({', '.join(w.path.name for w in wheels)}): pin one per architecture" if wheels else "")
        for name, wheels in found.items()
        if len(wheels) != 1
    ]
    if problems:
        raise LayerError(f"{requirements}:\n  " + "\n  ".join(problems))
    return [found[pin.name][0] for pin in pins]
