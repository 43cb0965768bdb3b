"""Signatures carried in the body (mailgun, adyen, microsoft-graph) against the senders' own vectors.

tests/fixtures/vendor_vectors: Mailgun's PHP SDK test (key, timestamp, token, signature; the
body places them in the documented JSON envelope), Adyen's Python SDK test (an item whose
merchantReference holds ':' and '\\', and its HMAC key), Microsoft Graph's documented change
notification and its clientState. Our code verifies; the expected signatures are the vendors'.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json

import pytest
from test_signature_presets import VECTORS

from cached_secret import InvalidSecret
from signatures import (
    INVALID,
    ITEM_SCHEMES,
    OUTSIDE_TOLERANCE,
    Rejected,
    load_signature,
    parse_signing_secrets,
    signed_content_digest,
    verify,
)

MAILGUN, ADYEN, GRAPH = VECTORS["mailgun"], VECTORS["adyen"], VECTORS["microsoft-graph"]


def check(name: str, body: bytes | None = None, secret: str | None = None, at: float | None = None) -> None:
    vector = VECTORS[name]
    rule = load_signature({"scheme": name}, name)
    keys = parse_signing_secrets(rule, vector["secret"] if secret is None else secret)
    verify(rule, keys, {}, vector["body"].encode() if body is None else body, at or (vector["signed_at"] or 1_790_000_000) + 1)


def test_the_item_schemes_are_the_contracts():
    assert {"adyen", "microsoft-graph"} == ITEM_SCHEMES


@pytest.mark.parametrize("name", ["mailgun", "adyen", "microsoft-graph"])
def test_each_senders_vector_verifies(name: str):
    check(name)


@pytest.mark.parametrize("name", ["mailgun", "adyen", "microsoft-graph"])
def test_another_secret_is_rejected(name: str):
    other = "00" * 32 if name == "adyen" else "another-secret"
    with pytest.raises(Rejected) as rejected:
        check(name, secret=other)
    assert rejected.value.reason == INVALID


# --- Mailgun -----------------------------------------------------------------------------------------------


def test_mailgun_sdks_bad_token_is_rejected():
    """mailgun-php testVerifyWebhookBad: the same timestamp and signature with another token."""
    document = json.loads(MAILGUN["body"])
    document["signature"]["token"] = "owyldpe6nxhmrn78epljl6bj0orrki1u3d2v5e6cnlmmuox8jr"
    with pytest.raises(Rejected):
        check("mailgun", body=json.dumps(document).encode())


def test_mailgun_event_data_is_not_signed_so_the_token_keys_it():
    """The event data can change under a valid signature (Mailgun signs only timestamp + token):
    what the signature covers is the same, so a signed-content key would be the same item."""
    document = json.loads(MAILGUN["body"])
    document["event-data"]["event"] = "failed"
    changed = json.dumps(document).encode()
    check("mailgun", body=changed)
    rule = load_signature({"scheme": "mailgun"}, "mailgun")
    assert signed_content_digest(rule, {}, changed) == signed_content_digest(rule, {}, MAILGUN["body"].encode())


def test_mailgun_timestamp_outside_the_tolerance_is_rejected():
    with pytest.raises(Rejected) as rejected:
        check("mailgun", at=MAILGUN["signed_at"] + 301)
    assert rejected.value.reason == OUTSIDE_TOLERANCE


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"signature": {"token": "t", "timestamp": "1"}}',
        b'{"signature": {"timestamp": 1, "token": "t", "signature": "00"}}',
    ],
)
def test_mailgun_a_body_without_its_signature_fields_is_rejected(body: bytes):
    with pytest.raises(Rejected) as rejected:
        check("mailgun", body=body)
    assert rejected.value.reason == INVALID


# --- Adyen -------------------------------------------------------------------------------------------------


def adyen_item() -> dict:
    return json.loads(ADYEN["body"])["notificationItems"][0]["NotificationRequestItem"]


def adyen_body(*items: dict) -> bytes:
    return json.dumps({"live": "false", "notificationItems": [{"NotificationRequestItem": item} for item in items]}).encode()


def test_adyen_signs_only_its_fields_and_every_item_must_verify():
    unsigned_change = dict(adyen_item(), eventDate="2030-01-01T00:00:00+01:00")
    check("adyen", body=adyen_body(adyen_item(), unsigned_change))
    forged = dict(adyen_item(), amount={"value": 1, "currency": "EUR"})
    with pytest.raises(Rejected):
        check("adyen", body=adyen_body(adyen_item(), forged))


def test_adyen_item_signed_by_openssl_as_documented_verifies():
    """A second item, signed by an independent HMAC as Adyen documents (fields joined by ':', an
    absent field empty, the key hex-decoded), beside the SDK's item."""
    item = {
        "pspReference": "7914073381342284",
        "merchantAccountCode": "TestMerchant",
        "merchantReference": "TestPayment-1407325143704",
        "amount": {"value": 1130, "currency": "EUR"},
        "eventCode": "AUTHORISATION",
        "success": "true",
    }
    signed = "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true"
    signature = hmac.new(bytes.fromhex(ADYEN["secret"]), signed.encode(), hashlib.sha256).digest()
    item["additionalData"] = {"hmacSignature": base64.b64encode(signature).decode()}
    check("adyen", body=adyen_body(adyen_item(), item))


@pytest.mark.parametrize(
    "body",
    [b'{"notificationItems": []}', b'{"notificationItems": [{"NotificationRequestItem": 1}]}', b"{}"],
)
def test_adyen_a_body_without_items_is_rejected(body: bytes):
    with pytest.raises(Rejected):
        check("adyen", body=body)


def test_adyen_key_is_hex():
    rule = load_signature({"scheme": "adyen"}, "adyen")
    with pytest.raises(InvalidSecret):
        parse_signing_secrets(rule, "not hex")


# --- Microsoft Graph ---------------------------------------------------------------------------------------


def test_graph_every_notification_must_carry_the_client_state():
    document = json.loads(GRAPH["body"])
    second = copy.deepcopy(document["value"][0])
    second["clientState"] = "guessed"
    document["value"].append(second)
    with pytest.raises(Rejected):
        check("microsoft-graph", body=json.dumps(document).encode())
    del second["clientState"]
    with pytest.raises(Rejected):
        check("microsoft-graph", body=json.dumps(document).encode())


def test_graph_rotation_list_accepts_either_client_state():
    check("microsoft-graph", secret=json.dumps(["next-state", GRAPH["secret"]]))


def test_adyen_signed_content_ignores_order_and_repeats_of_signed_items():
    """Keyed by @signed-content, a replay that reorders or repeats the same items is the same item."""
    rule = load_signature({"scheme": "adyen"}, "adyen")
    other = dict(adyen_item(), pspReference="ANOTHER")
    digest = signed_content_digest(rule, {}, adyen_body(adyen_item(), other))
    assert signed_content_digest(rule, {}, adyen_body(other, adyen_item(), other)) == digest
    assert signed_content_digest(rule, {}, adyen_body(adyen_item())) != digest
