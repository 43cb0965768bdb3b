"""Lambda functions run locally: each deployed function from its built zip, in
worker processes of its own (one per concurrent invocation, like Lambda's
execution environments), with the deployed environment and role.

Nothing of a function enters the runner's own process: not its modules, not
its environment variables. What runs is exactly the zip whose hash moto holds
as the deployed CodeSha256.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .aws import DUMMY_KEY, REGION
from .iam_guard import RolePolicy, role_policy

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES = ROOT / "packages"
WORKER = Path(__file__).resolve().parent / "worker.py"
# Variables a worker inherits from the runner; everything AWS comes from the deployment.
INHERITED = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "TMPDIR")


class InvocationFailed(RuntimeError):
    """The function raised, timed out or its environment died (Lambda's Unhandled error)."""


def code_sha256(path: Path) -> str:
    """A zip's hash as Lambda shows it (CodeSha256: base64 of the SHA-256)."""
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def package_for(configuration: Mapping[str, Any], packages: Path = PACKAGES) -> Path:
    """The built zip whose hash is the deployed CodeSha256 (refuse to run anything else)."""
    deployed = configuration["CodeSha256"]
    for candidate in sorted(packages.glob("*.zip")):
        if code_sha256(candidate) == deployed:
            return candidate
    raise RuntimeError(f"{configuration['FunctionName']}: no zip in packages/ matches the deployed CodeSha256 {deployed}")


def layer_modules(packages: Path = PACKAGES) -> frozenset[str]:
    """The top-level modules the public-key layers hold (cryptography, _cffi_backend, ...)."""
    names = set()
    for layer in packages.glob("public-key-*.zip"):
        with zipfile.ZipFile(layer) as archive:
            for entry in archive.namelist():
                top = entry.removeprefix("python/").split("/", 1)[0]
                if not top.endswith((".dist-info", ".data")):
                    names.add(top.split(".", 1)[0])
    return frozenset(names)


def lent_modules(configuration: Mapping[str, Any], lambda_client: Any, packages: Path = PACKAGES) -> list[str]:
    """The layer's modules a function may import: those of the public-key layer of its own
    architecture when it carries that layer (the runner's venv pins the same cryptography,
    tests/test_public_key_layer.py); none otherwise, as on Lambda, where they are not there.
    A layer that is not one of packages/ is refused: nothing runs that was not built here."""
    layers = configuration.get("Layers") or []
    architecture = (configuration.get("Architectures") or ["x86_64"])[0]
    expected = packages / f"public-key-{architecture}.zip"
    for layer in layers:
        name, version = layer["Arn"].split(":")[-2:]
        content = lambda_client.get_layer_version(LayerName=name, VersionNumber=int(version))["Content"]
        if not expected.is_file() or content["CodeSha256"] != code_sha256(expected):
            raise RuntimeError(f"{configuration['FunctionName']}: layer {layer['Arn']} is not packages/{expected.name}")
    return sorted(layer_modules(packages)) if layers else []


def worker_environment(configuration: Mapping[str, Any], endpoint: str) -> dict[str, str]:
    """What Lambda would set, with the SDK pointed at the emulator."""
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env.update(configuration.get("Environment", {}).get("Variables", {}))
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID=DUMMY_KEY,
        AWS_SECRET_ACCESS_KEY=DUMMY_KEY,
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_LAMBDA_FUNCTION_NAME=configuration["FunctionName"],
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(configuration.get("MemorySize", 128)),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


class Container:
    """One execution environment: a worker process serving one invocation at a time."""

    def __init__(self, spec_file: Path, env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(WORKER), str(spec_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=dict(env),
            text=True,
            encoding="utf-8",
            # Out of the terminal's process group: a Ctrl-C is for the demo, which
            # stops its environments itself (closing stdin, which also ends a worker
            # whose runner died).
            start_new_session=True,
        )
        self._answers: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read_answers, name="lambda-worker-reader", daemon=True).start()

    def _read_answers(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._answers.put(line)
        self._answers.put(None)  # the process ended

    def request(self, message: Mapping[str, Any], timeout_seconds: float) -> Any:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
            line = self._answers.get(timeout=timeout_seconds)
        except queue.Empty:
            self.kill()  # Lambda ends an environment whose invocation timed out
            raise InvocationFailed(f"Task timed out after {timeout_seconds:.2f} seconds") from None
        except OSError as error:
            raise InvocationFailed(f"the execution environment ended: {error}") from error
        if line is None:
            raise InvocationFailed(f"the execution environment ended (exit code {self.process.wait()})")
        answer = json.loads(line)
        if not answer["ok"]:
            raise InvocationFailed(answer["error"])
        return answer["result"]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        """End the process once its current invocation is done (it reads no more requests)."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(OSError):  # the process may be gone already
                self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class LocalFunction:
    """A deployed function: a pool of containers started on demand, at most
    `max_containers` at once (Lambda's concurrency), each reused while warm."""

    name: str
    configuration: Mapping[str, Any]
    policy: RolePolicy
    spec_file: Path
    log_file: Path
    env: Mapping[str, str]
    max_containers: int = 4
    faults: dict[str, str] = field(default_factory=dict)
    _idle: queue.LifoQueue = field(default_factory=queue.LifoQueue)
    _all: list[Container] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _slots: threading.Semaphore | None = None

    def __post_init__(self) -> None:
        self._slots = threading.Semaphore(self.max_containers)

    @property
    def timeout_seconds(self) -> float:
        return float(self.configuration.get("Timeout", 3))

    def invoke(self, event: Mapping[str, Any], timeout_seconds: float | None = None) -> Any:
        """Run the handler on `event` in a free container; raises InvocationFailed as Lambda reports an error."""
        timeout = timeout_seconds or self.timeout_seconds
        message = {"type": "invoke", "event": event, "timeout_ms": int(timeout * 1000), "request_id": str(uuid.uuid4())}
        return self._on_a_container(dict(message, faults=dict(self.faults)), timeout + 2)

    def describe(self) -> dict:
        """Where one container's code came from: its pid, sys.path and loaded module files."""
        return self._on_a_container({"type": "describe"}, 30)

    def _on_a_container(self, message: Mapping[str, Any], timeout: float) -> Any:
        assert self._slots is not None
        with self._slots:
            container = self._take()
            try:
                return container.request(message, timeout)
            finally:
                if container.alive:
                    self._idle.put(container)

    def _take(self) -> Container:
        while True:
            try:
                container = self._idle.get_nowait()
            except queue.Empty:
                container = Container(self.spec_file, self.env)
                with self._lock:
                    self._all.append(container)
                return container
            if container.alive:
                return container

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8") if self.log_file.exists() else ""

    def stop(self) -> None:
        with self._lock:
            for container in self._all:
                container.stop()
            self._all.clear()


def write_spec(
    spec_file: Path,
    function_name: str,
    code_dir: Path,
    handler: str,
    log_file: Path,
    policy: RolePolicy,
    account: str,
    layer_modules: tuple[list[str], list[str]] = ([], []),
) -> None:
    """What worker.py reads at start: the code, handler, log file, the role it is guarded by, and
    (layer_modules) the layer modules there are and those this function's layers lend it."""
    spec = {
        "function_name": function_name,
        "code_dir": str(code_dir),
        "handler": handler,
        "log_file": str(log_file),
        "policy": policy.to_json(),
        "account": account,
        "layer_modules": layer_modules[0],
        "lent_modules": layer_modules[1],
    }
    spec_file.write_text(json.dumps(spec))


def load_function(
    lambda_client: Any, iam: Any, function_name: str, workdir: Path, endpoint: str, account: str, max_containers: int = 4
) -> LocalFunction:
    """Extract the deployed function's zip and prepare its containers (started on first invoke)."""
    configuration = lambda_client.get_function_configuration(FunctionName=function_name)
    code_dir = workdir / function_name / "code"
    with zipfile.ZipFile(package_for(configuration)) as archive:
        archive.extractall(code_dir)
    policy = role_policy(iam, configuration["Role"])
    log_file = workdir / f"{function_name}.log"
    spec_file = workdir / function_name / "spec.json"
    modules = (sorted(layer_modules()), lent_modules(configuration, lambda_client))
    write_spec(spec_file, function_name, code_dir, configuration["Handler"], log_file, policy, account, modules)
    return LocalFunction(
        name=function_name,
        configuration=configuration,
        policy=policy,
        spec_file=spec_file,
        log_file=log_file,
        env=worker_environment(configuration, endpoint),
        max_containers=max_containers,
    )
