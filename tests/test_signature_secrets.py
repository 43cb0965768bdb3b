"""What a signing secret may hold (issue 20, item 9).

Only a JSON array of non-empty strings is a rotation list; any other value,
one starting with "[" included, is the literal secret. ASCII whitespace at both
ends of the value and of each list entry is taken off (what `echo`, a copied
line or a pasted indent adds); whitespace inside a secret is kept. Each signature here is made by OpenSSL through
`cryptography` with exactly the key the sender would hold.
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import hashes
from test_signatures import BODY, NOW, openssl_digest, sign_slack

from cached_secret import InvalidSecret
from signatures import INVALID, Rejected, load_signature, parse_signing_secrets, verify

RULE = load_signature({"scheme": "hmac", "header": "x-signature"}, "custom")
SLACK = load_signature({"scheme": "slack"}, "slack")


def signed_with(key: str) -> dict[str, str]:
    """X-Signature: hex HMAC-SHA256 of the body, keyed with the UTF-8 bytes of `key`."""
    return {"x-signature": openssl_digest(key.encode("utf-8"), BODY.encode(), hashes.SHA256()).hex()}


def verifies(secret_string: str, key: str) -> bool:
    try:
        verify(RULE, parse_signing_secrets(RULE, secret_string), signed_with(key), BODY.encode(), NOW)
    except Rejected as rejected:
        assert rejected.reason == INVALID
        return False
    return True


@pytest.mark.parametrize(
    "secret",
    ["[abc", "[not json", "[]", "[1]", '[""]', '["a", ""]', '["a", 1]', '{"a": "b"}', "[" * 5000],
    ids=["[abc", "not-json", "empty-array", "number", "empty-string", "one-empty", "mixed", "object", "deep"],
)
def test_a_secret_starting_with_a_bracket_that_is_no_rotation_list_is_the_literal_secret(secret):
    assert verifies(secret, secret)
    assert not verifies(secret, secret[1:] or "x")


def test_a_json_array_of_non_empty_strings_is_a_rotation_list():
    listed = json.dumps(["first secret", "second secret"])
    assert verifies(listed, "first secret")
    assert verifies(listed, "second secret")
    assert not verifies(listed, listed)  # not also the literal text


def test_the_entries_of_a_rotation_list_are_stripped_like_the_value():
    listed = json.dumps([" padded ", "tab\t"])
    assert verifies(listed, "padded") and verifies(listed, "tab")
    assert not verifies(listed, " padded ")


@pytest.mark.parametrize("secret", ["  leading", "trailing  ", "\ttabbed\t", "\ncopied\r\n", "\v\fodd\f"])
def test_whitespace_at_either_end_is_taken_off(secret):
    assert verifies(secret, secret.strip())
    assert not verifies(secret, secret)


def test_whitespace_inside_a_secret_is_kept():
    assert verifies("two words", "two words")
    assert not verifies("two words", "twowords")


def test_a_padded_rotation_list_is_still_a_rotation_list():
    assert verifies("  " + json.dumps(["a", "b"]) + "\n", "b")


def test_a_slack_secret_with_a_trailing_newline_verifies_slacks_own_signature():
    secret = "8f" * 16
    headers = sign_slack(BODY, secret, NOW, "")
    verify(SLACK, parse_signing_secrets(SLACK, secret + "\n"), headers, BODY.encode(), NOW)


@pytest.mark.parametrize("secret", ["", "   ", "\n", "\r\n", " \t \n", json.dumps([f"s{n}" for n in range(11)])])
def test_an_empty_secret_or_an_over_long_rotation_list_is_refused_not_a_forgery(secret):
    with pytest.raises(InvalidSecret):
        parse_signing_secrets(RULE, secret)


def test_ten_secrets_are_a_rotation_list():
    listed = json.dumps([f"secret-{n}" for n in range(10)])
    assert verifies(listed, "secret-9")
