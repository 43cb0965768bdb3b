"""Atlassian Connect's JWT (scheme jira-connect: a Jira Connect app's webhooks).

Jira sends `Authorization: JWT <token>`: HS256 under the shared secret of the
installation the token names (iss, its clientKey), with qsh the SHA-256 of the
canonical request (developer.atlassian.com/cloud/jira/platform/understanding-jwt-for-connect-apps,
"Creating a query string hash"). The request hashed is the source's URL (rule.url:
the URL the app's descriptor gives Jira, never a Host header or a query string a
sender sends, which the consumer never sees), so a token made for another URL of
the app, or a context token (qsh "context-qsh"), is refused. The body is not signed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import urllib.parse
from collections.abc import Mapping, Sequence

from signature_parts import base64url, compact_jws, signing_input, within_tolerance

from key_documents import KeysUnavailable
from signature_rules import INVALID, OUTSIDE_TOLERANCE, SIGNATURES, Rejected, SignatureRule
from signing_keys import tenant_key

# RFC 3986's unreserved characters stay; everything else is %XX, upper case (Atlassian's encodeRfc3986).
UNRESERVED = "-_.~"
# Connect's query parameter carrying the token itself: never part of the hash.
TOKEN_PARAMETER = "jwt"  # noqa: S105 (a parameter name, not a password)
# Seconds since 1970 below the year 5138: a claim past it is no time a sender means (NaN is not below it).
LATEST_TIME = 10**11


def facts(rule: SignatureRule) -> Mapping:
    return SIGNATURES["schemes"][rule.scheme]["tenant_jwt"]


def token_segments(rule: SignatureRule, headers: Mapping[str, str]) -> tuple[list[str], dict, dict]:
    """The token after the scheme's prefix ("JWT "), its algorithm pinned (never "none", never another)."""
    jwt = facts(rule)
    value = headers.get(rule.signature_header, "")
    if not value.startswith(jwt["token_prefix"]):
        raise Rejected(INVALID, f"the Authorization header is not {jwt['token_prefix'].strip()} <token>")
    segments, header, claims = compact_jws(value[len(jwt["token_prefix"]) :], "the token")
    if header.get("alg") != jwt["algorithm"]:
        raise Rejected(INVALID, f"the token is not {jwt['algorithm']}")
    return segments, header, claims


def signed_content(rule: SignatureRule, headers: Mapping[str, str]) -> bytes:
    """What the MAC covers: the token's header and claims segments as sent."""
    segments, _, _ = token_segments(rule, headers)
    return signing_input(segments)


def verify(rule: SignatureRule, keys: Sequence[bytes], headers: Mapping[str, str], received_at: float) -> None:
    """Return if the token is the named tenant's, for the source's URL, valid when received; raise Rejected
    otherwise, or KeysUnavailable when the secret has no entry for the installation the token names."""
    jwt = facts(rule)
    segments, _, claims = token_segments(rule, headers)
    tenant = claims.get("iss")  # the installation: its clientKey
    if not isinstance(tenant, str) or not re.fullmatch(jwt["tenant"], tenant):
        raise Rejected(INVALID, "the token names no installation (iss)")
    key = tenant_key(tuple(keys), tenant)
    if key is None:
        # Not yet in the secret (the app's installed handler writes it; functions re-read the secret every
        # few minutes), or a forger's: either way the request waits (503 at the edge, Jira retries), not 401.
        raise KeysUnavailable("the token's installation (iss) has no shared secret in the source's secret yet")
    mac = hmac.new(key, signing_input(segments), hashlib.sha256).digest()
    if not hmac.compare_digest(mac, base64url(segments[2])):
        raise Rejected(INVALID, "the token's signature matches not the installation's shared secret")
    request_hash = claims.get(jwt["request_hash_claim"])
    wanted = query_string_hash(jwt["method"], rule.url)
    if not isinstance(request_hash, str) or request_hash in jwt["unbound_request_hashes"]:
        raise Rejected(INVALID, "the token binds no request (qsh)")
    if not hmac.compare_digest(request_hash.encode("utf-8", "replace"), wanted.encode("ascii")):
        raise Rejected(INVALID, "the token was made for another request (qsh)")
    check_times(rule, claims, received_at)


def check_times(rule: SignatureRule, claims: Mapping, received_at: float) -> None:
    """iat within the rule's tolerance of the receipt; exp not passed (a few seconds' leeway, as Atlassian's own apps)."""
    issued, expires = claim_time(claims.get("iat")), claim_time(claims.get("exp"))
    within_tolerance(rule, issued, received_at)
    if received_at > expires + facts(rule)["expiry_leeway_seconds"]:
        raise Rejected(OUTSIDE_TOLERANCE, f"the token expired {received_at - expires:.0f} s before it was received")


def claim_time(value: object) -> float:
    """A NumericDate: JSON's NaN and Infinity (which Python reads) and numbers no float holds are no time."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < LATEST_TIME:
        raise Rejected(INVALID, "the token's iat and exp are not times")
    return float(value)


def query_string_hash(method: str, url: str) -> str:
    return hashlib.sha256(canonical_request(method, url).encode("utf-8")).hexdigest()


def canonical_request(method: str, url: str) -> str:
    """ "METHOD&<path>&<query>" (Atlassian's canonical request): the path as in the URL ("/" when
    empty, one trailing "/" dropped, "&" as %26), the query's parameters sorted by name, each name
    and value RFC 3986-encoded, a name's several values sorted then joined by ",", the jwt parameter
    left out.
    The path is taken from the origin: the app's baseUrl must have no path of its own."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path.replace("&", "%26") or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]  # one, as Atlassian's library does
    values: dict[str, list[str]] = {}
    for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        if name != TOKEN_PARAMETER:
            values.setdefault(name, []).append(value)
    query = "&".join(
        f"{encode(name)}={','.join(encode(value) for value in sorted(values[name], key=utf16))}"
        for name in sorted(values, key=utf16)
    )
    return f"{method.upper()}&{path}&{query}"


def utf16(text: str) -> bytes:
    """JavaScript's sort order (UTF-16 code units), which Atlassian's library sorts by."""
    return text.encode("utf-16-be", "surrogatepass")


def encode(text: str) -> str:
    return urllib.parse.quote(text, safe=UNRESERVED)
