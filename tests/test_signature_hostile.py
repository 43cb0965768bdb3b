"""Hostile header values are refused with a signature reason, never another exception (issue 20, item 6).

A Stripe timestamp with a non-ASCII digit (`t=¹700000000`: "¹".isdigit() is
true, ASCII encoding refuses it) used to raise UnicodeEncodeError, which the
consumer dead-letters as `unexpected_error` and the front function answers
with 500. The same class of value is tried in every header of every scheme:
non-ASCII digits, a lone surrogate (what a JSON "\\ud800" escape in an SQS
attribute decodes to), control characters and very long values. Each request
is first signed by the sender's own library, so the hostile value is the only
thing wrong with it.
"""

from __future__ import annotations

import pytest
from test_signatures import BODY, MESSAGE_ID, NOW, SENDERS, Sender, check

from signatures import INVALID, MISSING, Rejected

HOSTILE = {
    "superscript-digit": "¹" + str(NOW)[1:],
    "arabic-indic-digits": "".join(chr(0x0660 + int(digit)) for digit in str(NOW)),
    "fullwidth-digits": "".join(chr(0xFF10 + int(digit)) for digit in str(NOW)),
    "lone-surrogate": "\ud800",
    "surrogate-after-digits": str(NOW) + "\udfff",
    "nul": "\x00",
    "very-long": "9" * 100_000,
    "very-long-text": "é" * 100_000,
}


def refused(sender: Sender, secret: str, headers: dict[str, str]) -> str:
    """The reason the request is refused; any other exception fails the test."""
    with pytest.raises(Rejected) as rejected:
        check(sender, secret, headers)
    return rejected.value.reason


@pytest.fixture(params=SENDERS, ids=lambda sender: sender.name)
def sender(request) -> Sender:
    return request.param


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_value_in_any_header_is_refused_with_a_signature_reason(sender, value):
    secret = sender.new_secret()
    headers = sender.sign(BODY, secret, NOW, MESSAGE_ID)
    for name in headers:
        assert refused(sender, secret, {**headers, name: value}) in (INVALID, MISSING), name


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_value_appended_to_any_header_is_refused(sender, value):
    secret = sender.new_secret()
    headers = sender.sign(BODY, secret, NOW, MESSAGE_ID)
    for name in headers:
        assert refused(sender, secret, {**headers, name: headers[name] + value}) == INVALID, name


@pytest.mark.parametrize("digit", ["¹", "٣", chr(0xFF11), "\ud800"], ids=["sup", "arabic", "fullwidth", "surrogate"])
def test_a_stripe_timestamp_with_a_non_ascii_digit_next_to_a_valid_signature_is_invalid(digit):
    sender = next(sender for sender in SENDERS if sender.name == "stripe")
    secret = sender.new_secret()
    header = sender.sign(BODY, secret, NOW, MESSAGE_ID)["stripe-signature"]
    assert header.startswith(f"t={NOW},")
    assert refused(sender, secret, {"stripe-signature": header.replace(f"t={NOW}", f"t={digit}{str(NOW)[1:]}")}) == INVALID


def test_a_long_id_that_the_sender_signed_still_verifies():
    """Long is not hostile by itself: a Standard Webhooks id of 4 KB, signed, verifies."""
    sender = next(sender for sender in SENDERS if sender.name == "standard-webhooks")
    secret = sender.new_secret()
    check(sender, secret, sender.sign(BODY, secret, NOW, "msg_" + "x" * 4096))


def test_a_non_ascii_id_that_the_sender_signed_verifies():
    """The id is signed as its UTF-8 bytes (the reference library's f"{id}...".encode())."""
    sender = next(sender for sender in SENDERS if sender.name == "standard-webhooks")
    secret = sender.new_secret()
    check(sender, secret, sender.sign(BODY, secret, NOW, "msg_Zoë✓"))
