"""The edge function's settings (environment), each refused with a clear ValueError when it cannot work.

ROUTES = {"<route key>": {
    "source": "<name>",
    "headers": ["<lower-case header name>", ...],            the headers the consumer needs
    "delivery": "direct" | "claim-check",                     absent: "claim-check" (earlier releases)
    "signature": {...},                                       optional: verified here, 401 with the reason
    "handshake": {"preset": "<name>", "secret_arn": "<arn>"}, optional; secret_arn only where the preset
                                                              has its own secret (see handshake_rule)
    "<setting>": {...},                                       optional: an edge step's settings
                                                              (edge_steps.py: edge_step_<setting>.py)
}}
ROUTES is that JSON, or the same gzip-compressed and base64-encoded (what Terraform's base64gzip
writes: Lambda's environment holds 4 KB in all, and a dozen signed routes' JSON does not fit).
QUEUE_URL (required), PAYLOAD_BUCKET (required when a route is a claim check), MAX_MESSAGE_BYTES
(direct messages, default the queue's 262144), METRICS_NAMESPACE (default contract metrics.namespace_prefix),
AWS_LAMBDA_FUNCTION_NAME (Lambda's: the metrics' FunctionName).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPMethod
from typing import Any

from contract import ATTRIBUTES, METRICS
from edge_steps import ROUTE_SETTINGS, ConfiguredStep, configured_steps, step_modules
from envelope import CLAIM_CHECK, DELIVERIES, DIRECT
from environment_json import json_text
from handshakes import HANDSHAKES, PRESETS

from signatures import SignatureRule, load_signature

# Each preset's facts are contract.json's handshakes (HANDSHAKES), which the Terraform reads too;
# these are the words of handshakes.<preset>.secret (its _about), read here to interpret it.
SIGNING, OWN, LEARNED = "signing", "own", "learned"
# Senders whose handshake request is signed like their events: answered only once it verifies.
SIGNED_HANDSHAKES = frozenset(name for name, facts in HANDSHAKES.items() if facts["signed"])
# Presets whose secret is the source's signing secret unless secret_arn names another
# (Zoom's secret token, X's consumer secret); Meta's verify token is its own, never a signing secret.
SIGNING_SECRET_PRESETS = frozenset(name for name, facts in HANDSHAKES.items() if facts["secret"] == SIGNING)
OWN_SECRET_PRESETS = frozenset(name for name, facts in HANDSHAKES.items() if facts["secret"] == OWN)
# Asana: the handshake puts the source's signing secret.
LEARNED_SECRET_PRESETS = frozenset(name for name, facts in HANDSHAKES.items() if facts["secret"] == LEARNED)
# SQS's MaximumMessageSize range; the default is the queue's (AWS provider 5.x: 256 KiB).
MIN_MESSAGE_BYTES, MAX_SQS_MESSAGE_BYTES, DEFAULT_MESSAGE_BYTES = 1024, 1_048_576, 262_144
# A direct message carries source, receivedAt, requestId, principal and the headers (a replay adds replayOf).
MAX_DIRECT_HEADERS: int = ATTRIBUTES["max_carried_headers"]


@dataclass(frozen=True)
class HandshakeRule:
    preset: str
    secret_arn: str = ""  # its own secret (meta; zoom or x when not the signing secret)

    @property
    def signed(self) -> bool:
        return self.preset in SIGNED_HANDSHAKES

    @property
    def uses_signing_secret(self) -> bool:
        return self.preset in SIGNING_SECRET_PRESETS and not self.secret_arn


@dataclass(frozen=True)
class RouteRule:
    source: str
    headers: tuple[str, ...]
    signature: SignatureRule | None = None
    signing_secret_arn: str = ""
    delivery: str = CLAIM_CHECK
    handshake: HandshakeRule | None = None
    steps: tuple[ConfiguredStep, ...] = ()

    @property
    def name(self) -> str:  # the signing secret's cache is per source (signing_secrets.SourceRule)
        return self.source


@dataclass(frozen=True)
class Config:
    queue_url: str
    bucket: str
    routes: Mapping[str, RouteRule]
    max_message_bytes: int = DEFAULT_MESSAGE_BYTES
    metrics_namespace: str = METRICS["namespace_prefix"]
    function_name: str = "-"


def load_config(environ: Mapping[str, str]) -> Config:
    missing = [name for name in ("QUEUE_URL", "ROUTES") if not environ.get(name, "").strip()]
    if missing:
        raise ValueError(f"{', '.join(missing)} required")
    routes = json.loads(json_text("ROUTES", environ["ROUTES"]))
    if not isinstance(routes, dict) or not routes:
        raise ValueError("ROUTES must be a non-empty JSON object")
    rules = {route_key: route_rule(route_key, settings) for route_key, settings in routes.items()}
    bucket = environ.get("PAYLOAD_BUCKET", "").strip()
    # A GET route only answers handshakes: it never delivers, whatever its delivery says.
    delivering = [rule for route_key, rule in rules.items() if not route_key.startswith(f"{HTTPMethod.GET} ")]
    if not bucket and any(rule.delivery == CLAIM_CHECK for rule in delivering):
        raise ValueError("PAYLOAD_BUCKET required: a route delivers by claim check")
    return Config(
        queue_url=environ["QUEUE_URL"].strip(),
        bucket=bucket,
        routes=rules,
        max_message_bytes=message_bytes(environ.get("MAX_MESSAGE_BYTES", "")),
        metrics_namespace=environ.get("METRICS_NAMESPACE", "").strip() or METRICS["namespace_prefix"],
        function_name=environ.get("AWS_LAMBDA_FUNCTION_NAME", "").strip() or "-",
    )


def message_bytes(raw: str) -> int:
    if not raw.strip():
        return DEFAULT_MESSAGE_BYTES
    if not raw.strip().isascii() or not raw.strip().isdigit() or not MIN_MESSAGE_BYTES <= int(raw) <= MAX_SQS_MESSAGE_BYTES:
        raise ValueError(f"MAX_MESSAGE_BYTES must be a whole number, {MIN_MESSAGE_BYTES}-{MAX_SQS_MESSAGE_BYTES}")
    return int(raw)


def route_rule(route_key: str, settings: Any) -> RouteRule:
    where = f"ROUTES: {route_key!r}"
    if not isinstance(settings, Mapping) or not isinstance(settings.get("source"), str) or not settings["source"]:
        raise ValueError(f"{where} needs a source")
    steps = step_modules()
    if unknown := sorted(set(settings) - ROUTE_SETTINGS - set(steps)):
        raise ValueError(f"{where}: no edge step reads {', '.join(unknown)}")
    delivery = settings.get("delivery") or CLAIM_CHECK
    if delivery not in DELIVERIES:
        raise ValueError(f"{where}: delivery must be one of {', '.join(DELIVERIES)}")
    headers = tuple(str(header).lower() for header in settings.get("headers", []))
    if delivery == DIRECT and len(headers) > MAX_DIRECT_HEADERS:
        raise ValueError(f"{where}: a direct route carries at most {MAX_DIRECT_HEADERS} headers")
    signature, secret_arn = signature_of(where, settings.get("signature"))
    handshake = handshake_rule(where, settings.get("handshake"), signature)
    if route_key.startswith(f"{HTTPMethod.GET} ") and (handshake is None or PRESETS[handshake.preset].method != HTTPMethod.GET):
        raise ValueError(f"{where}: a GET route exists only for a GET handshake (meta, x, dropbox, okta)")
    return RouteRule(
        source=settings["source"],
        headers=headers,
        signature=signature,
        signing_secret_arn=secret_arn,
        delivery=delivery,
        handshake=handshake,
        steps=configured_steps(where, settings, steps),
    )


def signature_of(where: str, settings: Any) -> tuple[SignatureRule | None, str]:
    if settings is None:
        return None, ""
    rule = load_signature(settings, where)
    if not settings.get("secret_arn"):
        raise ValueError(f"{where} checks a signature but names no secret_arn")
    return rule, str(settings["secret_arn"])


def handshake_rule(where: str, settings: Any, signature: SignatureRule | None) -> HandshakeRule | None:
    if settings is None:
        return None
    if not isinstance(settings, Mapping) or set(settings) - {"preset", "secret_arn"}:
        raise ValueError(f"{where}: handshake takes preset and secret_arn only")
    preset = settings.get("preset")
    if preset not in PRESETS:
        raise ValueError(f"{where}: handshake.preset must be one of {', '.join(PRESETS)}")
    secret_arn = settings.get("secret_arn") or ""
    if not isinstance(secret_arn, str):
        raise ValueError(f"{where}: handshake.secret_arn must be an ARN")
    if preset in OWN_SECRET_PRESETS and not secret_arn:
        raise ValueError(f"{where}: the {preset} handshake needs secret_arn (its verify token)")
    if secret_arn and preset not in OWN_SECRET_PRESETS | SIGNING_SECRET_PRESETS:
        raise ValueError(f"{where}: the {preset} handshake takes no secret_arn")
    rule = HandshakeRule(preset, secret_arn)
    if signature is None and (rule.signed or rule.uses_signing_secret or preset in LEARNED_SECRET_PRESETS):
        raise ValueError(f"{where}: the {preset} handshake needs the route's signature (and its secret_arn)")
    return rule
