"""What `make local` prints for a person connecting senders: where the Terraform
state is, and for every source its local URL, the command that reads its
credentials and the command that puts its signing secret. Split from demo.py
(which re-exports connection_lines and deployed_sources)."""

from __future__ import annotations

import re
import shlex
import urllib.parse
from pathlib import Path
from typing import Any

import local_runner
from local_runner.samples import consumer_sources, route_source

# moto takes any key; the AWS CLI needs one, and a region, to sign a request at all.
AWS_CLI_ENV = "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1"
SIGNING_SECRET_PLACEHOLDER = "<signing secret from the sender>"  # noqa: S105 - a placeholder to replace


def local_url(api_url: str, front_door_url: str, domain_url: str | None = None) -> str:
    """A deployed route's URL on the local front door: an execute-api URL (https://<api>.execute-api.../path)
    on its listener, a custom domain's (https://<domain>/<base path>/path) on the domain's listener."""
    parts = urllib.parse.urlsplit(api_url)
    on_domain = domain_url is not None and ".execute-api." not in (parts.hostname or "")
    return (domain_url if on_domain else front_door_url).rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def deployed_sources(stack: local_runner.LocalRunner) -> tuple[dict[str, str], dict[str, str]]:
    """(local URL, signing secret ARN) of each source, read from the deployment, for a
    root whose outputs do not name them: the routes' sources and the consumer's SOURCES."""
    urls = {}
    for route in stack.front_door.routes:
        source = route_source(stack, route)
        if source:
            urls[source] = stack.url + re.sub(r"\{[^}]+\}", "sample", route.route_key.split(" ", 1)[1])
    rules, _ = consumer_sources(stack)
    signing = {
        name: rule["signature"]["secret_arn"] for name, rule in rules.items() if (rule.get("signature") or {}).get("secret_arn")
    }
    return urls, signing


def connection_lines(
    document: dict[str, Any],
    front_door_url: str,
    endpoint: str,
    state_file: Path,
    output_command: str,
    deployed: tuple[dict[str, str], dict[str, str]] = ({}, {}),
    domain_url: str | None = None,
) -> list[str]:
    """What `make local` prints for a person connecting senders: where the Terraform
    state is (the command that reads its outputs), and for every source, signed ones
    too, its local URL, the command that reads its credentials and the command that
    puts its signing secret. `document` is `terraform output -json`; a root that does
    not output sources falls back to what was deployed."""
    outputs = {name: entry["value"] for name, entry in document.items()}
    deployed_urls, deployed_signing = deployed
    given = outputs.get("source_urls") or {}
    urls = {name: local_url(url, front_door_url, domain_url) for name, url in given.items()} or deployed_urls
    signing = {**deployed_signing, **(outputs.get("source_signing_secret_arns") or {})}
    credentials = dict(outputs.get("source_secret_arns") or {})
    if not urls and outputs.get("secretsmanager_secret_arn"):  # one source, no sources map
        credentials.setdefault("webhooks", outputs["secretsmanager_secret_arn"])
    aws = f"aws --endpoint-url {endpoint}"
    lines = [
        f"Terraform state: {state_file} (deleted when the stack stops). Its outputs, for example:",
        f"  {output_command}",
        f"AWS CLI on the emulator, with moto's dummy credentials: export {AWS_CLI_ENV}",
    ]
    for source in sorted(set(urls) | set(signing) | set(credentials)):
        lines.append(f"  {source}: {urls.get(source, '(no route found)')}")
        if source in credentials:
            read = f"{aws} secretsmanager get-secret-value --secret-id {shlex.quote(credentials[source])}"
            lines.append(f"    its credentials: {read} --query SecretString --output text")
        if source in signing:
            put = f"{aws} secretsmanager put-secret-value --secret-id {shlex.quote(signing[source])}"
            lines.append(f"    put its signing secret: {put} --secret-string {shlex.quote(SIGNING_SECRET_PLACEHOLDER)}")
    return lines
