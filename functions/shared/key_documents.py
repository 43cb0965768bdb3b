"""What a public-key scheme fetches (Google's keys, PayPal's certificates) or asks (Plaid's key API):
only over HTTPS from the hosts the contract names, never through a redirect, bounded in time and
size, and cached (Documents). A fetch that fails is not the sender's fault: KeysUnavailable (a
SecretUnavailable) keeps the message waiting in the consumer, as an unreadable signing secret does,
and is answered 503 at the edge, which keeps nothing (senders retry a 5xx).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cached_secret import SecretUnavailable

# Google's key document and PayPal's certificate are a few KiB; more is not theirs.
MAX_DOCUMENT_BYTES = 64 * 1024
# A fetch must fit the edge's deadline (senders give up after 3 s or more).
FETCH_TIMEOUT_SECONDS = 2.0
# An unknown key id refetches the keys at most this often: a sender cannot make us fetch per request.
MIN_REFETCH_SECONDS = 60.0
# Documents kept at most (Google's one JWKS, PayPal's few certificates, Plaid's keys by id).
MAX_CACHED = 256


class KeysUnavailable(SecretUnavailable):
    """The sender's published keys could not be fetched: the message waits, it is not forged."""


# --- fetching ---------------------------------------------------------------------------------


@functools.cache
def opener() -> Any:
    """An opener that follows no redirect (one could leave the sender's host). Built on first use:
    only Google's keys, PayPal's certificates and Plaid's key API are fetched, so discord and
    sendgrid never load http and ssl."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    return urllib.request.build_opener(NoRedirect)


def fetch_document(url: str) -> bytes:
    """GET a key document (an HTTPS URL the contract allows): its bytes when answered 200;
    KeysUnavailable for any other answer and any failure (exchange)."""
    status, document = exchange(url, "the key document")
    if status != 200:
        raise KeysUnavailable(f"the key document answered {status}")
    return document


def exchange(request: Any, what: str) -> tuple[int, bytes]:
    """Open `request` (a URL or a urllib Request) without following a redirect, bounded in time and
    size: (status, answer) for a 2xx or 4xx answer; KeysUnavailable for anything else (the network,
    TLS, a broken status line or a truncated body, a redirect, a 5xx, an answer larger than any a
    sender gives). No error chains the original: a request may hold credentials (Plaid's)."""
    import http.client
    import urllib.error

    try:
        try:
            with opener().open(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
                status, answer = response.status, response.read(MAX_DOCUMENT_BYTES + 1)
        except urllib.error.HTTPError as error:  # a 4xx is an answer; a 3xx (no redirect is followed) or 5xx is not
            with error:
                if not 400 <= error.code < 500:
                    raise KeysUnavailable(f"{what} answered {error.code}") from None
                status, answer = error.code, error.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, ValueError, http.client.HTTPException) as error:  # URLError and HTTPError are OSErrors
        raise KeysUnavailable(f"{what} could not be fetched ({type(error).__name__})") from None
    if len(answer) > MAX_DOCUMENT_BYTES:
        raise KeysUnavailable(f"{what} is larger than any a sender publishes")
    return status, answer


@dataclass
class Cached:
    value: Any  # the parsed document; None: no fetch has succeeded yet
    fetched_at: float  # when `value` was fetched
    attempted_at: float  # the last attempt, successful or not
    failed: bool  # whether that attempt failed


class Documents:
    """Key documents by URL, kept parsed (one that does not parse is never kept) for `ttl_seconds`,
    and longer while refetching fails (the keys a sender published an hour ago still verify what
    it signed with them). Fetches are spaced: after any attempt, failed or not, none for
    MIN_REFETCH_SECONDS, whatever requests ask. `refetch` (an unknown key id) wants a copy newer
    than the cached one: when it cannot have one (the fetch failed, or failed lately), it is
    KeysUnavailable, so that a sender's new key never turns genuine requests into forgeries."""

    def __init__(self, fetch: Callable[[str], bytes] = fetch_document, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._clock = clock
        self._cache: dict[str, Cached] = {}

    def holds(self, url: str) -> bool:
        """Whether a copy of `url` was ever fetched (and parsed)."""
        entry = self._cache.get(url)
        return entry is not None and entry.value is not None

    def get(
        self,
        url: str,
        parse: Callable[[bytes], Any],
        ttl_seconds: float,
        refetch: bool = False,
        fetch: Callable[[str], bytes] | None = None,
    ) -> Any:
        """The parsed document at `url` (or under that name: `fetch`, when given, gets it instead
        of this cache's own GET, e.g. a POST to an API)."""
        entry, now = self._cache.get(url), self._clock()
        if entry is not None:
            due = refetch or entry.value is None or now - entry.fetched_at >= ttl_seconds
            self._cache[url] = self._cache.pop(url)  # the most recently used: evicted last
            if not due or now - entry.attempted_at < MIN_REFETCH_SECONDS:
                if entry.value is None or (refetch and entry.failed):
                    raise KeysUnavailable("the keys could not be fetched a moment ago")
                return entry.value
        try:
            value = parse((fetch or self._fetch)(url))
        except KeysUnavailable:
            self._keep(url, Cached(entry.value if entry else None, entry.fetched_at if entry else now, now, True))
            if entry is None or entry.value is None or refetch:
                raise
            return entry.value
        self._keep(url, Cached(value, now, now, False))
        return value

    def _keep(self, url: str, entry: Cached) -> None:
        """Keep `entry`, dropping the least recently used when MAX_CACHED are kept: a sender naming
        new documents cannot grow the cache without bound, nor push out one genuine requests use."""
        if url not in self._cache and len(self._cache) >= MAX_CACHED:
            del self._cache[next(iter(self._cache))]
        self._cache.pop(url, None)
        self._cache[url] = entry


DOCUMENTS = Documents()


class Spacing:
    """At most one new name (a key id a request names) admitted per MIN_REFETCH_SECONDS, whatever
    requests ask; a name once admitted stays admitted (the last MAX_CACHED), so the sets of a
    rotation asking for the same key share its admission."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last: float | None = None
        self._admitted: dict[str, None] = {}

    def allow(self, name: str) -> bool:
        if name in self._admitted:
            return True
        now = self._clock()
        if self._last is not None and now - self._last < MIN_REFETCH_SECONDS:
            return False
        self._last = now
        self._admitted[name] = None
        if len(self._admitted) > MAX_CACHED:
            del self._admitted[next(iter(self._admitted))]
        return True


def post_json(url: str, payload: Mapping[str, str]) -> tuple[int, bytes]:
    """POST `payload` as JSON to an API the contract names: (status, answer) for a 2xx or 4xx
    answer; KeysUnavailable for anything else (exchange), which is never the sender's fault. The
    payload may hold credentials: nothing of it is ever in an error."""
    import json
    import urllib.request

    if not url.startswith("https://"):
        raise KeysUnavailable("a key API is asked over HTTPS only")
    request = urllib.request.Request(  # noqa: S310 - https only, checked above
        url, data=json.dumps(payload).encode("utf-8"), headers={"Content-Type": "application/json"}, method="POST"
    )
    return exchange(request, "the key API")


def allowed_url(url: str, hosts: Sequence[str], path_pattern: str) -> bool:
    """An https URL on one of `hosts` (default port, no user), whose path matches `path_pattern`
    whole, without query or fragment: the one form a sender's document is published at."""
    import re
    import urllib.parse

    if not url.isascii() or not url.isprintable():
        return False
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    return (
        parts.scheme == "https"
        and parts.hostname in hosts
        and port is None
        and parts.username is None
        and re.fullmatch(path_pattern, parts.path) is not None
        and not parts.query
        and not parts.fragment
        and "?" not in url
        and "#" not in url
    )
