"""Signature verification against the senders' own vectors.

The code under test is ours; the expected signatures are not. Each request is
signed by the sender's official library (stripe, standardwebhooks, svix,
slack_sdk), by GitHub's documented example, or, for the generic HMAC scheme
and GitHub's other cases, by OpenSSL through `cryptography` (an independent
HMAC implementation). For every scheme: valid, tampered body, wrong secret,
missing header, old and future timestamps, several signatures in one header,
and the secret list form (a redrive hours later: tests/test_consumer_signatures.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
import standardwebhooks
import stripe
import svix.webhooks
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as openssl_hmac
from slack_sdk.signature import SignatureVerifier

from cached_secret import InvalidSecret
from signatures import (
    INVALID,
    MISSING,
    OUTSIDE_TOLERANCE,
    Rejected,
    SignatureRule,
    load_signature,
    parse_signing_secrets,
    verify,
)

NOW = 1_790_000_000  # when the sender signed (Unix seconds)
BODY = '{"id":"evt_1","type":"payment.succeeded","name":"Zoë ✓","amount":100}'
MESSAGE_ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"

# GitHub's documented example ("Validating webhook deliveries").
GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_PAYLOAD = "Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def openssl_digest(key: bytes, message: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
    mac = openssl_hmac.HMAC(key, algorithm)
    mac.update(message)
    return mac.finalize()


def sign_github(body: str, secret: str, timestamp: int, message_id: str) -> dict[str, str]:
    digest = openssl_digest(secret.encode(), body.encode(), hashes.SHA256())
    return {"x-hub-signature-256": "sha256=" + digest.hex()}


def sign_stripe(body: str, secret: str, timestamp: int, message_id: str) -> dict[str, str]:
    return {"stripe-signature": stripe.WebhookSignature.generate_signature_header(body, secret, timestamp)}


def sign_standard_webhooks(body: str, secret: str, timestamp: int, message_id: str) -> dict[str, str]:
    signature = standardwebhooks.Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, UTC), body)
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}


def sign_svix(body: str, secret: str, timestamp: int, message_id: str) -> dict[str, str]:
    signature = svix.webhooks.Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, UTC), body)
    return {"svix-id": message_id, "svix-timestamp": str(timestamp), "svix-signature": signature}


def sign_slack(body: str, secret: str, timestamp: int, message_id: str) -> dict[str, str]:
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {"x-slack-signature": signature, "x-slack-request-timestamp": str(timestamp)}


# A custom sender: X-Signature = "sha512=" + base64(HMAC-SHA512(secret, "{id}.{timestamp}.{body}")).
CUSTOM_HMAC = {
    "scheme": "hmac",
    "header": "x-signature",
    "algorithm": "sha512",
    "encoding": "base64",
    "prefix": "sha512=",
    "signed_content": "{id}.{timestamp}.{body}",
    "timestamp_header": "x-timestamp",
    "id_header": "x-delivery",
}


def sign_custom_hmac(body: str, secret: str, timestamp: int, message_id: str) -> dict[str, str]:
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = openssl_digest(secret.encode(), signed, hashes.SHA512())
    return {"x-signature": "sha512=" + base64.b64encode(digest).decode(), "x-timestamp": str(timestamp), "x-delivery": message_id}


# Three families of the named senders, signed by OpenSSL as each vendor documents it, so the
# whole battery below (and the hostile values of test_signature_hostile.py) covers RFC 3339
# times, key=value pairs and keyless entries; their vendors' own vectors: test_signature_presets.py.
def sign_twitch(body: str, secret: str, timestamp: int, message_id: str) -> dict[str, str]:
    """dev.twitch.tv/docs/eventsub/handling-webhook-events: sha256= hex HMAC of id + timestamp + body."""
    sent_at = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.123456789Z")
    digest = openssl_digest(secret.encode(), f"{message_id}{sent_at}{body}".encode(), hashes.SHA256())
    return {
        "twitch-eventsub-message-signature": "sha256=" + digest.hex(),
        "twitch-eventsub-message-timestamp": sent_at,
        "twitch-eventsub-message-id": message_id,
    }


def sign_paddle(body: str, secret: str, timestamp: int, message_id: str) -> dict[str, str]:
    """developer.paddle.com/webhooks/signature-verification: Paddle-Signature: ts=<s>;h1=<hex of "<ts>:<body>">."""
    digest = openssl_digest(secret.encode(), f"{timestamp}:{body}".encode(), hashes.SHA256())
    return {"paddle-signature": f"ts={timestamp};h1={digest.hex()}"}


def sign_recurly(body: str, secret: str, timestamp: int, message_id: str) -> dict[str, str]:
    """docs.recurly.com signature-verification: recurly-signature: <ms>,<hex of "<ms>.<body>">[,...]."""
    milliseconds = f"{timestamp}042"
    digest = openssl_digest(secret.encode(), f"{milliseconds}.{body}".encode(), hashes.SHA256())
    return {"recurly-signature": f"{milliseconds},{digest.hex()}"}


def jws_segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_netlify(body: str, secret: str, timestamp: int, message_id: str, **claims: object) -> dict[str, str]:
    """docs.netlify.com/deploy/deploy-notifications/#payload-signature: a JWS (RFC 7515 compact form),
    HS256, claims iss = netlify and sha256 = hex SHA-256 of the body; built here, MAC by OpenSSL."""
    header = jws_segment(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    document = {"iss": "netlify", "sha256": hashlib.sha256(body.encode()).hexdigest(), **claims}
    payload = jws_segment(json.dumps(document).encode())
    mac = openssl_digest(secret.encode(), f"{header}.{payload}".encode(), hashes.SHA256())
    return {"x-webhook-signature": f"{header}.{payload}.{jws_segment(mac)}"}


def joined(separator: str, header: str, keep_prefix: bool) -> Callable[[list[dict[str, str]]], dict[str, str]]:
    """Several signatures in one header, the way the sender writes them during a rotation."""

    def join(signed: list[dict[str, str]]) -> dict[str, str]:
        first = dict(signed[0])
        extra = [entry[header] if keep_prefix else entry[header].split(separator, 1)[1] for entry in signed[1:]]
        first[header] = separator.join([first[header], *extra])
        return first

    return join


def whsec() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


@dataclass
class Sender:
    name: str
    settings: dict
    new_secret: Callable[[], str]
    sign: Callable[[str, str, int, str], dict[str, str]]
    timestamped: bool = True
    several: Callable[[list[dict[str, str]]], dict[str, str]] | None = None
    rule: SignatureRule = field(init=False)

    def __post_init__(self) -> None:
        self.rule = load_signature(self.settings, self.name)


SENDERS = [
    Sender("github", {"scheme": "github"}, lambda: secrets.token_hex(20), sign_github, timestamped=False),
    Sender(
        "stripe",
        {"scheme": "stripe"},
        lambda: "whsec_" + secrets.token_hex(16),
        sign_stripe,
        # Stripe sends one v1 per active secret while an old one is still rolling.
        several=lambda signed: {
            "stripe-signature": ",".join(
                [signed[0]["stripe-signature"]] + [s["stripe-signature"].split(",", 1)[1] for s in signed[1:]]
            )
        },
    ),
    Sender(
        "standard-webhooks",
        {"scheme": "standard-webhooks"},
        whsec,
        sign_standard_webhooks,
        several=joined(" ", "webhook-signature", keep_prefix=True),
    ),
    Sender("svix", {"scheme": "svix"}, whsec, sign_svix, several=joined(" ", "svix-signature", keep_prefix=True)),
    Sender("slack", {"scheme": "slack"}, lambda: secrets.token_hex(16), sign_slack),
    Sender("hmac", CUSTOM_HMAC, lambda: secrets.token_urlsafe(32), sign_custom_hmac),
    Sender("twitch", {"scheme": "twitch"}, lambda: secrets.token_hex(16), sign_twitch),
    Sender("netlify", {"scheme": "netlify"}, lambda: secrets.token_urlsafe(24), sign_netlify, timestamped=False),
    Sender(
        "paddle",
        {"scheme": "paddle"},
        lambda: "pdl_ntfset_" + secrets.token_hex(16),
        sign_paddle,
        several=joined(";", "paddle-signature", keep_prefix=False),
    ),
    Sender(
        "recurly",
        {"scheme": "recurly"},
        lambda: secrets.token_hex(32),
        sign_recurly,
        several=joined(",", "recurly-signature", keep_prefix=False),
    ),
]
BY_NAME = {sender.name: sender for sender in SENDERS}


def check(sender: Sender, secret_string: str, headers: dict[str, str], body: str = BODY, received_at: float = NOW + 2) -> None:
    verify(sender.rule, parse_signing_secrets(sender.rule, secret_string), headers, body.encode(), received_at)


def reason_of(sender: Sender, secret_string: str, headers: dict[str, str], **kwargs) -> str:
    with pytest.raises(Rejected) as rejected:
        check(sender, secret_string, headers, **kwargs)
    return rejected.value.reason


@pytest.fixture(params=SENDERS, ids=lambda sender: sender.name)
def sender(request) -> Sender:
    return request.param


def test_githubs_documented_example_verifies():
    rule = load_signature({"scheme": "github"}, "github")
    keys = parse_signing_secrets(rule, GITHUB_SECRET)
    verify(rule, keys, {"x-hub-signature-256": GITHUB_SIGNATURE}, GITHUB_PAYLOAD.encode(), NOW)
    with pytest.raises(Rejected, match="no signature matches"):
        verify(rule, keys, {"x-hub-signature-256": GITHUB_SIGNATURE}, b"Hello, World?", NOW)


def test_a_signed_request_verifies(sender):
    secret = sender.new_secret()
    check(sender, secret, sender.sign(BODY, secret, NOW, MESSAGE_ID))


def test_a_tampered_body_is_invalid(sender):
    secret = sender.new_secret()
    headers = sender.sign(BODY, secret, NOW, MESSAGE_ID)
    assert reason_of(sender, secret, headers, body=BODY.replace("100", "900")) == INVALID


def test_a_body_re_encoded_after_signing_is_invalid(sender):
    """The exact bytes: the same JSON re-serialized (spacing, escaped non-ASCII) is not what was signed."""
    secret = sender.new_secret()
    headers = sender.sign(BODY, secret, NOW, MESSAGE_ID)
    assert reason_of(sender, secret, headers, body=json.dumps(json.loads(BODY))) == INVALID


def test_the_wrong_secret_is_invalid(sender):
    headers = sender.sign(BODY, sender.new_secret(), NOW, MESSAGE_ID)
    assert reason_of(sender, sender.new_secret(), headers) == INVALID


def test_each_missing_header_is_missing(sender):
    secret = sender.new_secret()
    headers = sender.sign(BODY, secret, NOW, MESSAGE_ID)
    assert set(headers) == set(sender.rule.headers)
    for name in headers:
        assert reason_of(sender, secret, {**headers, name: ""}) == MISSING, name
        assert reason_of(sender, secret, {key: value for key, value in headers.items() if key != name}) == MISSING, name


@pytest.mark.parametrize("skew", [301, 3600, -301, -3600], ids=["old", "hour-old", "future", "hour-ahead"])
def test_a_timestamp_outside_the_tolerance_is_refused(sender, skew):
    secret = sender.new_secret()
    headers = sender.sign(BODY, secret, NOW, MESSAGE_ID)
    if not sender.timestamped:
        check(sender, secret, headers, received_at=NOW + skew)  # GitHub signs no time: no window
        return
    assert reason_of(sender, secret, headers, received_at=NOW + skew) == OUTSIDE_TOLERANCE
    check(sender, secret, headers, received_at=NOW + (299 if skew > 0 else -299))


def test_the_tolerance_is_a_setting(sender):
    if not sender.timestamped:
        pytest.skip("GitHub signs no timestamp")
    secret = sender.new_secret()
    headers = sender.sign(BODY, secret, NOW, MESSAGE_ID)
    strict = load_signature({**sender.settings, "tolerance_seconds": 10}, sender.name)
    with pytest.raises(Rejected) as rejected:
        verify(strict, parse_signing_secrets(strict, secret), headers, BODY.encode(), NOW + 11)
    assert rejected.value.reason == OUTSIDE_TOLERANCE


def test_several_signatures_in_one_header_verify_with_either_secret(sender):
    if sender.several is None:
        pytest.skip(f"{sender.name} sends one signature per request")
    old, new = sender.new_secret(), sender.new_secret()
    headers = sender.several([sender.sign(BODY, old, NOW, MESSAGE_ID), sender.sign(BODY, new, NOW, MESSAGE_ID)])
    check(sender, old, headers)
    check(sender, new, headers)
    assert reason_of(sender, sender.new_secret(), headers) == INVALID


def test_the_secret_list_form_verifies_with_any_of_its_secrets(sender):
    old, new = sender.new_secret(), sender.new_secret()
    listed = json.dumps([old, new])
    check(sender, listed, sender.sign(BODY, old, NOW, MESSAGE_ID))
    check(sender, listed, sender.sign(BODY, new, NOW, MESSAGE_ID))
    assert reason_of(sender, listed, sender.sign(BODY, sender.new_secret(), NOW, MESSAGE_ID)) == INVALID


def test_a_secret_copied_with_a_trailing_newline_still_verifies(sender):
    secret = sender.new_secret()
    check(sender, secret + "\n", sender.sign(BODY, secret, NOW, MESSAGE_ID))


# "[]", "[not json" and the like are literal secrets now (tests/test_signature_secrets.py).
@pytest.mark.parametrize("secret_string", ["", "   ", "\n", json.dumps(["s"] * 11)])
def test_an_empty_or_malformed_secret_is_refused_not_a_forgery(sender, secret_string):
    with pytest.raises(InvalidSecret):
        parse_signing_secrets(sender.rule, secret_string)


def test_a_standard_webhooks_secret_must_be_base64():
    with pytest.raises(InvalidSecret, match="base64"):
        parse_signing_secrets(BY_NAME["standard-webhooks"].rule, "whsec_not*base64")


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        ("github", {"x-hub-signature-256": "sha1=abcd"}),
        ("github", {"x-hub-signature-256": "sha256=xyz"}),
        ("stripe", {"stripe-signature": "v1=abcd"}),
        ("stripe", {"stripe-signature": f"t={NOW},t={NOW},v1=abcd"}),
        ("stripe", {"stripe-signature": f"t={NOW},v0=abcd"}),
        ("stripe", {"stripe-signature": "t=soon,v1=abcd"}),
        ("standard-webhooks", {"webhook-id": "m", "webhook-timestamp": str(NOW), "webhook-signature": "v1a,abcd"}),
        ("standard-webhooks", {"webhook-id": "m", "webhook-timestamp": "1e9", "webhook-signature": "v1,abcd"}),
        (
            "standard-webhooks",
            {"webhook-id": "m", "webhook-timestamp": str(NOW), "webhook-signature": " ".join(["v1,AAAA"] * 17)},
        ),
        ("slack", {"x-slack-signature": "v1=abcd", "x-slack-request-timestamp": str(NOW)}),
        ("hmac", {"x-signature": "sha256=abcd", "x-timestamp": str(NOW), "x-delivery": "d"}),
        ("hmac", {"x-signature": "sha512=***", "x-timestamp": str(NOW), "x-delivery": "d"}),
    ],
)
def test_a_malformed_signature_header_is_invalid(name, headers):
    sender = BY_NAME[name]
    assert reason_of(sender, sender.new_secret(), headers) == INVALID


def test_a_placeholder_inside_a_header_value_is_not_expanded():
    sender = BY_NAME["hmac"]
    secret = sender.new_secret()
    headers = sign_custom_hmac(BODY, secret, NOW, "{timestamp}")
    check(sender, secret, headers)


@pytest.mark.parametrize(
    "settings",
    [
        {"scheme": "hmac"},
        {"scheme": "hmac", "header": "X-Signature"},
        {"scheme": "hmac", "header": "x-signature", "algorithm": "md5"},
        {"scheme": "hmac", "header": "x-signature", "encoding": "base32"},
        {"scheme": "hmac", "header": "x-signature", "signed_content": "{timestamp}.{body}"},
        {"scheme": "hmac", "header": "x-signature", "signed_content": "{id}.{body}", "timestamp_header": "x-t"},
        {"scheme": "hmac", "header": "x-signature", "signed_content": "{body}{body}"},
        {"scheme": "mailchimp"},
        {"scheme": "stripe", "tolerance_seconds": 0},
        {"scheme": "stripe", "tolerance_seconds": 1.5},
    ],
)
def test_a_signature_setting_that_cannot_work_is_a_clear_error(settings):
    with pytest.raises(ValueError, match="orders"):
        load_signature(settings, "orders")
