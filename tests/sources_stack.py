"""The local stack of examples/local-sources, applied once per test session and shared by
tests/test_e2e_sources.py (sources, signatures, claim checks, archive) and
tests/test_e2e_senders.py (senders by name, handshakes, fixed responses): one
Terraform apply to moto_server, served by the local runner on 127.0.0.1.
conftest.py registers the fixtures.
"""

from __future__ import annotations

import base64
import json
import secrets as secrets_module
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from boto3.dynamodb.types import TypeDeserializer
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
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
LEARNED = {"asana"}  # signing secrets a handshake sets


CONFIG = Path(__file__).resolve().parent.parent / "examples" / "local-sources"
NAME = "e2e-sources"


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
        path = self.outputs["source_urls"][source].split("/", 3)[3]
        return f"{self.runner.url}/{path}" + (f"?token={token}" if token is not None else "")

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
    }
    for name, arn in sources.outputs["source_signing_secret_arns"].items():
        if name not in LEARNED:  # Asana's handshake puts its own
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
