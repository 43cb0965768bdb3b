"""Lambda's Python on this machine: which version the functions run (modules/_function/main.tf),
an interpreter of that version if there is one, and a layer zip unpacked as Lambda unpacks it.

Shared by scripts/build_layer.py (the wheels it pins are for that version), the layer's tests
(tests/test_public_key_layer.py) and the bench (bench/layer_cold.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTION_MODULE = ROOT / "modules" / "_function" / "main.tf"


def lambda_python_version(main_tf: Path = FUNCTION_MODULE) -> str:
    """The X.Y of the functions' runtime, from modules/_function/main.tf (runtime = "pythonX.Y")."""
    found = set(re.findall(r'runtime\s*=\s*"python(\d+\.\d+)"', main_tf.read_text()))
    if len(found) != 1:
        raise ValueError(f"expected one python runtime in {main_tf}, found {sorted(found) or 'none'}")
    return found.pop()


def version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name))


def find_python(version: str) -> str | None:
    """An interpreter that really is Python `version`: on PATH, else under pyenv (a pyenv shim
    for a version not installed exists but fails, so each candidate is run)."""
    name = f"python{version}"
    roots = dict.fromkeys([Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")), Path.home() / ".pyenv"])
    installed = sorted((p for root in roots for p in root.glob(f"versions/{version}.*/bin/{name}")), key=version_key)
    for candidate in [shutil.which(name), *map(str, reversed(installed))]:
        if candidate is None:
            continue
        probe = subprocess.run(
            [candidate, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def extract_layer(zip_file: Path, target: Path) -> Path:
    """Unpack with each entry's mode, as Lambda does under /opt; returns the layer's python/ directory."""
    with zipfile.ZipFile(zip_file) as archive:
        for info in archive.infolist():
            path = target / info.filename
            if not path.resolve().is_relative_to(target.resolve()):
                raise ValueError(f"{zip_file.name}: {info.filename} would land outside {target}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.read(info))
            path.chmod((info.external_attr >> 16) & 0o777)
    return target / "python"
