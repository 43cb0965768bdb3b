"""A custom domain with mutual TLS through the local stack (issue 24, items 3 and 4).

examples/local-sources applied with domain_name and a truststore (sources_stack.boundary: a
CA made there, put in the emulator's S3): the local runner serves the domain over TLS on its
own port with the mapping's base path (scripts/local_runner/custom_domain.py). What API
Gateway answers a client without a certificate is not documented (a TLS failure or 403): the
runner plays both, and both must refuse. (That stack keeps its execute-api address open for
the other tests; the address closed is tests/test_runner_domain.py's and module api's test.)"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import urllib.parse
import uuid
from pathlib import Path

import pytest
from sources_stack import DOMAIN

import local_runner

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["handshake", "forbidden"])
def runner(request, boundary):
    started = local_runner.start(boundary.endpoint, boundary.outputs["apigatewayv2_api_id"], mtls_refusal=request.param)
    yield started
    started.stop()


def basic(boundary) -> str:
    secrets = local_runner.aws_client("secretsmanager", boundary.endpoint)
    credentials = json.loads(secrets.get_secret_value(SecretId=boundary.outputs["source_secret_arns"]["orders"])["SecretString"])
    return "Basic " + base64.b64encode(f"{credentials['username']}:{credentials['password']}".encode()).decode()


def post(runner, path: str, body: dict, authorization: str, client_pem: Path | None) -> int:
    """POST over TLS to the runner's domain listener, trusting its certificate, with or without a client certificate."""
    parts = urllib.parse.urlsplit(runner.domain_url)
    context = ssl.create_default_context(cadata=runner.front_door.server_certificate_pem.decode())
    context.check_hostname = False  # the certificate names the domain; the listener is 127.0.0.1
    if client_pem is not None:
        context.load_cert_chain(client_pem)
    connection = http.client.HTTPSConnection(parts.hostname, parts.port, context=context, timeout=10)
    try:
        connection.request("POST", path, json.dumps(body), {"authorization": authorization, "content-type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def answer(runner, boundary, client_pem: Path | None) -> int | str:
    """The status, or "handshake refused" when the server ended the TLS handshake (not when the client
    refused the server's certificate, nor when nothing listens: those raise)."""
    try:
        return post(runner, "/hooks/submit", {"eventId": f"refused-{uuid.uuid4().hex}"}, basic(boundary), client_pem)
    except ssl.SSLCertVerificationError:
        raise
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        return "handshake refused"


def test_every_url_output_is_on_the_domain(boundary):
    assert boundary.outputs["source_urls"]["orders"] == f"https://{DOMAIN}/hooks/submit"


def test_a_client_certificate_the_truststore_issued_is_let_in_and_its_webhook_stored(runner, boundary):
    event_id = f"mtls-{uuid.uuid4().hex}"
    assert post(runner, "/hooks/submit", {"eventId": event_id}, basic(boundary), boundary.trusted) == 200
    assert runner.wait_until_drained([boundary.outputs["sqs_queue_url"]], 60)
    table = local_runner.aws_client("dynamodb", boundary.endpoint)
    key = {"eventId": {"S": f"orders#{event_id}"}}
    assert "Item" in table.get_item(TableName=boundary.outputs["dynamodb_table_name"], Key=key, ConsistentRead=True)


def test_without_a_client_certificate_the_domain_refuses(runner, boundary):
    mode = runner.front_door.mtls_refusal
    assert answer(runner, boundary, None) == ("handshake refused" if mode == "handshake" else 403)


def test_a_certificate_from_another_ca_is_refused(runner, boundary):
    assert answer(runner, boundary, boundary.stranger) == "handshake refused"  # in both modes (custom_domain.py)


def test_a_path_outside_the_base_path_is_not_found(runner, boundary):
    assert post(runner, "/submit", {"eventId": "outside"}, basic(boundary), boundary.trusted) == 404
