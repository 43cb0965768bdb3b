"""API Gateway HTTP API REQUEST authorizer (payload 2.0, simple responses).

Checks a request against a Secrets Manager secret that is cached in memory per
container: HTTP Basic credentials (AUTH_MODE basic, the default) or a token in
the query string (AUTH_MODE token). Any malformed request is a deny, never an
exception.

Environment:
  SECRET_ARN                 required: the credentials (or tokens) secret
  AUTH_MODE                  optional, basic (default) or token
  TOKEN_HEADER               optional (token): the lower-case request header holding the
                             token; absent: the query string's token parameter
  SOURCE_NAME                optional: the source this authorizer guards, the principal of a token match
  SECRET_CACHE_TTL_SECONDS   optional, default 300: how long a fetched secret is reused
  SECRET_MAX_STALENESS_SECONDS  optional, default 900: how long past its TTL a cached
                             secret may still be used while Secrets Manager fails
                             transiently (throttling, 5xx, network); a definitive
                             answer (deleted, not found, access denied) denies at once
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from contract import AUTH_MODES

from cached_secret import DEFAULT_MAX_STALENESS_SECONDS, CachedSecret, seconds_setting, secret_fetcher

DEFAULT_CACHE_TTL_SECONDS = 300.0

_secret: CachedSecret | None = None


def log(level: str, message: str, **fields: Any) -> None:
    """One JSON line on stdout, which Lambda ships to CloudWatch Logs. Each names
    its source: the module's metric filter counts denials per source from them."""
    source = os.environ.get("SOURCE_NAME", "") or "default"
    print(json.dumps({"level": level, "message": message, "source": source, **fields}, default=str), file=sys.stdout, flush=True)


def auth_mode(environ: Mapping[str, str]) -> str:
    mode = environ.get("AUTH_MODE", "").strip() or "basic"
    if mode not in MODES:
        raise ValueError(f"AUTH_MODE must be one of {tuple(MODES)}")
    return mode


def cached_secret() -> CachedSecret:
    global _secret
    if _secret is None:
        _secret = CachedSecret(
            fetch=secret_fetcher(os.environ["SECRET_ARN"]),
            parse=MODES[auth_mode(os.environ)].parse_secret,
            ttl_seconds=seconds_setting(os.environ, "SECRET_CACHE_TTL_SECONDS", DEFAULT_CACHE_TTL_SECONDS),
            max_staleness_seconds=seconds_setting(os.environ, "SECRET_MAX_STALENESS_SECONDS", DEFAULT_MAX_STALENESS_SECONDS),
        )
    return _secret


def decide(event: Mapping, secret: CachedSecret, mode: str = "basic", source: str = "") -> tuple[dict, str, bool]:
    """(authorizer response, reason category, served from a stale secret)."""
    return MODES[mode].decide(event, secret, source)


# One module per authenticated mode of contract.json's auth_modes, named there (its "module"):
# each defines parse_secret(secret_string) and decide(event, secret, source). A new mode is
# its contract entry, its module and its test; nothing here changes.
MODES: dict[str, ModuleType] = {
    mode: importlib.import_module(spec["module"])
    for mode, spec in AUTH_MODES.items()
    if isinstance(spec, dict) and spec.get("identity_source")
}


def handler(event: Any, context: Any) -> dict:
    request_id = None
    try:
        if not isinstance(event, Mapping):
            raise TypeError("event is not an object")
        request_context = event.get("requestContext")
        request_id = request_context.get("requestId") if isinstance(request_context, Mapping) else None
        response, reason, stale = decide(event, cached_secret(), auth_mode(os.environ), os.environ.get("SOURCE_NAME", ""))
    except Exception as error:  # fail closed: an authorizer that raises answers 500, not 403
        log("ERROR", "authorizer error", decision="deny", reason="error", error=type(error).__name__, requestId=request_id)
        return {"isAuthorized": False}
    if stale:
        log("WARNING", "secret refresh failed; using the cached value", requestId=request_id)
    if reason == "secret_unavailable":
        log("ERROR", "secret unavailable or revoked; denying", decision="deny", reason=reason, requestId=request_id)
    else:
        decision = "allow" if response["isAuthorized"] else "deny"
        log("INFO", "authorization decision", decision=decision, reason=reason, requestId=request_id)
    return response
