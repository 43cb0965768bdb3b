"""Each signed source's signing secret, cached per container like the authorizer's
(shared: the consumer verifies every message, the front function those it checks at the edge).

One GetSecretValue per source per TTL, not per batch. A source whose secret
cannot be read (not put in yet, deleted, access removed) keeps its messages in
the queue: they are not the sender's fault, so they are retried, never
dead-lettered as forged, and they wait until the secret is readable or
maxReceiveCount moves them to the DLQ for a later redrive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Protocol

from cached_secret import DEFAULT_MAX_STALENESS_SECONDS, CachedSecret, SecretUnavailable, seconds_setting, secret_fetcher
from signatures import SignatureRule, parse_signing_secrets


class SourceRule(Protocol):
    """What a signed source's rule tells about its secret (the consumer's and the front function's rules)."""

    @property
    def name(self) -> str: ...

    @property
    def signature(self) -> SignatureRule | None: ...

    @property
    def signing_secret_arn(self) -> str: ...


DEFAULT_CACHE_TTL_SECONDS = 300.0


def cache_for(rule: SourceRule, environ: Mapping[str, str], fetcher: Callable[[str], Callable[[], str]]) -> CachedSecret:
    assert rule.signature is not None
    return CachedSecret(
        fetch=fetcher(rule.signing_secret_arn),
        ttl_seconds=seconds_setting(environ, "SIGNING_SECRET_CACHE_TTL_SECONDS", DEFAULT_CACHE_TTL_SECONDS),
        parse=partial(parse_signing_secrets, rule.signature),
        max_staleness_seconds=seconds_setting(environ, "SIGNING_SECRET_MAX_STALENESS_SECONDS", DEFAULT_MAX_STALENESS_SECONDS),
    )


class SigningSecrets:
    """The keys of the signed sources a batch needs; a source's cache lives as long as the container."""

    def __init__(self, environ: Mapping[str, str], fetcher: Callable[[str], Callable[[], str]] = secret_fetcher) -> None:
        self._environ = environ
        self._fetcher = fetcher
        self._caches: dict[str, CachedSecret] = {}

    def keys_for(self, rules: Iterable[SourceRule]) -> tuple[dict[str, tuple[bytes, ...]], dict[str, str]]:
        """(keys by source, why not by source) for the signed sources among `rules`."""
        keys: dict[str, tuple[bytes, ...]] = {}
        unavailable: dict[str, str] = {}
        for rule in {rule.name: rule for rule in rules if rule.signature is not None}.values():
            cache = self._caches.get(rule.name)
            if cache is None:
                cache = self._caches[rule.name] = cache_for(rule, self._environ, self._fetcher)
            try:
                keys[rule.name], _stale = cache.get()
            except SecretUnavailable as error:
                unavailable[rule.name] = str(error)  # the error's type only: never the value
        return keys, unavailable
