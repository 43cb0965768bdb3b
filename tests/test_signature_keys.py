"""Keys taken from signatures are canonical (issue 20, item 5).

Verification accepts hex in any letter case and base64 whose unused low bits
differ, and a multi-signature header may list entries in any order or carry
extra ones: a replay re-spelled that way must key exactly like the original.
The signatures come from the senders' own libraries (slack_sdk, stripe,
standardwebhooks, svix) or, for an X-style base64 signature, from OpenSSL
through `cryptography` following X's documented recipe; the signed strings
that `signed_content_digest` must hash are built here from each vendor's
documented recipe, not by our code.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
import standardwebhooks
import stripe
import svix.webhooks
from cryptography.hazmat.primitives import hashes
from slack_sdk.signature import SignatureVerifier
from test_signatures import BODY, CUSTOM_HMAC, MESSAGE_ID, NOW, openssl_digest, sign_custom_hmac, whsec

from signatures import (
    PRESETS,
    SCHEMES,
    SIGNED_CONTENT_KEY_PREFIX,
    TENANT_SCHEMES,
    event_key_from_header,
    load_signature,
    parse_signing_secrets,
    signed_content_digest,
    verify,
)

# X (Twitter) Account Activity API, "Securing webhooks" (developer.x.com): the
# x-twitter-webhooks-signature header is "sha256=" + base64(HMAC-SHA256(consumer
# secret, raw body)). The consumer secret and token are the example values of X's
# developer relations CRC example (gist.github.com/jcipriano/46c4b3f379d214d57a9ddfa70dba49fe).
X_CONSUMER_SECRET = "z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu"
X_PAYLOAD = '{"for_user_id":"2244994945","crc_token":"9b4507b3-9040-4669-9ca3-6b94edb50553"}'
X_RULE = load_signature(
    {"scheme": "hmac", "header": "x-twitter-webhooks-signature", "encoding": "base64", "prefix": "sha256="}, "x"
)
BYTES = BODY.encode()


def x_signature(body: str) -> str:
    return "sha256=" + base64.b64encode(openssl_digest(X_CONSUMER_SECRET.encode(), body.encode(), hashes.SHA256())).decode()


def respelled_base64(value: str) -> str:
    """The same bytes, spelled differently: when the length is not a multiple of 3 bytes,
    the last base64 character before the padding has unused low bits (2 with one '=',
    4 with '=='; RFC 4648 section 3.5), so flipping its lowest bit changes the text,
    not the decoded bytes ("...Soc=" -> "...Sod=")."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    data = value.rstrip("=")
    assert data != value, "no padding: no unused bits"
    return data[:-1] + alphabet[alphabet.index(data[-1]) ^ 1] + value[len(data) :]


def keys_and_verify(rule, secret: str, variants: list[dict[str, str]], body: bytes = BYTES) -> set[str]:
    """Every variant verifies (so the consumer would store it); the set of keys they make."""
    keys = parse_signing_secrets(rule, secret)
    for headers in variants:
        verify(rule, keys, headers, body, NOW + 1)
    return {event_key_from_header(rule, rule.signature_header, headers, body) for headers in variants}


def test_slack_upper_case_hex_keys_like_the_original():
    secret = "8f" * 16
    rule = load_signature({"scheme": "slack"}, "slack")
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(NOW), body=BODY)
    original = {"x-slack-signature": signature, "x-slack-request-timestamp": str(NOW)}
    shouted = {**original, "x-slack-signature": "v0=" + signature.removeprefix("v0=").upper()}
    mixed = {**original, "x-slack-signature": "v0=" + signature.removeprefix("v0=")[:10].upper() + signature[13:]}
    assert shouted["x-slack-signature"] != signature
    assert keys_and_verify(rule, secret, [original, shouted, mixed]) == {signature}  # the genuine spelling, unchanged


def test_github_upper_case_hex_keys_like_the_original():
    rule = load_signature({"scheme": "github"}, "github")
    # GitHub's documented example ("Validating webhook deliveries").
    signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    variants = [{"x-hub-signature-256": signature}, {"x-hub-signature-256": "sha256=" + signature[7:].upper()}]
    assert keys_and_verify(rule, "It's a Secret to Everybody", variants, b"Hello, World!") == {signature}


def test_an_x_style_base64_signature_respelled_keys_like_the_original():
    signature = x_signature(X_PAYLOAD)
    respelled = "sha256=" + respelled_base64(signature.removeprefix("sha256="))
    assert respelled != signature
    assert base64.b64decode(respelled[7:]) == base64.b64decode(signature[7:])
    variants = [{"x-twitter-webhooks-signature": signature}, {"x-twitter-webhooks-signature": respelled}]
    assert keys_and_verify(X_RULE, X_CONSUMER_SECRET, variants, X_PAYLOAD.encode()) == {signature}


def test_a_base64_hmac_with_other_headers_keys_its_signature_canonically():
    secret = "s3cret-of-the-sender"
    rule = load_signature(CUSTOM_HMAC, "custom")
    original = sign_custom_hmac(BODY, secret, NOW, MESSAGE_ID)
    value = original["x-signature"]
    respelled = {**original, "x-signature": "sha512=" + respelled_base64(value.removeprefix("sha512="))}
    assert keys_and_verify(rule, secret, [original, respelled]) == {value}
    # Its id and timestamp headers key as sent.
    assert event_key_from_header(rule, "x-delivery", respelled, BYTES) == MESSAGE_ID
    assert event_key_from_header(rule, "x-timestamp", respelled, BYTES) == str(NOW)


def stripe_entries(header: str) -> tuple[str, list[str]]:
    timestamp, *signatures = header.split(",")
    return timestamp, signatures


def test_stripe_extra_reordered_or_respelled_entries_key_like_the_original():
    secret, other = "whsec_" + "5f" * 16, "whsec_" + "9e" * 16
    rule = load_signature({"scheme": "stripe"}, "stripe")
    header = stripe.WebhookSignature.generate_signature_header(BODY, secret, NOW)
    timestamp, (valid,) = stripe_entries(header)
    _, (foreign,) = stripe_entries(stripe.WebhookSignature.generate_signature_header(BODY, other, NOW))
    variants = [
        header,
        f"{timestamp},{valid},{foreign}",  # an extra signature, as during a rotation
        f"{foreign},{valid},{timestamp}",  # reordered
        f"{timestamp},{valid.upper().replace('V1=', 'v1=')}",  # hex letter case
        f"{timestamp},{valid},v0=00ff",  # an entry of another scheme
    ]
    keys = keys_and_verify(rule, secret, [{"stripe-signature": value} for value in variants])
    # Stripe's documented signed payload: "{t}.{body}" (docs.stripe.com/webhooks, "Verify manually").
    assert keys == {SIGNED_CONTENT_KEY_PREFIX + hashlib.sha256(f"{NOW}.{BODY}".encode()).hexdigest()}


@pytest.mark.parametrize("scheme", ["standard-webhooks", "svix"])
def test_standard_webhooks_extra_or_reordered_entries_key_like_the_original(scheme):
    secret, other = whsec(), whsec()
    library = standardwebhooks.Webhook if scheme == "standard-webhooks" else svix.webhooks.Webhook
    prefix = "webhook-" if scheme == "standard-webhooks" else "svix-"
    rule = load_signature({"scheme": scheme}, scheme)
    at = datetime.fromtimestamp(NOW, UTC)
    valid, foreign = library(secret).sign(MESSAGE_ID, at, BODY), library(other).sign(MESSAGE_ID, at, BODY)
    base = {prefix + "id": MESSAGE_ID, prefix + "timestamp": str(NOW)}
    variants = [
        {**base, prefix + "signature": value}
        for value in (valid, f"{valid} {foreign}", f"{foreign} {valid}", f"v1a,{'A' * 86}== {valid}", f"{valid}  {valid}")
    ]
    keys = keys_and_verify(rule, secret, variants)
    # The Standard Webhooks spec: the signed content is "{msg_id}.{timestamp}.{payload}".
    assert keys == {SIGNED_CONTENT_KEY_PREFIX + hashlib.sha256(f"{MESSAGE_ID}.{NOW}.{BODY}".encode()).hexdigest()}
    # The id header keys as sent (it is covered by the signature).
    assert event_key_from_header(rule, prefix + "id", variants[1], BYTES) == MESSAGE_ID


def test_a_different_delivery_keys_differently():
    """The canonical key is not constant: another signed content is another key."""
    secret = "whsec_" + "5f" * 16
    rule = load_signature({"scheme": "stripe"}, "stripe")
    first = {"stripe-signature": stripe.WebhookSignature.generate_signature_header(BODY, secret, NOW)}
    later = {"stripe-signature": stripe.WebhookSignature.generate_signature_header(BODY, secret, NOW + 1)}
    assert event_key_from_header(rule, "stripe-signature", first, BYTES) != event_key_from_header(
        rule, "stripe-signature", later, BYTES
    )


@pytest.mark.parametrize(
    ("settings", "headers", "documented"),
    [
        # GitHub: HMAC of the raw payload ("Validating webhook deliveries").
        ({"scheme": "github"}, {"x-hub-signature-256": "sha256=" + "00" * 32}, BODY),
        # Stripe: "{t}.{payload}".
        ({"scheme": "stripe"}, {"stripe-signature": f"t={NOW},v1={'00' * 32}"}, f"{NOW}.{BODY}"),
        # Standard Webhooks spec: "{msg_id}.{timestamp}.{payload}"; Svix the same.
        (
            {"scheme": "standard-webhooks"},
            {"webhook-id": MESSAGE_ID, "webhook-timestamp": str(NOW), "webhook-signature": "v1," + "A" * 43 + "="},
            f"{MESSAGE_ID}.{NOW}.{BODY}",
        ),
        (
            {"scheme": "svix"},
            {"svix-id": MESSAGE_ID, "svix-timestamp": str(NOW), "svix-signature": "v1," + "A" * 43 + "="},
            f"{MESSAGE_ID}.{NOW}.{BODY}",
        ),
        # Slack: "v0:{X-Slack-Request-Timestamp}:{body}" ("Verifying requests from Slack").
        (
            {"scheme": "slack"},
            {"x-slack-signature": "v0=" + "00" * 32, "x-slack-request-timestamp": str(NOW)},
            f"v0:{NOW}:{BODY}",
        ),
        # A custom sender, as configured: "{id}.{timestamp}.{body}".
        (
            CUSTOM_HMAC,
            {"x-signature": "sha512=" + "A" * 86 + "==", "x-timestamp": str(NOW), "x-delivery": MESSAGE_ID},
            f"{MESSAGE_ID}.{NOW}.{BODY}",
        ),
    ],
    ids=["github", "stripe", "standard-webhooks", "svix", "slack", "hmac"],
)
def test_the_signed_content_digest_is_the_sha256_of_the_documented_signed_string(settings, headers, documented):
    rule = load_signature(settings, settings["scheme"])
    assert signed_content_digest(rule, headers, BYTES) == hashlib.sha256(documented.encode("utf-8")).hexdigest()


# The header each vendor documents as carrying the signature (lower-cased, as API Gateway passes them).
DOCUMENTED_SIGNATURE_HEADERS = {
    "github": "x-hub-signature-256",
    "stripe": "stripe-signature",
    "standard-webhooks": "webhook-signature",
    "svix": "svix-signature",
    "slack": "x-slack-signature",
    "netlify": "x-webhook-signature",
    # discord.com/developers/docs/interactions/overview (Validating Security Request Headers)
    "discord": "x-signature-ed25519",
    # twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
    "sendgrid": "x-twilio-email-event-webhook-signature",
    # cloud.google.com/pubsub/docs/authenticate-push-subscriptions: the token is in Authorization
    "google-pubsub-push": "authorization",
    # developer.paypal.com/api/rest/webhooks/rest (Verify the signature); PayPal's SDK test headers
    "paypal": "paypal-transmission-sig",
    # plaid.com/docs/api/webhooks/webhook-verification: the JWT is in Plaid-Verification
    "plaid": "plaid-verification",
    # developer.atlassian.com/cloud/jira/platform/understanding-jwt-for-connect-apps: "Authorization: JWT <token>"
    "jira-connect": "authorization",
    "hmac": "x-signature",  # CUSTOM_HMAC's own setting
}


# Schemes whose signature is in the body (test_body_signatures.py): they read no header.
IN_THE_BODY = {"mailgun", "adyen", "microsoft-graph"}


def test_a_scheme_signing_in_the_body_reads_no_header():
    for scheme in IN_THE_BODY:
        rule = load_signature({"scheme": scheme}, scheme)
        assert (rule.headers, rule.signature_header) == ((), "")


@pytest.mark.parametrize("scheme", [scheme for scheme in SCHEMES if scheme not in PRESETS and scheme not in IN_THE_BODY])
def test_each_scheme_names_its_documented_signature_header(scheme):
    url = {"url": "https://hooks.example.com/hooks/jira"} if scheme in TENANT_SCHEMES else {}  # the token binds it
    rule = load_signature(CUSTOM_HMAC if scheme == "hmac" else {"scheme": scheme, **url}, scheme)
    assert rule.signature_header == DOCUMENTED_SIGNATURE_HEADERS[scheme]
    assert rule.signature_header in rule.headers
