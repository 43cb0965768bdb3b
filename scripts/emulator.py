"""A moto_server on 127.0.0.1 (never any other address), started and stopped by our scripts and tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from loopback import is_loopback
from tfsetup import terraform_env

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):  # noqa: S310 - loopback URL we built
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def running_moto_server(log_path: Path | None = None):
    """Yield the endpoint URL of a fresh moto_server; stop it afterwards."""
    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        # moto.server, with two gaps closed (moto_server_tls.py: the TLS-only bucket policy; moto_domain_names.py).
        [sys.executable, str(Path(__file__).resolve().parent / "moto_server_tls.py"), "-H", LOOPBACK, "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if log_path:
            log.close()


# Credentials and settings that could send a request elsewhere than the emulator.
_AWS_ROUTING = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


def emulator_env(endpoint: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """terraform_env() aimed at a local emulator: every AWS service at `endpoint`
    (the AWS provider and SDKs read AWS_ENDPOINT_URL), dummy credentials, and no
    profile, token or per-service endpoint left over that could reach real AWS."""
    host = urllib.parse.urlsplit(endpoint).hostname or ""
    if not is_loopback(host):
        raise ValueError(f"refusing a non-loopback emulator endpoint: {endpoint}")
    env = {
        name: value
        for name, value in terraform_env(base).items()
        if name not in _AWS_ROUTING and not name.startswith("AWS_ENDPOINT_URL_")
    }
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's dummy key
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env
