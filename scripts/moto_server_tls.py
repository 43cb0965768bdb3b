"""moto_server, with bucket policies' TLS-only deny evaluated as AWS would for our calls.

moto applies a bucket policy's Deny statements without evaluating their
conditions (its policy engine skips Condition), so the module's TLS-only
policy (Deny when aws:SecureTransport is false) refuses every object request,
although on AWS every SDK call is made over TLS. Locally the emulator speaks
plain HTTP on 127.0.0.1; this launcher drops exactly those statements before
moto evaluates a bucket policy, and leaves every other statement to moto.
The policy stored and returned to Terraform is untouched.

It also installs moto_domain_names' patch (custom domain names answered with
the status and target AWS returns).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket
from moto.server import main

import moto_domain_names


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def denies_only_insecure_transport(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition") or {}
    flag = (condition.get("Bool") or {}).get("aws:SecureTransport")
    return statement.get("Effect") == "Deny" and list(condition) == ["Bool"] and _as_list(flag) == ["false"]


def permission_over_tls(bucket: FakeBucket, action: str, resource: str) -> Any:
    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(bucket.policy)
    statements = [s for s in _as_list(document.get("Statement")) if not denies_only_insecure_transport(s)]
    if not statements:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps({**document, "Statement": statements})).is_action_permitted(action, resource)


if __name__ == "__main__":
    FakeBucket.get_permission = permission_over_tls  # type: ignore[method-assign]
    moto_domain_names.install()
    sys.exit(main(sys.argv[1:]))
