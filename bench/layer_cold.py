"""The public-key layer's cold-start cost: a fresh Lambda-version interpreter (python3.13 -I -S -B:
only functions/shared and the layer on sys.path, no .pyc, as Lambda's read-only /opt) importing
signatures (what every signed source loads) and then public_keys (which loads cryptography
from the layer), against the same interpreter importing signatures alone, alternated in one
run; and the layer's size. Skipped (with the reason) without that Python."""

from __future__ import annotations

import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from harness import ROOT
from lambda_python import extract_layer, find_python, lambda_python_version

SHARED = ROOT / "functions" / "shared"
ARCHITECTURES = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def process_ms(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return (time.perf_counter() - started) * 1000


def bench_public_key_layer(runs: int = 15) -> dict:
    version = lambda_python_version()
    interpreter = find_python(version)
    architecture = ARCHITECTURES.get(platform.machine().lower())
    if interpreter is None or architecture is None:
        return {"skipped": f"no python{version} for {platform.machine()} on this machine"}
    layer_zip = ROOT / "packages" / f"public-key-{architecture}.zip"
    with tempfile.TemporaryDirectory() as work:
        layer = extract_layer(layer_zip, Path(work))
        path = f"import sys; sys.path[:0] = [{str(SHARED)!r}, {str(layer)!r}]; import signatures"
        bare = [interpreter, "-I", "-S", "-B", "-c", path]
        loaded = [interpreter, "-I", "-S", "-B", "-c", path + "; import public_keys"]
        bare_ms, loaded_ms = [], []
        for _ in range(runs):  # alternated, so both see the same machine
            bare_ms.append(process_ms(bare))
            loaded_ms.append(process_ms(loaded))
        unpacked = sum(path.stat().st_size for path in layer.rglob("*") if path.is_file())
    return {
        "python": version,
        "architecture": architecture,
        "zip_bytes": layer_zip.stat().st_size,
        "bare_start_ms": statistics.median(bare_ms),
        "with_layer_ms": statistics.median(loaded_ms),
        "added_ms": statistics.median(loaded_ms) - statistics.median(bare_ms),
        "runs": runs,
        "unpacked_bytes": unpacked,
    }


def markdown(row: dict) -> list[str]:
    if "skipped" in row:
        return ["", "### Public-key layer: cold start", "", f"skipped: {row['skipped']}"]
    return [
        "",
        f"### Public-key layer: cold start (python{row['python']} -I -S -B, median of {row['runs']}, alternated)",
        "",
        "| layer zip bytes | start + signatures ms | + public_keys (the layer) ms | added by the layer ms | ratio |",
        "|---:|---:|---:|---:|---:|",
        f"| {row['zip_bytes']} | {row['bare_start_ms']:.1f} | {row['with_layer_ms']:.1f} | {row['added_ms']:.1f} | "
        f"{row['with_layer_ms'] / row['bare_start_ms']:.2f}x |",
    ]
