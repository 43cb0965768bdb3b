"""The claim-check front function: behind an HTTP API route (Lambda proxy, payload 2.0).

Writes the exact request body to S3, then sends a small pointer message to the
queue, and answers 200 only after both are durable. A failure of either answers
500, so the sender retries; a body written without its message is an orphan
that the bucket's lifecycle expires (nothing is stored twice: the consumer only
reads claims a message points at).

Environment:
  QUEUE_URL        required: the buffering queue
  PAYLOAD_BUCKET   required: the bucket the claims go to (under claims/)
  ROUTES           required: {"<route key>": {"source": "<name>", "headers": ["<lower-case name>", ...],
                   "signature": {...} (optional: checked here before anything is kept, 401 if it fails)}}
  SIGNING_SECRET_CACHE_TTL_SECONDS, SIGNING_SECRET_MAX_STALENESS_SECONDS: as the consumer's

Checking a signature here (verify_at_edge) lets a sender's delivery log show a
rejection and keeps forged bodies out of the bucket; the consumer checks every
message again. A signed timestamp is compared with when API Gateway received
the request (requestContext.timeEpoch, also the message's receivedAt). Any
header value the scheme cannot read (a non-ASCII digit, a lone surrogate) is a
401 with its reason, never a 500. A secret that cannot be read is not the
sender's fault: the request is accepted and the consumer, which keeps messages
until the secret is readable, decides.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from claim_check import CLAIM_CHECK, DELIVERY_ATTRIBUTE, Pointer, claim_key
from message_attributes import PRINCIPAL_ATTRIBUTE, RECEIVED_AT_ATTRIBUTE, REQUEST_ID_ATTRIBUTE, SOURCE_ATTRIBUTE
from signatures import Rejected, SignatureRule, load_signature, verify
from signing_secrets import SigningSecrets

DEFAULT_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class RouteRule:
    source: str
    headers: tuple[str, ...]
    signature: SignatureRule | None = None
    signing_secret_arn: str = ""

    @property
    def name(self) -> str:  # the signing secret's cache is per source (signing_secrets.SourceRule)
        return self.source


@dataclass(frozen=True)
class Config:
    queue_url: str
    bucket: str
    routes: Mapping[str, RouteRule]


def load_config(environ: Mapping[str, str]) -> Config:
    missing = [name for name in ("QUEUE_URL", "PAYLOAD_BUCKET", "ROUTES") if not environ.get(name, "").strip()]
    if missing:
        raise ValueError(f"{', '.join(missing)} required")
    routes = json.loads(environ["ROUTES"])
    if not isinstance(routes, dict) or not routes:
        raise ValueError("ROUTES must be a non-empty JSON object")
    return Config(
        queue_url=environ["QUEUE_URL"].strip(),
        bucket=environ["PAYLOAD_BUCKET"].strip(),
        routes={route_key: route_rule(route_key, rule) for route_key, rule in routes.items()},
    )


def route_rule(route_key: str, settings: Mapping[str, Any]) -> RouteRule:
    headers = tuple(str(header).lower() for header in settings.get("headers", []))
    signature = settings.get("signature")
    if signature is None:
        return RouteRule(str(settings["source"]), headers)
    rule = load_signature(signature, f"ROUTES: {route_key!r}")
    if not signature.get("secret_arn"):
        raise ValueError(f"ROUTES: {route_key!r} checks a signature but names no secret_arn")
    return RouteRule(str(settings["source"]), headers, rule, str(signature["secret_arn"]))


def answer(status: int, document: Mapping[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(document)}


def request_body(event: Mapping[str, Any]) -> bytes:
    """The exact bytes the sender sent (API Gateway base64-encodes what is not text)."""
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")


def message_attributes(event: Mapping[str, Any], source: str, received_ms: int) -> dict[str, dict[str, str]]:
    """What API Gateway's SQS mapping adds on a direct route, plus the delivery marker."""
    context = event.get("requestContext") or {}
    attributes = {
        DELIVERY_ATTRIBUTE: CLAIM_CHECK,
        SOURCE_ATTRIBUTE: source,
        RECEIVED_AT_ATTRIBUTE: str(received_ms),
        REQUEST_ID_ATTRIBUTE: str(context.get("requestId") or "-"),
    }
    principal = ((context.get("authorizer") or {}).get("lambda") or {}).get("principal")
    if principal:
        attributes[PRINCIPAL_ATTRIBUTE] = str(principal)
    return {name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()}


def pointer_for(event: Mapping[str, Any], rule: RouteRule, body: bytes, bucket: str, received_ms: int) -> Pointer:
    headers = event.get("headers") or {}
    request_id = str((event.get("requestContext") or {}).get("requestId") or hashlib.sha256(body).hexdigest()[:20])
    return Pointer(
        bucket=bucket,
        key=claim_key(rule.source, received_ms / 1000, request_id),
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        content_type=str(headers.get("content-type") or DEFAULT_CONTENT_TYPE),
        headers={name: str(headers[name]) for name in rule.headers if name in headers},
    )


def edge_rejection(rule: RouteRule, event: Mapping[str, Any], body: bytes, received_ms: int, secrets: Any) -> str | None:
    """Why the signature check at the edge refuses this request; None to accept it."""
    if rule.signature is None or secrets is None:
        return None
    keys, unavailable = secrets.keys_for([rule])
    if rule.source in unavailable:
        log("ERROR", "signing secret unavailable; accepted for the consumer to verify", source=rule.source)
        return None
    headers = event.get("headers") or {}
    try:
        verify(
            rule.signature,
            keys[rule.source],
            {name: str(headers.get(name, "")) for name in rule.signature.headers},
            body,
            received_ms / 1000,
        )
    except Rejected as rejected:
        log("WARN", "signature rejected at the edge", source=rule.source, reason=rejected.reason)
        return rejected.reason
    return None


def accept(event: Mapping[str, Any], config: Config, s3: Any, sqs: Any, secrets: Any = None) -> dict[str, Any]:
    rule = config.routes.get(str(event.get("routeKey")))
    if rule is None:
        return answer(404, {"message": "Not Found"})
    body = request_body(event)
    if not body:
        return answer(400, {"message": "The request has no body."})
    received_ms = int((event.get("requestContext") or {}).get("timeEpoch") or time.time() * 1000)
    rejected = edge_rejection(rule, event, body, received_ms, secrets)
    if rejected is not None:
        return answer(401, {"message": "Unauthorized", "reason": rejected})
    pointer = pointer_for(event, rule, body, config.bucket, received_ms)
    try:
        s3.put_object(
            Bucket=pointer.bucket,
            Key=pointer.key,
            Body=body,
            ContentType=pointer.content_type,
            ChecksumSHA256=base64.b64encode(bytes.fromhex(pointer.sha256)).decode(),
        )
        sent = sqs.send_message(
            QueueUrl=config.queue_url,
            MessageBody=pointer.to_json(),
            MessageAttributes=message_attributes(event, rule.source, received_ms),
        )
    except Exception as error:  # any failure: the sender must retry, and nothing was accepted
        log("ERROR", "not accepted", source=rule.source, error=error_code(error))
        return answer(500, {"message": "Internal Server Error"})
    return answer(200, {"messageId": sent["MessageId"], "size": pointer.size, "sha256": pointer.sha256})


def error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        return str(response.get("Error", {}).get("Code") or type(error).__name__)
    return type(error).__name__


def log(level: str, message: str, **fields: Any) -> None:
    print(json.dumps({"level": level, "message": message, **fields}), file=sys.stdout, flush=True)


_clients: dict[str, Any] = {}
_signing_secrets: SigningSecrets | None = None


def signing_secrets() -> SigningSecrets:
    global _signing_secrets
    if _signing_secrets is None:
        _signing_secrets = SigningSecrets(os.environ)
    return _signing_secrets


def aws_clients() -> tuple[Any, Any]:
    """S3 and SQS clients, created on first use (no work at import time)."""
    if not _clients:
        import boto3
        from botocore.config import Config as SdkConfig

        # API Gateway gives up after the integration timeout: fail fast and let the sender retry.
        sdk = SdkConfig(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=10)
        _clients["s3"], _clients["sqs"] = boto3.client("s3", config=sdk), boto3.client("sqs", config=sdk)
    return _clients["s3"], _clients["sqs"]


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    config = load_config(os.environ)
    s3, sqs = aws_clients()
    return accept(event, config, s3, sqs, signing_secrets())
