"""The credentials secret, fetched once per TTL per container."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from basic_auth import Credential

# After a failed refresh we keep serving the stale value and try again only
# after this many seconds (or the TTL, if shorter): a Secrets Manager outage
# must not turn every authorization into another doomed API call.
RETRY_AFTER_FAILURE_SECONDS = 10.0


class SecretUnavailable(RuntimeError):
    """No usable credentials: the secret could not be read and nothing is cached."""


class InvalidSecret(ValueError):
    """The secret's value is not one of the accepted JSON shapes."""


def parse_credentials(secret_string: str) -> tuple[Credential, ...]:
    """Accept {"username", "password"} or {"credentials": [{...}, ...]}.

    The list form lets several senders have their own credentials, and old and
    new credentials overlap during a rotation.
    """
    try:
        document = json.loads(secret_string)
    except (TypeError, ValueError) as error:
        raise InvalidSecret("secret is not JSON") from error
    if not isinstance(document, dict):
        raise InvalidSecret("secret is not a JSON object")
    entries = document.get("credentials", [document])
    if not isinstance(entries, list) or not entries:
        raise InvalidSecret("credentials must be a non-empty list")
    credentials = []
    for entry in entries:
        username = entry.get("username") if isinstance(entry, dict) else None
        password = entry.get("password") if isinstance(entry, dict) else None
        if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
            raise InvalidSecret("each credential needs a non-empty string username and password")
        if ":" in username:
            raise InvalidSecret("a Basic username cannot contain ':'")
        credentials.append(Credential(username.encode("utf-8"), password.encode("utf-8")))
    return tuple(credentials)


@dataclass
class CachedSecret:
    """Credentials from `fetch`, refreshed at most once per `ttl_seconds`.

    get() returns (credentials, stale). When a refresh fails and a value was
    fetched before, the old value is returned with stale=True; when no value
    was ever fetched, SecretUnavailable is raised (the caller fails closed).
    """

    fetch: Callable[[], str]
    ttl_seconds: float
    clock: Callable[[], float] = time.monotonic
    _credentials: tuple[Credential, ...] | None = None
    _refresh_at: float = float("-inf")

    def get(self) -> tuple[tuple[Credential, ...], bool]:
        now = self.clock()
        if self._credentials is not None and now < self._refresh_at:
            return self._credentials, False
        try:
            credentials = parse_credentials(self.fetch())
        except Exception as error:
            if self._credentials is None:
                raise SecretUnavailable(type(error).__name__) from error
            self._refresh_at = now + min(self.ttl_seconds, RETRY_AFTER_FAILURE_SECONDS)
            return self._credentials, True
        self._credentials = credentials
        self._refresh_at = now + self.ttl_seconds
        return credentials, False
