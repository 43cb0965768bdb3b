"""The public-key Lambda layer (packages/public-key-<arch>.zip, built by scripts/build_layer.py).

These tests read the committed zips themselves: what they hold and for which machine, that
the manifest describes them, that they carry the dev venv's cryptography (the local runner
lends the venv's copy to functions that have the layer), and, on Lambda's Python version with
nothing but the layer on sys.path, that they verify a real Ed25519 webhook signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import re
import subprocess
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest

from lambda_python import FUNCTION_MODULE, extract_layer, find_python, lambda_python_version

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "packages"
MANIFEST = PACKAGES / "public-key-layer.json"
REQUIREMENTS = ROOT / "functions" / "layers" / "public-key.txt"
CONSTRAINTS = ROOT / "constraints-dev.txt"
DISCORD_VECTOR = ROOT / "tests" / "fixtures" / "vendor_vectors" / "discord.json"

# ELF e_machine of each Lambda architecture: EM_X86_64 and EM_AARCH64.
E_MACHINE = {"x86_64": 0x3E, "arm64": 0xB7}
HOST_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
LAMBDA_GLIBC = (2, 34)  # Amazon Linux 2023, the OS of Lambda's python3.13; the wheels need it


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def zip_path(arch: str) -> Path:
    return PACKAGES / f"public-key-{arch}.zip"


@pytest.fixture(scope="module")
def contents() -> dict[str, dict[str, bytes]]:
    """Each architecture's zip as {entry name: content}."""
    layers = {}
    for arch in E_MACHINE:
        assert zip_path(arch).is_file(), f"{zip_path(arch)} is missing: run python3 scripts/build_layer.py"
        with zipfile.ZipFile(zip_path(arch)) as archive:
            layers[arch] = {info.filename: archive.read(info) for info in archive.infolist()}
    return layers


def distributions(files: dict[str, bytes]) -> dict[str, str]:
    """{name: version} from every *.dist-info/METADATA in a layer."""
    found = {}
    for name, content in files.items():
        if re.fullmatch(r"python/[^/]+\.dist-info/METADATA", name):
            headers = HeaderParser().parsestr(content.decode("utf-8"))
            found[canonical(headers["Name"])] = headers["Version"]
    return found


def pins(path: Path) -> dict[str, str]:
    """{name: version} of every `name==version` line (continuations and hashes ignored)."""
    pairs = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", path.read_text(), re.MULTILINE)
    return {canonical(name): version for name, version in pairs}


@pytest.mark.parametrize("arch", sorted(E_MACHINE))
def test_layer_holds_cryptography_and_cffi_under_python(contents, arch):
    names = list(contents[arch])
    assert names, f"{zip_path(arch)} is empty"
    assert [name for name in names if not name.startswith("python/")] == []
    assert "python/cryptography/__init__.py" in names
    assert "python/cryptography/hazmat/bindings/_rust.abi3.so" in names
    assert [name for name in names if re.fullmatch(r"python/_cffi_backend\.cpython-313-[^/]+\.so", name)]
    assert names == sorted(names)


@pytest.mark.parametrize("arch", sorted(E_MACHINE))
def test_every_shared_object_is_built_for_the_zips_architecture(contents, arch):
    elf = {name: content for name, content in contents[arch].items() if content[:4] == b"\x7fELF"}
    assert any("_cffi_backend" in name for name in elf) and any("_rust.abi3.so" in name for name in elf)
    assert all(name.endswith(".so") for name in elf), "an ELF file that is not a .so"
    for name, content in elf.items():
        assert (content[4], content[5]) == (2, 1), f"{name}: not a 64-bit little-endian ELF"
        e_machine = int.from_bytes(content[18:20], "little")
        assert e_machine == E_MACHINE[arch], f"{name} in the {arch} layer is for e_machine {e_machine:#x}"


@pytest.mark.parametrize("arch", sorted(E_MACHINE))
def test_entries_are_dated_1980_with_mode_0644(arch):
    with zipfile.ZipFile(zip_path(arch)) as archive:
        odd = [
            info.filename
            for info in archive.infolist()
            if info.date_time != (1980, 1, 1, 0, 0, 0) or info.external_attr >> 16 != 0o100644 or info.is_dir()
        ]
    assert odd == []


def test_manifest_describes_the_zips(contents):
    manifest = json.loads(MANIFEST.read_text())
    assert set(manifest["architectures"]) == set(E_MACHINE)
    assert manifest["runtime"] == f"python{lambda_python_version()}"
    for arch, described in manifest["architectures"].items():
        data = zip_path(arch).read_bytes()
        files = contents[arch]
        lines = "".join(f"{hashlib.sha256(content).hexdigest()}  {name}\n" for name, content in sorted(files.items()))
        assert described["path"] == f"packages/public-key-{arch}.zip"
        assert described["size"] == len(data)
        assert described["sha256_base64"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
        assert described["entries"] == len(files)
        assert described["unpacked_size"] == sum(len(content) for content in files.values())
        assert described["entries_sha256"] == hashlib.sha256(lines.encode()).hexdigest()
        assert manifest["distributions"] == distributions(files)


def test_layer_distributions_are_exactly_the_pinned_ones(contents):
    for files in contents.values():
        assert distributions(files) == pins(REQUIREMENTS)


def test_layer_cryptography_is_the_dev_venvs_pin(contents):
    # The local runner lends the venv's cryptography to functions that carry the layer:
    # the two must be the same release, or local runs prove nothing about Lambda.
    wanted = pins(CONSTRAINTS)["cryptography"]
    for arch, files in contents.items():
        assert distributions(files)["cryptography"] == wanted, f"{arch} layer vs constraints-dev.txt"


def test_layer_dependencies_match_the_dev_venvs_pins_too(contents):
    venv = pins(CONSTRAINTS)
    for files in contents.values():
        layer = distributions(files)
        assert {name: venv.get(name) for name in layer} == layer


def glibc_version() -> tuple[int, int] | None:
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError, AttributeError):
        return None
    match = re.fullmatch(r"glibc (\d+)\.(\d+)", text)
    return (int(match[1]), int(match[2])) if match else None


@pytest.fixture(scope="module")
def lambda_python(tmp_path_factory) -> tuple[str, Path]:
    """Lambda's Python version and this host's layer, extracted: (interpreter, python/ dir)."""
    version = lambda_python_version()
    interpreter = find_python(version)
    if interpreter is None:
        pytest.skip(f"no python{version} here (Lambda's runtime in {FUNCTION_MODULE.relative_to(ROOT)})")
    arch = HOST_ARCH.get(platform.machine().lower())
    if arch is None or platform.system() != "Linux":
        pytest.skip(f"the layer holds Linux x86_64/arm64 binaries; this is {platform.system()} {platform.machine()}")
    glibc = glibc_version()
    if glibc is None or glibc < LAMBDA_GLIBC:
        pytest.skip(f"the layer's wheels need glibc >= 2.34 (Lambda's); this host has {glibc}")
    return interpreter, extract_layer(zip_path(arch), tmp_path_factory.mktemp("layer"))


# Runs in Lambda's Python with only the layer on sys.path: -I (no environment, no user site),
# -S (no site module, so no site-packages at all), -B (no .pyc written, as on Lambda's read-only /opt).
PROBE = """
import json, sys
layer, public_key, signature, message, tampered = sys.argv[1:]
sys.path.insert(0, layer)
report = {"path": sys.path, "site": "site" in sys.modules, "python": "%d.%d" % sys.version_info[:2]}
try:
    import boto3
    report["boto3"] = boto3.__file__
except ImportError:
    report["boto3"] = None
import _cffi_backend
import cryptography
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
key.verify(bytes.fromhex(signature), bytes.fromhex(message))
report["valid"] = True
try:
    key.verify(bytes.fromhex(signature), bytes.fromhex(tampered))
    report["tampered"] = "accepted"
except InvalidSignature:
    report["tampered"] = "InvalidSignature"
report["version"] = cryptography.__version__
report["files"] = [cryptography.__file__, _cffi_backend.__file__]
print(json.dumps(report))
"""


def test_layer_alone_verifies_discords_ed25519_signature_on_lambdas_python(lambda_python):
    interpreter, layer = lambda_python
    vector = json.loads(DISCORD_VECTOR.read_text())
    timestamp, signature = vector["headers"]["x-signature-timestamp"], vector["headers"]["x-signature-ed25519"]
    body = vector["body"].encode()
    tampered_body = body.replace(b'"type":1', b'"type":2')
    assert len(tampered_body) == len(body) and sum(a != b for a, b in zip(body, tampered_body, strict=True)) == 1
    message, tampered = timestamp.encode() + body, timestamp.encode() + tampered_body

    result = subprocess.run(
        [interpreter, "-I", "-S", "-B", "-c", PROBE, str(layer), vector["public_key"], signature, message.hex(), tampered.hex()],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=layer.parent,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    assert report["python"] == lambda_python_version()
    assert report["valid"] is True
    assert report["tampered"] == "InvalidSignature"
    assert report["version"] == pins(CONSTRAINTS)["cryptography"]
    # Everything came from the layer: no site module, no site-packages, no boto3.
    assert report["site"] is False
    assert [entry for entry in report["path"] if "site-packages" in entry or "dist-packages" in entry] == []
    assert report["boto3"] is None
    assert all(Path(file).is_relative_to(layer) for file in report["files"]), report["files"]
