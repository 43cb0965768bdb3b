"""The parts of a signature that vary by sender (issue 23, item 2): RFC 3339 times, a form's
sorted parameters, the URL a sender was given. Each hostile value is refused with a signature
reason, never another exception (a 500 at the edge, unexpected_error at the consumer).

Expected signatures are computed by OpenSSL (cryptography) over the string each vendor
documents, never by our code.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes
from test_signatures import openssl_digest

from signatures import INVALID, OUTSIDE_TOLERANCE, Rejected, load_signature, verify

BOX_KEY = b"box-primary-key"
BOX_BODY = b'{"type":"webhook_event","id":"1"}'


def box_headers(timestamp: str) -> dict[str, str]:
    """developer.box.com/guides/webhooks/v2/signatures-v2: base64 HMAC-SHA256 of the body then the timestamp."""
    digest = openssl_digest(BOX_KEY, BOX_BODY + timestamp.encode(), hashes.SHA256())
    return {"box-signature-primary": base64.b64encode(digest).decode(), "box-delivery-timestamp": timestamp}


def box(timestamp: str, received_at: float) -> None:
    verify(load_signature({"scheme": "box"}, "box"), [BOX_KEY], box_headers(timestamp), BOX_BODY, received_at)


@pytest.mark.parametrize(
    "timestamp",
    [
        "0001-01-01T00:00:00+00:01",  # before year 1 in UTC: a datetime would overflow
        "9999-12-31T23:59:59-00:01",  # after year 9999 in UTC
        "0000-01-01T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T00:60:00Z",
        "2024-01-01T00:00:61Z",
        "2024-01-01T00:00:00+24:00",
        "2024-01-01T00:00:00+00:60",
    ],
)
def test_a_signed_time_that_is_no_time_is_invalid_not_an_error(timestamp):
    with pytest.raises(Rejected) as rejected:
        box(timestamp, 1_790_000_000)
    assert rejected.value.reason in (INVALID, OUTSIDE_TOLERANCE)


def test_far_but_real_times_are_outside_the_tolerance():
    for timestamp in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"):
        with pytest.raises(Rejected) as rejected:
            box(timestamp, 1_790_000_000)
        assert rejected.value.reason == OUTSIDE_TOLERANCE


SEPTEMBER_21 = datetime(2026, 9, 21, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("timestamp", "utc_seconds"),
    [
        ("2026-09-21T00:00:00Z", SEPTEMBER_21),
        ("2026-09-21T02:30:00+02:30", SEPTEMBER_21),
        ("2026-09-20T19:00:00-05:00", SEPTEMBER_21),
        ("2026-09-21T00:00:00.999999999Z", SEPTEMBER_21 + 0.999999999),
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()),  # a leap second counts as :59
    ],
)
def test_an_rfc3339_time_is_read_in_utc_whatever_its_offset(timestamp, utc_seconds):
    box(timestamp, utc_seconds + 300)  # exactly the tolerance: accepted
    with pytest.raises(Rejected) as rejected:
        box(timestamp, utc_seconds + 302)
    assert rejected.value.reason == OUTSIDE_TOLERANCE


# --- Twilio's form parameters ---------------------------------------------------------------------
TWILIO_URL = "https://hooks.example.com/hooks/twilio"
TWILIO_TOKEN = b"twilio-auth-token"


def twilio_signature(params: list[tuple[str, str]]) -> str:
    """twilio-python RequestValidator.compute_signature: the URL, then for each name in
    sorted(set(names)) each of sorted(set(its values)), name then value; HMAC-SHA1, base64."""
    names = sorted({name for name, _ in params})
    signed = TWILIO_URL + "".join(name + value for name in names for value in sorted({v for n, v in params if n == name}))
    return base64.b64encode(openssl_digest(TWILIO_TOKEN, signed.encode(), hashes.SHA1())).decode()  # noqa: S303 - Twilio's


def twilio(body: bytes, params: list[tuple[str, str]]) -> None:
    rule = load_signature({"scheme": "twilio", "url": TWILIO_URL}, "twilio")
    verify(rule, [TWILIO_TOKEN], {"x-twilio-signature": twilio_signature(params)}, body, 1_790_000_000)


@pytest.mark.parametrize(
    ("body", "params"),
    [
        (b"Body=hi&Body=hi&From=%2B1", [("Body", "hi"), ("From", "+1")]),  # a value repeated counts once
        (b"Body=b&Body=a", [("Body", "a"), ("Body", "b")]),
        (b"a=1&", [("a", "1")]),  # an empty segment is no parameter
        (b"Body=x+y&Empty=", [("Body", "x y"), ("Empty", "")]),
        (b"", []),
    ],
)
def test_twilios_parameters_are_signed_as_its_sdk_signs_them(body, params):
    twilio(body, params)


def test_a_body_that_is_not_utf8_is_no_form():
    with pytest.raises(Rejected) as rejected:
        twilio(b"Body=\xff", [("Body", "\ufffd")])
    assert rejected.value.reason == INVALID


# --- the URL a sender was given ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["hooks.example.com/x", "ftp://hooks.example.com/x", "https://hooks.example.com/a b", "http://" + "a" * 2042],
)
def test_a_url_that_is_not_one_is_refused_when_the_source_is_configured(url):
    with pytest.raises(ValueError, match="url"):
        load_signature({"scheme": "square", "url": url}, "square")


def test_a_url_of_2048_characters_or_with_non_ascii_text_is_taken_as_terraform_takes_it():
    for url in ("http://" + "a" * 2041, "https://hooks.example.com/\u00e9t\u00e9\u00a0x"):
        assert load_signature({"scheme": "square", "url": url}, "square").url == url


def test_a_url_beside_a_scheme_that_signs_none_is_refused():
    with pytest.raises(ValueError, match="url"):
        load_signature({"scheme": "shopify", "url": "https://hooks.example.com/hooks/shopify"}, "shopify")


def test_an_empty_pairs_beside_a_preset_is_refused_as_terraform_refuses_it():
    with pytest.raises(ValueError, match="brings its own"):
        load_signature({"scheme": "paddle", "pairs": {}}, "paddle")
