"""The IAM guard: a function's AWS call is refused unless its deployed role allows it.

moto does not enforce IAM, so without this a policy missing an action would
pass every local test and fail on AWS. Each function worker installs the guard
on botocore itself, so every client, session and thread of the function is
checked (a guard scoped to a context variable missed the consumer's thread pool).

Standard library and botocore only: function workers load this file by path.
"""

from __future__ import annotations

import fnmatch
import json
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

REGION = "us-east-1"

Statements = tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # (actions, resources) of each Allow


@dataclass(frozen=True)
class RolePolicy:
    """The Allow statements of a role's inline policies (all this module writes)."""

    role_name: str
    statements: Statements

    def allows(self, action: str, resource: str) -> bool:
        return any(
            any(fnmatch.fnmatchcase(action, pattern) for pattern in actions)
            and any(fnmatch.fnmatchcase(resource, pattern) for pattern in resources)
            for actions, resources in self.statements
        )

    def to_json(self) -> str:
        return json.dumps({"role_name": self.role_name, "statements": self.statements})

    @classmethod
    def from_json(cls, text: str) -> RolePolicy:
        data = json.loads(text)
        statements = tuple((tuple(actions), tuple(resources)) for actions, resources in data["statements"])
        return cls(data["role_name"], statements)


def role_policy(iam: Any, role_arn: str) -> RolePolicy:
    role_name = role_arn.rsplit("/", 1)[-1]
    statements = []
    for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        for statement in _as_list(document.get("Statement")):
            if statement.get("Effect") == "Allow":
                statements.append((tuple(_as_list(statement.get("Action"))), tuple(_as_list(statement.get("Resource")))))
    return RolePolicy(role_name, tuple(statements))


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value] if value is not None else []


def guarded_resources(service: str, operation: str, params: Mapping[str, Any], account: str) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) pairs a call needs, for the calls our functions make."""
    if service == "sqs" and "QueueUrl" in params:
        action = "SendMessage" if operation == "SendMessageBatch" else operation
        action = "DeleteMessage" if operation == "DeleteMessageBatch" else action
        queue_account, name = params["QueueUrl"].rstrip("/").split("/")[-2:]
        return [(f"sqs:{action}", f"arn:aws:sqs:{REGION}:{queue_account}:{name}")]
    if service == "dynamodb":
        tables = list(params.get("RequestItems", {})) or [params.get("TableName")]
        return [(f"dynamodb:{operation}", f"arn:aws:dynamodb:{REGION}:{account}:table/{table}") for table in tables if table]
    if service == "s3" and "Bucket" in params and "Key" in params:
        return [(f"s3:{operation}", f"arn:aws:s3:::{params['Bucket']}/{params['Key']}")]
    if service == "events" and operation == "PutEvents":
        names = {entry.get("EventBusName") or "default" for entry in params.get("Entries", [])}
        buses = {name if name.startswith("arn:") else f"arn:aws:events:{REGION}:{account}:event-bus/{name}" for name in names}
        return [("events:PutEvents", bus) for bus in sorted(buses)]
    if service == "secretsmanager" and "SecretId" in params:
        return [(f"secretsmanager:{operation}", params["SecretId"])]
    return []


def access_denied(operation: str, message: str, code: str = "AccessDeniedException", status: int = 400) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


def install(
    policy: RolePolicy,
    account: str,
    is_loopback: Callable[[str], bool],
    faults: Mapping[str, str],
    report: Callable[[str], None] = lambda message: None,
) -> Callable[[], None]:
    """Check every API call made in this process: refuse what `policy` does not
    allow (and `report` it: a function may swallow the error, the user still
    needs to see why), fail calls to a service named in `faults` (endpoint
    prefix -> error code, read at call time), and refuse any endpoint that is
    not loopback. Returns the function that removes the guard."""
    from botocore.client import BaseClient

    make_api_call = BaseClient._make_api_call

    def guarded(client: BaseClient, operation: str, params: Mapping[str, Any]) -> Any:
        host = urllib.parse.urlsplit(client.meta.endpoint_url).hostname or ""
        if not is_loopback(host):
            raise RuntimeError(f"local runner: refusing a request to {host}: only loopback endpoints are allowed")
        service = client.meta.service_model.endpoint_prefix
        if service in faults:
            raise access_denied(operation, "injected fault", code=faults[service], status=503)
        for action, resource in guarded_resources(service, operation, params, account):
            if not policy.allows(action, resource):
                message = f"{policy.role_name} may not {action} on {resource}"
                report(message)
                raise access_denied(operation, message)
        return make_api_call(client, operation, params)

    BaseClient._make_api_call = guarded  # type: ignore[method-assign]

    def uninstall() -> None:
        BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]

    return uninstall
