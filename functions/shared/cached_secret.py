"""A secret, fetched once per TTL per container (shared by both packages).

Revocation must work: deleting the secret, removing the function's access to
it or writing an invalid value takes effect at the next refresh. Only a
transient failure (throttling, a 5xx, the network) keeps the cached value in
service, and only for a bounded time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# After a transient failure we keep serving the cached value and try again only
# after this many seconds (or the TTL, if shorter): a Secrets Manager outage
# must not turn every authorization into another doomed API call.
RETRY_AFTER_FAILURE_SECONDS = 10.0
DEFAULT_MAX_STALENESS_SECONDS = 900.0

# Error codes that say "try again later", not "no": throttling and server faults.
TRANSIENT_ERROR_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "InternalServiceError",
        "InternalServiceErrorException",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


class SecretUnavailable(RuntimeError):
    """No usable credentials: the secret could not be read and nothing is cached."""


class InvalidSecret(ValueError):
    """The secret's value is not one of the shapes its user accepts."""


def json_object(secret_string: str, error: type[InvalidSecret] = InvalidSecret) -> dict:
    """The secret's JSON object, or `error` saying why it is not one."""
    try:
        document = json.loads(secret_string)
    except (TypeError, ValueError) as cause:
        raise error("secret is not JSON") from cause
    if not isinstance(document, dict):
        raise error("secret is not a JSON object")
    return document


def is_transient(error: Exception) -> bool:
    """True for failures worth riding out on the cached value; False for a
    definitive answer (not found, deleted, access denied, invalid value) and
    for anything unknown: the safe default for an authorizer is to deny."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):  # botocore's ClientError
        code = str(response.get("Error", {}).get("Code", ""))
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return code in TRANSIENT_ERROR_CODES or int(status) >= 500
    if isinstance(error, (ConnectionError, TimeoutError)):
        return True
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError

    # Connect and read timeouts, refused or closed connections, DNS failures.
    return isinstance(error, (BotoConnectionError, HTTPClientError))


@dataclass
class CachedSecret:
    """Parsed values from `fetch`, refreshed at most once per `ttl_seconds`.

    get() returns (credentials, stale). When a refresh fails transiently, the
    cached value is returned with stale=True until it is `max_staleness_seconds`
    past its TTL; any other failure forgets it. With nothing usable,
    SecretUnavailable is raised (the caller fails closed).
    """

    fetch: Callable[[], str]
    ttl_seconds: float
    # What the secret must hold (Basic credentials, tokens, signing secrets);
    # raises InvalidSecret otherwise.
    parse: Callable[[str], tuple[Any, ...]]
    max_staleness_seconds: float = DEFAULT_MAX_STALENESS_SECONDS
    clock: Callable[[], float] = time.monotonic
    _credentials: tuple[Any, ...] | None = None
    _refresh_at: float = float("-inf")
    _serve_until: float = float("-inf")
    _stale: bool = False

    def get(self) -> tuple[tuple[Any, ...], bool]:
        now = self.clock()
        if self._credentials is not None and now < self._refresh_at:
            return self._credentials, self._stale
        try:
            credentials = self.parse(self.fetch())
        except Exception as error:
            if self._credentials is not None and is_transient(error) and now < self._serve_until:
                self._refresh_at = min(now + min(self.ttl_seconds, RETRY_AFTER_FAILURE_SECONDS), self._serve_until)
                self._stale = True
                return self._credentials, True
            self._credentials = None  # revoked, or stale for too long: deny from now on
            raise SecretUnavailable(type(error).__name__) from error
        self._credentials = credentials
        self._refresh_at = now + self.ttl_seconds
        self._serve_until = self._refresh_at + self.max_staleness_seconds
        self._stale = False
        return credentials, False


def seconds_setting(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "")
    if not raw.strip():
        return default
    seconds = float(raw)
    if not 0 <= seconds <= 86400:
        raise ValueError(f"{name} must be between 0 and 86400")
    return seconds


def secret_fetcher(secret_arn: str) -> Callable[[], str]:
    """A function reading the secret string; the client is created on first use."""
    client = None

    def fetch() -> str:
        nonlocal client
        if client is None:
            import boto3  # the runtime ships it; imported lazily to keep cold starts short

            client = boto3.client("secretsmanager")
        return client.get_secret_value(SecretId=secret_arn)["SecretString"]

    return fetch
