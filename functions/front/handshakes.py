"""Handshake presets: answering a sender that proves the endpoint before it delivers.

One object per preset owns what it reads and what it answers (standard-webhooks'
style: one object per scheme). `preset(name, secret).answer(request)` returns a
Response to send back (the request is then never queued) or None: not a
handshake, go on as usual. Pure: the standard library and contract.json (each
preset's method, read once at import); no other I/O, no clock, no logging, so
secrets and challenges are never written anywhere.

Every echoed value is bounded in length and character set and answered with an
explicit non-HTML content type and `X-Content-Type-Options: nosniff`: the
endpoint cannot reflect content to a browser (`<script>` is refused with 400
and a fixed body). Signed handshakes (slack, zoom, twitch, discord) must be verified by
the edge before `answer` is asked; asana's and notion's learned secret is the caller's to
store (see each class). Without API Gateway's decoded query parameters, build
Request.query with edge_messages.parse_query.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import ClassVar

from contract import CONTRACT

from edge_messages import (
    JSON,
    MALFORMED,
    TEXT,
    WRONG_VERIFY_TOKEN,
    Request,
    Response,
    as_json,
    json_body,
    plain,
    respond,
    well_formed,
)

# Each preset's method, whether it is signed and what secret it uses ("_" keys are notes).
HANDSHAKES: dict[str, dict] = {name: facts for name, facts in CONTRACT["handshakes"].items() if not name.startswith("_")}

# A challenge is an opaque token: nothing HTML, JSON or a header line gives meaning
# to (no < > & " ' \ space CR LF). Documented challenges are 6-64 characters.
TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{1,256}")
# Microsoft Graph's validationToken is prose ("Validation: Testing client application
# reachability for subscription Request-Id: <uuid>"): printable ASCII, no < > & " ' ` \.
GRAPH_TOKEN = re.compile(r"[A-Za-z0-9 !#$%()*+,./:;=?@\[\]^_{|}~-]{1,1024}")
# X signs the crc_token with the consumer secret, the key of every POST's
# signature: only its opaque base64/base64url shape is signed (see X.answer).
CRC_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{1,256}")


class Handshake:
    """One sender's handshake: `answer` returns the Response, or None when the request is not one."""

    name: ClassVar[str]
    method: ClassVar[str]  # the route method the handshake arrives on (GET needs its own route): contract.json's
    needs_secret: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.method = HANDSHAKES[cls.name]["method"]

    def __init__(self, secret: str | bytes | None = None) -> None:
        self._key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret or b"")
        if self.needs_secret != bool(self._key):
            raise ValueError(f"the {self.name} handshake {'needs a' if self.needs_secret else 'takes no'} secret")

    def __repr__(self) -> str:  # never the secret
        return f"{type(self).__name__}()"

    def answer(self, request: Request) -> Response | None:
        raise NotImplementedError


class Slack(Handshake):
    """Events API url_verification (api.slack.com/events/url_verification): a signed POST
    {"type": "url_verification", "challenge": ...} answered 200 with the challenge as
    text/plain. Slack signs it like any event: the edge verifies before answering."""

    name = "slack"

    def answer(self, request: Request) -> Response | None:
        document = json_body(request.body, b"url_verification") if request.method == self.method else None
        if document is None or document.get("type") != "url_verification":
            return None
        challenge = well_formed(document.get("challenge"), TOKEN)
        return plain(challenge) if challenge else MALFORMED


class Zoom(Handshake):
    """endpoint.url_validation (developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint):
    POST {"event": "endpoint.url_validation", "payload": {"plainToken": ...}} answered with
    {"plainToken": ..., "encryptedToken": hex HMAC-SHA256(secret token, plainToken)}.
    Zoom signs it (x-zm-signature): the edge verifies before answering."""

    name, needs_secret = "zoom", True

    def answer(self, request: Request) -> Response | None:
        document = json_body(request.body, b"endpoint.url_validation") if request.method == self.method else None
        if document is None or document.get("event") != "endpoint.url_validation":
            return None
        payload = document.get("payload")
        token = well_formed(payload.get("plainToken") if isinstance(payload, dict) else None, TOKEN)
        if not token:
            return MALFORMED
        encrypted = hmac.new(self._key, token.encode("ascii"), hashlib.sha256).hexdigest()
        return as_json({"plainToken": token, "encryptedToken": encrypted})


class Meta(Handshake):
    """Verification request (developers.facebook.com/docs/graph-api/webhooks/getting-started):
    GET ?hub.mode=subscribe&hub.challenge=...&hub.verify_token=... answered 200 with the
    challenge as text/plain when the verify token is the configured one (compared in
    constant time); 403 when it is not."""

    name, needs_secret = "meta", True

    def answer(self, request: Request) -> Response | None:
        if request.method != self.method or "hub.mode" not in request.query:
            return None
        offered = request.query.get("hub.verify_token", "").encode("utf-8", "surrogatepass")
        if not hmac.compare_digest(offered, self._key):
            return WRONG_VERIFY_TOKEN
        challenge = well_formed(request.query.get("hub.challenge"), TOKEN)
        if request.query["hub.mode"] != "subscribe" or not challenge:
            return MALFORMED
        return plain(challenge)


class X(Handshake):
    """Challenge-response check (developer.x.com/en/docs/x-api/enterprise/account-activity-api/
    guides/securing-webhooks): GET ?crc_token=... answered with JSON {"response_token":
    "sha256=" + base64(HMAC-SHA256(consumer secret, crc_token))}.

    Why only well-formed tokens are signed: a POST's x-twitter-webhooks-signature is the
    same HMAC with the same key over the body, so signing any crc_token would sign any
    body an attacker chooses (vercel/chat#775). Only X's opaque token shape (base64 or
    base64url characters, at most 256) is signed; it can hold no JSON object, array or
    string, and a token that parses as JSON at all (a bare number, true, null) is
    refused too, so no answer can serve as the signature of an event body."""

    name, needs_secret = "x", True

    def answer(self, request: Request) -> Response | None:
        if request.method != self.method or "crc_token" not in request.query:
            return None
        token = well_formed(request.query["crc_token"], CRC_TOKEN)
        if not token or parses_as_json(token):
            return MALFORMED
        digest = hmac.new(self._key, token.encode("ascii"), hashlib.sha256).digest()
        return as_json({"response_token": "sha256=" + base64.b64encode(digest).decode("ascii")})


def parses_as_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


class MicrosoftGraph(Handshake):
    """Notification endpoint validation (learn.microsoft.com/en-us/graph/change-notifications-
    delivery-webhooks#notification-endpoint-validation): POST ?validationToken=... answered
    within 10 s with 200 and the decoded token as text/plain."""

    name = "microsoft-graph"

    def answer(self, request: Request) -> Response | None:
        if request.method != self.method or "validationToken" not in request.query:
            return None
        token = well_formed(request.query["validationToken"], GRAPH_TOKEN)
        return plain(token) if token else MALFORMED


class Dropbox(Handshake):
    """Verification request (dropbox.com/developers/reference/webhooks): GET ?challenge=...
    echoed with Content-Type text/plain and X-Content-Type-Options: nosniff, the headers
    Dropbox asks for to avoid a reflected XSS."""

    name = "dropbox"

    def answer(self, request: Request) -> Response | None:
        if request.method != self.method or "challenge" not in request.query:
            return None
        challenge = well_formed(request.query["challenge"], TOKEN)
        return plain(challenge) if challenge else MALFORMED


class Okta(Handshake):
    """Event hook one-time verification (developer.okta.com/docs/concepts/event-hooks/
    #one-time-verification-request): GET with X-Okta-Verification-Challenge answered with
    JSON {"verification": <the header's value>}."""

    name = "okta"

    def answer(self, request: Request) -> Response | None:
        if request.method != self.method or "x-okta-verification-challenge" not in request.headers:
            return None
        challenge = well_formed(request.headers["x-okta-verification-challenge"], TOKEN)
        return as_json({"verification": challenge}) if challenge else MALFORMED


class Twitch(Handshake):
    """EventSub challenge (dev.twitch.tv/docs/eventsub/handling-webhook-events/
    #responding-to-a-challenge-request): POST with Twitch-Eventsub-Message-Type:
    webhook_callback_verification answered 200 with the body's challenge as text/plain.
    Twitch signs it like any message: the edge verifies before answering."""

    name = "twitch"

    def answer(self, request: Request) -> Response | None:
        kind = request.headers.get("twitch-eventsub-message-type")
        if request.method != self.method or kind != "webhook_callback_verification":
            return None
        document = json_body(request.body, b"challenge")
        challenge = well_formed(document.get("challenge") if document else None, TOKEN)
        return plain(challenge) if challenge else MALFORMED


class Asana(Handshake):
    """Webhook handshake (developers.asana.com/reference/createwebhook): a POST with an
    X-Hook-Secret header answered 200 with the same X-Hook-Secret response header. The
    value keys the X-Hook-Signature of later events: it is Response.learned_secret, and
    storing it as the source's signing secret, accepting one only while a registration
    is expected (an unsigned request can carry any value), is the caller's job."""

    name = "asana"

    def answer(self, request: Request) -> Response | None:
        if request.method != self.method or "x-hook-secret" not in request.headers:
            return None
        secret = well_formed(request.headers["x-hook-secret"], TOKEN)
        return respond(200, TEXT, b"", {"x-hook-secret": secret}, learned_secret=secret) if secret else MALFORMED


class Discord(Handshake):
    """Interactions endpoint PING (discord.com/developers/docs/interactions/receiving-and-responding,
    Receiving an Interaction): a signed POST {"type": 1, ...} answered 200 with {"type": 1}
    (PONG). Discord signs it (X-Signature-Ed25519) and also sends badly signed requests that
    must get 401: the edge verifies before answering."""

    name = "discord"
    PING = 1

    def answer(self, request: Request) -> Response | None:
        document = json_body(request.body, b'"type"') if request.method == self.method else None
        kind = document.get("type") if document else None
        if type(kind) is not int or kind != self.PING:  # True == 1 in Python: a JSON true is no PING
            return None
        return respond(200, JSON, b'{"type":1}')


class Notion(Handshake):
    """Subscription verification (developers.notion.com/reference/webhooks, Step 2): once, when
    the subscription is created, an unsigned POST whose JSON body is {"verification_token": ...}.
    The token is the key of every later event's X-Notion-Signature and must be pasted back into
    Notion's integration settings: it is Response.learned_secret (stored as the source's signing
    secret by the caller, as Asana's), answered 200 with an empty body. A request that carries
    X-Notion-Signature, or holds anything else, is an event, not the verification."""

    name = "notion"
    FIELD = "verification_token"
    SIGNATURE_HEADER = CONTRACT["signatures"]["presets"]["notion"]["header"]

    def answer(self, request: Request) -> Response | None:
        if request.method != self.method or self.SIGNATURE_HEADER in request.headers:
            return None
        document = json_body(request.body, self.FIELD.encode("ascii"))
        if document is None or list(document) != [self.FIELD]:
            return None
        token = well_formed(document[self.FIELD], TOKEN)
        return respond(200, TEXT, b"", learned_secret=token) if token else MALFORMED


PRESETS: dict[str, type[Handshake]] = {
    cls.name: cls for cls in (Slack, Zoom, Meta, X, MicrosoftGraph, Dropbox, Okta, Twitch, Asana, Discord, Notion)
}


def preset(name: str, secret: str | bytes | None = None) -> Handshake:
    """The handshake `name`; `secret` is the Zoom secret token, the Meta verify token or the
    X consumer secret for those presets, and must not be given to the others."""
    if name not in PRESETS:
        raise ValueError(f"handshake must be one of {', '.join(PRESETS)}")
    return PRESETS[name](secret)
