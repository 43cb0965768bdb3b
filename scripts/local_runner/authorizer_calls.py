"""Lambda authorizer calls: identity sources, the decision cache for the deployed TTL, the event sent."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from .aws import REGION
from .lambda_proxy import Invocable
from .routing import ApiContext, Route, evaluate_parameter, query_parameters


class DecisionCache:
    """Authorizer results per identity-source value, for the deployed TTL."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._entries: dict[tuple, tuple[float, Mapping[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Mapping[str, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            return entry[1] if entry and entry[0] > time.monotonic() else None

    def put(self, key: tuple, decision: Mapping[str, Any]) -> None:
        if self.ttl > 0:
            with self._lock:
                self._entries[key] = (time.monotonic() + self.ttl, decision)


class AuthorizerCalls(ApiContext):
    """FrontDoor's authorizers (a mixin: FrontDoor holds the functions by AuthorizerId, the caches and the stats)."""

    authorizer_functions: Mapping[str, Invocable]
    caches: dict[str, DecisionCache]
    stats: Any
    _stats_lock: threading.Lock

    def authorize(self, route: Route, method, path, query, headers, source_ip, request_id) -> tuple[int, dict]:
        authorizer = route.authorizer
        assert authorizer is not None
        identity = []
        for source in authorizer["IdentitySource"]:
            context = {"routeKey": route.route_key}
            value = (
                evaluate_parameter(source, "", headers, context, query_parameters(query)) if source.startswith("$") else source
            )
            if not value:
                return 401, {"message": "Unauthorized"}  # API Gateway answers without invoking the authorizer
            identity.append(value)
        cache = self.caches.setdefault(
            authorizer["AuthorizerId"], DecisionCache(authorizer.get("AuthorizerResultTtlInSeconds", 0))
        )
        key = tuple(identity)
        decision = cache.get(key)
        if decision is None:
            event = self.authorizer_event(route, method, path, query, headers, source_ip, request_id, identity)
            with self._stats_lock:
                self.stats.authorizer_invocations += 1
            try:
                decision = self.authorizer_functions[authorizer["AuthorizerId"]].invoke(event)
            except Exception:
                return 500, {"message": "Internal Server Error"}
            if not isinstance(decision, Mapping) or not isinstance(decision.get("isAuthorized"), bool):
                return 500, {"message": "Internal Server Error"}  # an invalid authorizer response
            cache.put(key, decision)
        if not decision["isAuthorized"]:
            return 403, {"message": "Forbidden"}
        return 200, dict(decision)

    def authorizer_event(self, route: Route, method, path, query, headers, source_ip, request_id, identity) -> dict:
        now = time.time()
        return {
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": f"arn:aws:execute-api:{REGION}:{self.account}:{self.api['ApiId']}/$default/{method}{path}",
            "identitySource": identity,
            "routeKey": route.route_key,
            "rawPath": path,
            "rawQueryString": query,
            **({"queryStringParameters": query_parameters(query)} if query else {}),
            "headers": dict(headers),
            "requestContext": self.request_context(route, method, path, headers, source_ip, request_id, int(now * 1000)),
        }
