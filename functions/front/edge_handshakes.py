"""The secrets behind the handshake presets (handshakes.py answers; this module finds the keys).

A preset's secret is its own secret_arn's value (Meta's verify token; Zoom's
secret token or X's consumer secret when the route names one), else the
source's signing secret, of which a rotation list's last entry, the newest
(README: ["old", "new"]), answers. Each is cached per container like the
signing secrets. Asana's handshake teaches the signing secret instead: it is
stored only while the source's secret is empty (the registration window the
operator opens by leaving it empty); after that a handshake is answered only
when it offers the stored secret. Nothing here logs a value.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from typing import Any

from edge_config import RouteRule
from handshakes import Handshake, preset

from cached_secret import DEFAULT_MAX_STALENESS_SECONDS, CachedSecret, InvalidSecret, seconds_setting, secret_fetcher
from signatures import SECRET_PADDING, SignatureRule, parse_signing_secrets
from signing_secrets import DEFAULT_CACHE_TTL_SECONDS

NO_VALUE = "ResourceNotFoundException"  # GetSecretValue of a secret that has no value yet


def own_secret(secret_string: str) -> tuple[str]:
    text = secret_string.strip(SECRET_PADDING) if isinstance(secret_string, str) else ""
    if not text:
        raise InvalidSecret("the handshake secret is empty")
    return (text,)


class HandshakeSecrets:
    """The presets' own secrets, by ARN, for the container's life."""

    def __init__(self, environ: Mapping[str, str], fetcher: Callable[[str], Callable[[], str]] = secret_fetcher) -> None:
        self._ttl = seconds_setting(environ, "SIGNING_SECRET_CACHE_TTL_SECONDS", DEFAULT_CACHE_TTL_SECONDS)
        # As the signing secrets': a transient Secrets Manager failure keeps the cached value this long.
        self._staleness = seconds_setting(environ, "SIGNING_SECRET_MAX_STALENESS_SECONDS", DEFAULT_MAX_STALENESS_SECONDS)
        self._fetcher = fetcher
        self._caches: dict[str, CachedSecret] = {}

    def secret(self, secret_arn: str) -> str:
        """The value; SecretUnavailable when it cannot be read."""
        cache = self._caches.get(secret_arn)
        if cache is None:
            cache = self._caches[secret_arn] = CachedSecret(
                fetch=self._fetcher(secret_arn), ttl_seconds=self._ttl, parse=own_secret, max_staleness_seconds=self._staleness
            )
        (value,), _stale = cache.get()
        return value


def handshake_of(rule: RouteRule, secrets: HandshakeSecrets, signing_keys: Callable[[], tuple[bytes, ...]]) -> Handshake:
    """The route's preset with its secret; SecretUnavailable when that cannot be read."""
    assert rule.handshake is not None
    if rule.handshake.secret_arn:
        return preset(rule.handshake.preset, secrets.secret(rule.handshake.secret_arn))
    if rule.handshake.uses_signing_secret:
        return preset(rule.handshake.preset, signing_keys()[-1])
    return preset(rule.handshake.preset)


def error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, Mapping) else ""


def stored_secret(client: Any, secret_arn: str) -> str | None:
    """The signing secret's value; None while it has none."""
    try:
        return client.get_secret_value(SecretId=secret_arn).get("SecretString")
    except Exception as error:
        if error_code(error) == NO_VALUE:
            return None
        raise


def keep_learned_secret(client: Any, secret_arn: str, signature: SignatureRule, learned: str) -> bool:
    """Store `learned` as the signing secret if none is set (True); else whether it is the
    one stored (compared in constant time with each entry of a rotation list)."""
    stored = stored_secret(client, secret_arn)
    if stored is None or not stored.strip(SECRET_PADDING):
        client.put_secret_value(SecretId=secret_arn, SecretString=learned)
        return True
    offered = learned.encode("utf-8")
    matched = False
    for key in parse_signing_secrets(signature, stored):
        matched |= hmac.compare_digest(key, offered)
    return matched
