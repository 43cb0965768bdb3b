"""The edge function: behind HTTP API routes (Lambda proxy, payload 2.0), one step per concern.

Per request, in this order:
1. the route, by routeKey (404 without one);
2. a handshake (handshakes.py presets): answered, never queued. Presets whose
   handshake the sender signs (slack, zoom, twitch, discord) are answered only once the
   signature verifies (401 otherwise); the others directly. Asana's X-Hook-Secret
   becomes the source's signing secret while that is empty (edge_handshakes.py);
3. GET without a handshake: 405 (GET routes exist only for handshakes);
4. the signature, when the route has one: 401 with the reason, nothing kept;
5. the route's edge steps that may answer before delivery (edge_steps.py), for a
   request whose signature verified here or that the route's authorizer admitted;
6. delivery (edge_delivery.py): a claim check (the exact body to S3, a pointer to
   the queue) or direct (the body as the message, attributes built with the SDK
   from the Envelope: no sender value can become a trusted attribute);
7. the answer, only once the message is durable: the JSON receipt, as the route's
   edge steps shape it (edge_step_response.py: a fixed response). Any failure to
   queue is a 500: the sender retries.

Settings: edge_config.py. Each rejection is one metrics line (edge_metrics.py).
A signed timestamp is compared with when API Gateway received the request
(requestContext.timeEpoch, also the message's receive time). Any header value a
scheme cannot read is a 401 with its reason, never a 500. A signing secret that
cannot be read is not the sender's fault: an event is accepted and the
consumer, which keeps messages until the secret is readable, decides; a signed
handshake cannot be verified without it and is answered 500 (the sender
retries). Secrets, signatures, challenges and bodies are never logged.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPMethod
from typing import Any

from edge_config import Config, RouteRule, load_config
from edge_delivery import direct_message, pointer_for, send_direct, store_claim
from edge_handshakes import HandshakeSecrets, handshake_of, keep_learned_secret
from edge_metrics import emit_rejection
from edge_responses import (
    INTERNAL_ERROR,
    KEYS_UNAVAILABLE,
    METHOD_NOT_ALLOWED,
    NO_BODY,
    NOT_FOUND,
    answer,
    handshake_answer,
    unauthorized,
)
from edge_steps import answer as step_answer
from edge_steps import before_delivery
from envelope import DIRECT, Envelope, authorizer_principal, proxy_headers, proxy_received_ms
from handshakes import PRESETS, preset

from cached_secret import SecretUnavailable
from edge_messages import WRONG_VERIFY_TOKEN, Request, Response, parse_query
from key_documents import KeysUnavailable
from signatures import Rejected, verify
from signing_secrets import SigningSecrets

# Reasons of the edge's own rejections (the signature's are contract.json's).
# asana: a handshake offering another secret than the stored one; meta: the wrong verify token.
HOOK_SECRET_MISMATCH = "hook_secret_mismatch"  # noqa: S105 (a reason, not a password)
VERIFY_TOKEN_MISMATCH = "verify_token_mismatch"  # noqa: S105 (a reason, not a password)
PROBE_KEY = b"probe"  # recognising a handshake needs no real secret: the real one is read only for one


@dataclass
class Clients:
    """What a request may call: AWS clients by service name, the cached secrets."""

    client: Callable[[str], Any]
    signing: SigningSecrets
    handshake_secrets: HandshakeSecrets


# --- reading the request ---------------------------------------------------------------------------


def request_body(event: Mapping[str, Any]) -> bytes:
    """The exact bytes the sender sent (API Gateway base64-encodes what is not text)."""
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")


def method_of(event: Mapping[str, Any]) -> str:
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method")
    return str(method or str(event.get("routeKey") or "").split(" ", 1)[0]).upper()


def query_of(event: Mapping[str, Any]) -> dict[str, str]:
    """Decoded query parameters: from the raw query string when API Gateway gives it (repeated
    names joined with commas, as its queryStringParameters join them)."""
    raw = event.get("rawQueryString")
    if isinstance(raw, str):
        return parse_query(raw)
    return {str(name): str(value) for name, value in (event.get("queryStringParameters") or {}).items()}


# --- the steps ---------------------------------------------------------------------------------------


def signing_keys(rule: RouteRule, signing: SigningSecrets) -> tuple[bytes, ...]:
    keys, unavailable = signing.keys_for([rule])
    if rule.source in unavailable:
        raise SecretUnavailable(unavailable[rule.source])
    return keys[rule.source]


def signature_rejection(
    rule: RouteRule, headers: Mapping[str, str], body: bytes, received_ms: int, signing: SigningSecrets
) -> str | None:
    """Why the route's signature refuses this request; None when it verifies or the route has none.
    SecretUnavailable when the signing secret cannot be read."""
    if rule.signature is None:
        return None
    keys = signing_keys(rule, signing)
    try:
        verify(rule.signature, keys, {name: headers.get(name, "") for name in rule.signature.headers}, body, received_ms / 1000)
    except Rejected as rejected:
        return rejected.reason
    return None


def reject(config: Config, rule: RouteRule, reason: str) -> dict[str, Any]:
    emit_rejection(config.metrics_namespace, config.function_name, rule.source, reason)
    return unauthorized(reason)


def recognised(name: str, request: Request) -> bool:
    """Whether the request is the preset's handshake, asked without its secret."""
    return preset(name, PROBE_KEY if PRESETS[name].needs_secret else None).answer(request) is not None


def request_of(event: Mapping[str, Any], headers: Mapping[str, str], body: bytes) -> Request:
    return Request(method_of(event), headers, query_of(event), body)


def handshake_step(
    event: Mapping[str, Any], headers: Mapping[str, str], rule: RouteRule, body: bytes, config: Config, clients: Clients
) -> dict | None:
    """The answer to a handshake; None when the request is not one."""
    assert rule.handshake is not None
    request = request_of(event, headers, body)
    if not recognised(rule.handshake.preset, request):
        return None
    try:
        response = handshake_of(rule, clients.handshake_secrets, lambda: signing_keys(rule, clients.signing)).answer(request)
        signed = rule.handshake.signed
        rejected = signature_rejection(rule, request.headers, body, proxy_received_ms(event), clients.signing) if signed else None
    except SecretUnavailable as error:
        log("ERROR", "handshake secret unavailable; not answered", source=rule.source, error=str(error))
        return INTERNAL_ERROR
    if rejected is not None:
        return reject(config, rule, rejected)
    assert response is not None
    if response.learned_secret is not None:
        return learned_secret_step(rule, response, config, clients)
    if response is WRONG_VERIFY_TOKEN:
        emit_rejection(config.metrics_namespace, config.function_name, rule.source, VERIFY_TOKEN_MISMATCH)
    log("INFO", "handshake answered", source=rule.source, preset=rule.handshake.preset, status=response.status)
    return handshake_answer(response)


def learned_secret_step(rule: RouteRule, response: Response, config: Config, clients: Clients) -> dict[str, Any]:
    assert rule.signature is not None and response.learned_secret is not None
    try:
        kept = keep_learned_secret(
            clients.client("secretsmanager"), rule.signing_secret_arn, rule.signature, response.learned_secret
        )
    except Exception as error:  # the secret cannot be read or written: the sender retries the registration
        log("ERROR", "learned secret not kept", source=rule.source, error=error_code(error))
        return INTERNAL_ERROR
    if not kept:
        return reject(config, rule, HOOK_SECRET_MISMATCH)
    log("INFO", "handshake answered", source=rule.source, preset=rule.handshake.preset if rule.handshake else None, status=200)
    return handshake_answer(response)


def deliver(
    event: Mapping[str, Any], headers: Mapping[str, str], rule: RouteRule, body: bytes, config: Config, clients: Clients
) -> dict[str, Any]:
    """Queue the request (direct or claim check) and answer once it is durable, as the route's
    steps shape the answer; 500 if it is not durable."""
    envelope = Envelope.from_proxy_event(event, headers, rule.source, rule.headers, rule.delivery, body)
    message = direct_message(envelope, config.max_message_bytes) if rule.delivery == DIRECT else None
    if isinstance(message, dict):  # refused: the answer says why
        return message
    if message is None and not body:
        return NO_BODY
    try:
        if message is not None:
            receipt = send_direct(clients.client("sqs"), config.queue_url, *message)
        else:
            pointer = pointer_for(envelope, config.bucket, headers.get("content-type"))
            receipt = store_claim(clients.client("s3"), clients.client("sqs"), config.queue_url, envelope, pointer)
    except Exception as error:  # any failure: the sender must retry, and nothing was accepted
        log("ERROR", "not accepted", source=rule.source, error=error_code(error))
        return INTERNAL_ERROR
    receipt_answer = answer(200, receipt)
    if not rule.steps:
        return receipt_answer
    try:
        return step_answer(rule.steps, request_of(event, headers, body), receipt_answer)
    except Exception as error:  # durable already: a 500 would only make the sender send it again
        log("ERROR", "an edge step failed to answer; the receipt is given", source=rule.source, error=type(error).__name__)
        return receipt_answer


def accept(event: Mapping[str, Any], config: Config, clients: Clients) -> dict[str, Any]:
    rule = config.routes.get(str(event.get("routeKey")))
    if rule is None:
        return NOT_FOUND
    body = request_body(event)
    headers = proxy_headers(event)  # once per request: every step below reads these
    if rule.handshake is not None and (answered := handshake_step(event, headers, rule, body, config, clients)) is not None:
        return answered
    if method_of(event) == HTTPMethod.GET:
        return METHOD_NOT_ALLOWED
    verified = rule.signature is not None
    try:
        rejected = signature_rejection(rule, headers, body, proxy_received_ms(event), clients.signing)
    except KeysUnavailable as error:  # the request named what cannot be fetched: keep nothing, the sender retries
        log("ERROR", "sender's keys unavailable; not accepted", source=rule.source, error=str(error))
        return KEYS_UNAVAILABLE
    except SecretUnavailable:  # our own secret: no request can cause it; the consumer verifies
        log("ERROR", "signing secret unavailable; accepted for the consumer to verify", source=rule.source)
        rejected, verified = None, False
    if rejected is not None:
        return reject(config, rule, rejected)
    # A step may answer instead of delivering only a request someone vouched for: its signature
    # verified here, or the route's authorizer admitted it. Any other (an open route whose signature
    # the consumer alone checks, a signing secret that cannot be read) is delivered for the consumer.
    vouched_for = verified or authorizer_principal(event) is not None
    if rule.steps and vouched_for and (answered := before_delivery(rule.steps, request_of(event, headers, body))) is not None:
        return answered
    return deliver(event, headers, rule, body, config, clients)


# --- the container -----------------------------------------------------------------------------------


def error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        return str(response.get("Error", {}).get("Code") or type(error).__name__)
    return type(error).__name__


def log(level: str, message: str, **fields: Any) -> None:
    print(json.dumps({"level": level, "message": message, **fields}), file=sys.stdout, flush=True)


_clients: dict[str, Any] = {}
_signing_secrets: SigningSecrets | None = None
_handshake_secrets: HandshakeSecrets | None = None
_config: tuple[tuple[str, ...], Config] | None = None
CONFIG_VARIABLES = ("QUEUE_URL", "PAYLOAD_BUCKET", "ROUTES", "MAX_MESSAGE_BYTES", "METRICS_NAMESPACE", "AWS_LAMBDA_FUNCTION_NAME")


def aws_client(service: str) -> Any:
    """An AWS client, created on first use (no work at import time, none for a service not called)."""
    if service not in _clients:
        import boto3
        from botocore.config import Config as SdkConfig

        # API Gateway gives up after the integration timeout: fail fast and let the sender retry.
        sdk = SdkConfig(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=10)
        _clients[service] = boto3.client(service, config=sdk)
    return _clients[service]


def secrets() -> tuple[SigningSecrets, HandshakeSecrets]:
    global _signing_secrets, _handshake_secrets
    if _signing_secrets is None:
        _signing_secrets = SigningSecrets(os.environ)
    if _handshake_secrets is None:
        _handshake_secrets = HandshakeSecrets(os.environ)
    return _signing_secrets, _handshake_secrets


def current_config() -> Config:
    """The settings, parsed again only when the environment changes (a warm container parses once)."""
    global _config
    key = tuple(os.environ.get(name, "") for name in CONFIG_VARIABLES)
    if _config is None or _config[0] != key:
        _config = (key, load_config(os.environ))
    return _config[1]


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    signing, handshake_secrets = secrets()
    return accept(event, current_config(), Clients(aws_client, signing, handshake_secrets))
