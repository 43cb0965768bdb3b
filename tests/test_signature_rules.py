"""Each parsing rule refuses a header that carries a VALID signature (issue 20, items 21 and 22).

A test that sends only bad signatures gets signature_invalid whatever the
parsing rules do, so a rule could be deleted unnoticed. Here every request
carries a signature the sender's library (or OpenSSL, for GitHub's and the
generic scheme) made with the right secret, and only the rule under test can
refuse it. The tolerance is tested exactly at +-tolerance and one second
beyond, with the vendor SDK's own decision as the reference where one exists.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import standardwebhooks
import standardwebhooks.webhooks
import stripe
import stripe._webhook
import svix.webhooks
from cryptography.hazmat.primitives import hashes
from slack_sdk.signature import SignatureVerifier
from test_signatures import BODY, CUSTOM_HMAC, MESSAGE_ID, NOW, openssl_digest, sign_custom_hmac, whsec

from signatures import INVALID, MAX_SIGNATURES, OUTSIDE_TOLERANCE, Rejected, load_signature, parse_signing_secrets, verify

STRIPE_SECRET = "whsec_" + "5f" * 16
GITHUB_SECRET = "It's a Secret to Everybody"
SLACK_SECRET = "8f" * 16
RULES = {
    scheme: load_signature({"scheme": scheme}, scheme) for scheme in ("github", "stripe", "standard-webhooks", "svix", "slack")
}
BYTES = BODY.encode()


def decision(rule, secret: str, headers: dict[str, str], received_at: float = NOW + 1) -> str:
    """ "ok", or the reason the request is refused."""
    try:
        verify(rule, parse_signing_secrets(rule, secret), headers, BYTES, received_at)
    except Rejected as rejected:
        return rejected.reason
    return "ok"


# --- parsing rules, each facing a valid signature ---------------------------------------


def stripe_header(timestamp: int = NOW, secret: str = STRIPE_SECRET) -> str:
    return stripe.WebhookSignature.generate_signature_header(BODY, secret, timestamp)


def test_a_stripe_header_with_a_valid_v1_verifies():
    assert decision(RULES["stripe"], STRIPE_SECRET, {"stripe-signature": stripe_header()}) == "ok"


@pytest.mark.parametrize(
    "shape",
    [
        "{t},{v1},t={now}",  # the same timestamp twice
        "{t},{v1},t={other}",  # a second, different timestamp after the signed one
        "t={other},{t},{v1}",  # ... or before it
    ],
)
def test_stripe_needs_exactly_one_timestamp_even_next_to_a_valid_signature(shape):
    t, v1 = stripe_header().split(",")
    header = shape.format(t=t, v1=v1, now=NOW, other=NOW + 1)
    assert decision(RULES["stripe"], STRIPE_SECRET, {"stripe-signature": header}) == INVALID


def foreign_stripe_signatures(count: int) -> list[str]:
    return [stripe_header(secret=f"whsec_other{n}").split(",")[1] for n in range(count)]


def test_stripe_accepts_the_most_signatures_a_header_may_carry():
    t, v1 = stripe_header().split(",")
    header = ",".join([t, *foreign_stripe_signatures(MAX_SIGNATURES - 1), v1])
    assert decision(RULES["stripe"], STRIPE_SECRET, {"stripe-signature": header}) == "ok"


def test_stripe_refuses_one_signature_too_many_even_if_one_is_valid():
    t, v1 = stripe_header().split(",")
    header = ",".join([t, *foreign_stripe_signatures(MAX_SIGNATURES), v1])
    assert decision(RULES["stripe"], STRIPE_SECRET, {"stripe-signature": header}) == INVALID


@pytest.mark.parametrize("scheme", ["standard-webhooks", "svix"])
@pytest.mark.parametrize(("foreign", "expected"), [(MAX_SIGNATURES - 1, "ok"), (MAX_SIGNATURES, INVALID)])
def test_standard_webhooks_cap_the_signatures_per_header_even_if_one_is_valid(scheme, foreign, expected):
    library = standardwebhooks.Webhook if scheme == "standard-webhooks" else svix.webhooks.Webhook
    prefix = "webhook-" if scheme == "standard-webhooks" else "svix-"
    secret, at = whsec(), datetime.fromtimestamp(NOW, UTC)
    entries = [library(whsec()).sign(MESSAGE_ID, at, BODY) for _ in range(foreign)] + [library(secret).sign(MESSAGE_ID, at, BODY)]
    headers = {prefix + "id": MESSAGE_ID, prefix + "timestamp": str(NOW), prefix + "signature": " ".join(entries)}
    assert len(entries) == foreign + 1
    assert decision(RULES[scheme], secret, headers) == expected


def github_hex() -> str:
    # GitHub's documented example ("Validating webhook deliveries"), re-made by OpenSSL for BODY.
    return openssl_digest(GITHUB_SECRET.encode(), BYTES, hashes.SHA256()).hex()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sha256={hex}", "ok"),
        ("{hex}", INVALID),  # no prefix
        ("sha1={hex}", INVALID),  # another algorithm's prefix
        ("SHA256={hex}", INVALID),  # GitHub writes it in lower case
        ("sha256= {hex}", INVALID),
    ],
)
def test_github_needs_the_sha256_prefix_even_with_the_valid_hex(value, expected):
    assert decision(RULES["github"], GITHUB_SECRET, {"x-hub-signature-256": value.format(hex=github_hex())}) == expected


@pytest.mark.parametrize(("strip", "expected"), [(False, "ok"), (True, INVALID)])
def test_slack_needs_the_v0_prefix_even_with_the_valid_hex(strip, expected):
    signature = SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=str(NOW), body=BODY)
    value = signature.removeprefix("v0=") if strip else signature
    headers = {"x-slack-signature": value, "x-slack-request-timestamp": str(NOW)}
    assert decision(RULES["slack"], SLACK_SECRET, headers) == expected


def test_the_generic_scheme_needs_its_prefix_even_with_the_valid_signature():
    rule = load_signature(CUSTOM_HMAC, "custom")
    headers = sign_custom_hmac(BODY, "custom-secret", NOW, MESSAGE_ID)
    assert decision(rule, "custom-secret", headers) == "ok"
    bare = {**headers, "x-signature": headers["x-signature"].removeprefix("sha512=")}
    assert base64.b64decode(bare["x-signature"])  # still the valid base64 signature
    assert decision(rule, "custom-secret", bare) == INVALID


# --- the tolerance boundary, against each vendor SDK ------------------------------------

# received - signed, in seconds: exactly the tolerance each way, and one second beyond.
SKEWS = [300, 301, -300, -301]


def ours(scheme: str, headers: dict[str, str], secret: str, skew: int) -> bool:
    return decision(RULES[scheme], secret, headers, received_at=NOW + skew) == "ok"


@pytest.mark.parametrize("skew", SKEWS)
def test_stripe_boundary_matches_stripes_own_check(monkeypatch, skew):
    """stripe-python: refused when `timestamp < time.time() - tolerance`, so a delivery exactly
    `tolerance` old is accepted. Stripe has no check for a timestamp in the future; we refuse
    one more than `tolerance` ahead (Standard Webhooks and Slack do too): documented divergence."""
    header = stripe_header()
    monkeypatch.setattr(stripe._webhook, "time", SimpleNamespace(time=lambda: float(NOW + skew)))
    try:
        stripe.WebhookSignature.verify_header(BODY, header, STRIPE_SECRET, tolerance=300)
        theirs = True
    except stripe.SignatureVerificationError:
        theirs = False
    mine = ours("stripe", {"stripe-signature": header}, STRIPE_SECRET, skew)
    if skew == -301:
        assert (theirs, mine) == (True, False)  # the divergence, on purpose
    else:
        assert mine == theirs


@pytest.mark.parametrize("scheme", ["standard-webhooks", "svix"])
@pytest.mark.parametrize("skew", SKEWS)
def test_standard_webhooks_boundary_matches_the_reference_library(monkeypatch, scheme, skew):
    """standardwebhooks (which svix wraps): refused when the timestamp is before now - 5 min
    or after now + 5 min, so exactly 5 minutes either way is accepted."""

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.fromtimestamp(NOW + skew, tz)

    library = standardwebhooks.Webhook if scheme == "standard-webhooks" else svix.webhooks.Webhook
    prefix = "webhook-" if scheme == "standard-webhooks" else "svix-"
    secret = whsec()
    signature = library(secret).sign(MESSAGE_ID, datetime.fromtimestamp(NOW, UTC), BODY)
    headers = {prefix + "id": MESSAGE_ID, prefix + "timestamp": str(NOW), prefix + "signature": signature}
    monkeypatch.setattr(standardwebhooks.webhooks, "datetime", Clock)
    try:
        library(secret).verify(BODY, headers) if scheme == "svix" else library(secret).verify(BODY, headers, json_parse=False)
        theirs = True
    except standardwebhooks.webhooks.WebhookVerificationError:
        theirs = False
    assert ours(scheme, headers, secret, skew) == theirs


@pytest.mark.parametrize("skew", SKEWS)
def test_slack_boundary_matches_slack_sdk(skew):
    """slack_sdk: refused when `abs(now - timestamp) > 60 * 5`."""
    clock = SimpleNamespace(now=lambda: float(NOW + skew))
    signature = SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=str(NOW), body=BODY)
    theirs = SignatureVerifier(SLACK_SECRET, clock=clock).is_valid(body=BODY, timestamp=str(NOW), signature=signature)
    headers = {"x-slack-signature": signature, "x-slack-request-timestamp": str(NOW)}
    assert ours("slack", headers, SLACK_SECRET, skew) == theirs


@pytest.mark.parametrize(("skew", "expected"), [(10, "ok"), (11, OUTSIDE_TOLERANCE), (-10, "ok"), (-11, OUTSIDE_TOLERANCE)])
def test_a_configured_tolerance_has_the_same_boundary(skew, expected):
    """The generic scheme has no SDK: the same rule as above, with tolerance_seconds = 10."""
    rule = load_signature({**CUSTOM_HMAC, "tolerance_seconds": 10}, "custom")
    headers = sign_custom_hmac(BODY, "custom-secret", NOW, MESSAGE_ID)
    assert decision(rule, "custom-secret", headers, received_at=NOW + skew) == expected
