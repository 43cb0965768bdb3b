"""The local stacks of examples/local-sources, each applied once per test session.

`sources`: shared by tests/test_e2e_sources.py (sources, signatures, claim checks, archive),
tests/test_e2e_senders.py (senders by name, handshakes, fixed responses) and
tests/test_e2e_fan_out.py: one Terraform apply to moto_server, served by the local runner
on 127.0.0.1. `boundary`: a second apply, with a custom domain and mutual TLS and no
runner of its own, for tests that start their own runners (tests/test_trust_boundary.py,
under each undocumented behaviour; tests/test_e2e_domain.py). conftest.py registers them.
"""

from __future__ import annotations

import base64
import datetime
import json
import secrets as secrets_module
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from cryptography.x509.oid import NameOID
from test_handshakes import BEATS_ZOOM_SECRET, X_CONSUMER_SECRET
from test_signatures import whsec

import local_runner
from emulator import running_moto_server
from local_terraform import LocalDeployment

VECTORS = Path(__file__).resolve().parent / "fixtures" / "vendor_vectors"
# Keys of our own for the public-key senders (theirs sign only what they send): tests sign fresh
# requests with them through pyca/cryptography; the vendors' vectors are tests/test_public_key_schemes.py's.
DISCORD_KEY = ed25519.Ed25519PrivateKey.generate()
SENDGRID_KEY = ec.generate_private_key(ec.SECP256R1())
SENDGRID_PUBLIC_DER = SENDGRID_KEY.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
LEARNED = {"asana", "notion"}  # signing secrets a handshake sets


CONFIG = Path(__file__).resolve().parent.parent / "examples" / "local-sources"
NAME = "e2e-sources"
# The boundary stack: its custom domain, the bucket of its truststore, the trust boundary's signing secrets.
DOMAIN = "hooks.example.test"
DOMAIN_BASE_PATH = "/hooks"  # examples/local-sources maps its domain on /hooks
TRUST_BUCKET = "boundary-truststore"
BOUNDARY_SIGNING = {"signed-github": secrets_module.token_hex(20), "custom": secrets_module.token_urlsafe(32)}


class Sources:
    def __init__(self, runner: local_runner.LocalRunner, outputs: dict) -> None:
        self.runner = runner
        self.outputs = outputs
        secrets = local_runner.aws_client("secretsmanager", runner.endpoint)
        self.secrets = {
            name: json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
            for name, arn in outputs["source_secret_arns"].items()
        }
        self.dynamodb = local_runner.aws_client("dynamodb", runner.endpoint)
        self.sqs = local_runner.aws_client("sqs", runner.endpoint)

    def url(self, source: str, token: str | None = None) -> str:
        """The source's URL on the runner's execute-api listener (a URL on the domain without its base path)."""
        parts = urllib.parse.urlsplit(self.outputs["source_urls"][source])
        path = parts.path.removeprefix(DOMAIN_BASE_PATH) if parts.hostname == DOMAIN else parts.path
        return f"{self.runner.url}{path}" + (f"?token={token}" if token is not None else "")

    def basic(self) -> str:
        credentials = self.secrets["orders"]
        return "Basic " + base64.b64encode(f"{credentials['username']}:{credentials['password']}".encode()).decode()

    def post(self, url: str, body: str, headers: dict | None = None) -> int:
        headers = {"content-type": "application/json", **(headers or {})}
        request = urllib.request.Request(url, data=body.encode(), headers=headers)  # noqa: S310 - loopback
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def send(self, source: str, body: dict, **headers: str) -> int:
        if source == "orders":
            return self.post(self.url("orders"), json.dumps(body), {"authorization": self.basic(), **headers})
        return self.post(self.url(source, self.secrets[source]["token"]), json.dumps(body), headers)

    def items(self) -> dict[str, dict]:
        found = self.dynamodb.scan(TableName=self.outputs["dynamodb_table_name"], ConsistentRead=True)["Items"]
        return {item["eventId"]["S"]: {k: TypeDeserializer().deserialize(v) for k, v in item.items()} for item in found}

    def drained(self) -> bool:
        return self.runner.wait_until_drained([self.outputs["sqs_queue_url"]], 60)

    def authorizer_calls(self) -> int:
        return self.runner.front_door.stats.authorizer_invocations


@pytest.fixture(scope="session")
def sources(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e-sources")
    with running_moto_server(workdir / "moto.log") as endpoint:
        deployment = LocalDeployment(
            endpoint, workdir / "state", config_dir=CONFIG, extra_vars=(f"name={NAME}", "consumer_timeout_seconds=1")
        )
        runner = None
        try:
            outputs = deployment.apply()
            runner = local_runner.start(endpoint, outputs["apigatewayv2_api_id"])
            yield Sources(runner, outputs)
        finally:
            if runner is not None:
                runner.stop()
            deployment.destroy()


@dataclass(frozen=True)
class Boundary:
    endpoint: str
    outputs: dict
    trusted: Path  # a client certificate (and key) the domain's truststore issued
    stranger: Path  # one from a CA the truststore does not hold


@pytest.fixture(scope="session")
def boundary(tmp_path_factory):
    """examples/local-sources with a custom domain and mutual TLS (a CA made here, put in the
    emulator's S3 first), and the trust boundary's signing secrets: no runner."""
    workdir = tmp_path_factory.mktemp("boundary")
    trusted_ca, trusted = client_identity(workdir, "trusted")
    _, stranger = client_identity(workdir, "stranger")
    with running_moto_server(workdir / "moto.log") as endpoint:
        s3 = local_runner.aws_client("s3", endpoint)
        s3.create_bucket(Bucket=TRUST_BUCKET)
        s3.put_object(Bucket=TRUST_BUCKET, Key="clients.pem", Body=trusted_ca)
        variables = (
            "name=trust-boundary",
            "consumer_timeout_seconds=1",
            f"domain_name={DOMAIN}",
            f"truststore_uri=s3://{TRUST_BUCKET}/clients.pem",
        )
        stack = LocalDeployment(endpoint, workdir / "state", config_dir=CONFIG, extra_vars=variables)
        try:
            outputs = stack.apply()
            secrets = local_runner.aws_client("secretsmanager", endpoint)
            for name, secret in BOUNDARY_SIGNING.items():
                secrets.put_secret_value(SecretId=outputs["source_signing_secret_arns"][name], SecretString=secret)
            yield Boundary(endpoint, outputs, trusted, stranger)
        finally:
            stack.destroy()


def client_identity(directory: Path, name: str) -> tuple[bytes, Path]:
    """A CA (its PEM) and a client certificate it issued, with its key, in one PEM file."""
    ca_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate(f"{name} CA", ca_key, f"{name} CA", ca_key, ca=True)
    client = certificate(f"{name} client", client_key, f"{name} CA", ca_key, ca=False)
    path = directory / f"{name}.pem"
    key_pem = client_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.write_bytes(client.public_bytes(Encoding.PEM) + key_pem)
    return ca.public_bytes(Encoding.PEM), path


def certificate(name: str, key: Any, issuer_name: str, issuer_key: Any, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


@pytest.fixture(scope="session")
def signing(sources):
    """The signing secrets, put into the secrets the module created empty, as README says."""
    secrets_client = local_runner.aws_client("secretsmanager", sources.runner.endpoint)
    secrets = {
        "signed-stripe": "whsec_" + secrets_module.token_hex(16),
        "signed-github": secrets_module.token_hex(20),
        "webhooks": whsec(),
        "svix": whsec(),
        "slack": secrets_module.token_hex(16),
        "custom": secrets_module.token_urlsafe(32),
        "edge-stripe": "whsec_" + secrets_module.token_hex(16),
        "meta": secrets_module.token_hex(16),
        # The senders' own vectors sign with these (tests/test_handshakes.py, tests/fixtures/vendor_vectors).
        "zoom": BEATS_ZOOM_SECRET,
        "x": X_CONSUMER_SECRET,
        "dropbox": json.loads((VECTORS / "dropbox.json").read_text())["secret"],
        "twitch": secrets_module.token_hex(16),
        "square": secrets_module.token_urlsafe(16),
        "mailgun": secrets_module.token_hex(16),
        "adyen": json.loads((VECTORS / "adyen.json").read_text())["secret"],  # Adyen's SDK vector signs with it
        # Public keys as the senders' consoles show them (hex; base64 DER): the tests sign with the private halves.
        "discord": DISCORD_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex(),
        "sendgrid": base64.b64encode(
            SENDGRID_KEY.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        ).decode(),
        "paypal": json.loads((VECTORS / "paypal.json").read_text())["webhook_id"],
        # Atlassian's library's vector installation (tests/fixtures/vendor_vectors/jira-app.json).
        "jira": json.dumps(
            {"dc9824e8-3f71-4979-9b78-6d68b28b88d9": json.loads((VECTORS / "jira-app.json").read_text())["secret"]}
        ),
        "plaid": json.dumps(
            {"client_id": "5f1c0e8b2d3a4b0011aabbcc", "secret": secrets_module.token_hex(15), "environment": "sandbox"}
        ),
    }
    for name, arn in sources.outputs["source_signing_secret_arns"].items():
        if name not in LEARNED:  # Asana's and Notion's handshakes put their own
            secrets_client.put_secret_value(SecretId=arn, SecretString=secrets[name])
    return secrets


def exchange(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """(status, response headers lower-cased, body) of one request, whatever its status."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def queued_count(sources: Sources) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sources.sqs.get_queue_attributes(QueueUrl=sources.outputs["sqs_queue_url"], AttributeNames=names)["Attributes"]
    return sum(int(value) for value in attributes.values())
