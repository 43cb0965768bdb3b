"""What `make local` prints for connecting senders (issue 20, item 16): where the
Terraform state is, and for every source, signed ones too, its local URL and the
exact AWS CLI command that puts its signing secret. Fed `terraform output -json`
as Terraform prints it for examples/local-sources on moto."""

from __future__ import annotations

import shlex
from pathlib import Path

import demo
from local_terraform import LocalDeployment

ENDPOINT = "http://127.0.0.1:41234"
FRONT_DOOR = "http://127.0.0.1:8080"
API = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"

# `terraform output -json` of examples/local-sources (shape: {name: {sensitive, type, value}}), trimmed to three sources.
DOCUMENT = {
    "apigatewayv2_api_id": {"sensitive": False, "type": "string", "value": "a1b2c3d4e5"},
    "source_urls": {
        "sensitive": False,
        "type": ["map", "string"],
        "value": {"orders": f"{API}/submit", "stripe": f"{API}/hooks/stripe", "signed-github": f"{API}/signed/github"},
    },
    "source_secret_arns": {
        "sensitive": False,
        "type": ["map", "string"],
        "value": {"orders": f"{ARN}e2e-sources-orders-Ab12Cd", "stripe": f"{ARN}e2e-sources-stripe-Ef34Gh"},
    },
    "source_signing_secret_arns": {
        "sensitive": False,
        "type": ["map", "string"],
        "value": {"signed-github": f"{ARN}e2e-sources-signing-signed-github-Ij56Kl"},
    },
    "sqs_queue_url": {"sensitive": False, "type": "string", "value": "http://127.0.0.1:41234/123456789012/e2e-sources"},
}

STATE = Path("/tmp/webhook-ingest-demo-x1/state/terraform.tfstate")


def lines(document: dict, deployed: tuple[dict, dict] = ({}, {})) -> list[str]:
    command = f"terraform -chdir=examples/local-sources output -state={STATE} -json source_signing_secret_arns"
    return demo.connection_lines(document, FRONT_DOOR, ENDPOINT, STATE, command, deployed)


def commands(printed: list[str], label: str) -> list[list[str]]:
    """The argv of each printed command after `label`, as a shell would split it."""
    return [shlex.split(line.split(f"{label}: ", 1)[1]) for line in printed if f"{label}: " in line]


def test_every_source_is_printed_with_its_local_url():
    printed = lines(DOCUMENT)
    assert f"  orders: {FRONT_DOOR}/submit" in printed
    assert f"  stripe: {FRONT_DOOR}/hooks/stripe" in printed
    assert f"  signed-github: {FRONT_DOOR}/signed/github" in printed  # a signed source has no sample curl, but a URL


def test_a_signed_source_gets_the_exact_command_that_puts_its_signing_secret():
    [put] = commands(lines(DOCUMENT), "put its signing secret")
    assert put == [
        "aws",
        "--endpoint-url",
        ENDPOINT,
        "secretsmanager",
        "put-secret-value",
        "--secret-id",
        f"{ARN}e2e-sources-signing-signed-github-Ij56Kl",
        "--secret-string",
        "<signing secret from the sender>",
    ]


def test_a_source_with_credentials_gets_the_command_that_reads_them():
    reads = commands(lines(DOCUMENT), "its credentials")
    assert [argv[argv.index("--secret-id") + 1] for argv in reads] == [
        f"{ARN}e2e-sources-orders-Ab12Cd",
        f"{ARN}e2e-sources-stripe-Ef34Gh",
    ]
    assert all(argv[:5] == ["aws", "--endpoint-url", ENDPOINT, "secretsmanager", "get-secret-value"] for argv in reads)


def test_the_state_file_and_the_aws_cli_settings_are_named():
    printed = lines(DOCUMENT)
    assert any(str(STATE) in line and "deleted when the stack stops" in line for line in printed)
    # The AWS CLI signs every request: without a key and a region it refuses before sending.
    [export] = [line for line in printed if "export " in line]
    assert {"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_DEFAULT_REGION=us-east-1"} <= set(export.split())


def test_a_root_without_source_outputs_falls_back_to_what_was_deployed():
    deployed = ({"github": f"{FRONT_DOOR}/hooks/github"}, {"github": f"{ARN}mine-signing-github-Mn78Op"})
    printed = lines({"name": {"sensitive": False, "type": "string", "value": "mine"}}, deployed)
    assert f"  github: {FRONT_DOOR}/hooks/github" in printed
    [put] = commands(printed, "put its signing secret")
    assert put[put.index("--secret-id") + 1] == f"{ARN}mine-signing-github-Mn78Op"


def test_the_output_command_reads_this_deployments_state(tmp_path):
    deployment = LocalDeployment(ENDPOINT, tmp_path / "state", config_dir=tmp_path / "root")
    argv = shlex.split(deployment.output_command("source_signing_secret_arns"))
    assert argv == [
        "terraform",
        f"-chdir={tmp_path / 'root'}",
        "output",
        f"-state={tmp_path / 'state' / 'terraform.tfstate'}",
        "-json",
        "source_signing_secret_arns",
    ]
