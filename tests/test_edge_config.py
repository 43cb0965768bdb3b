"""The edge function's settings: each that cannot work is a clear ValueError naming the route
and the field; the routes of earlier releases (claim checks, no delivery field) still load."""

from __future__ import annotations

import json

import pytest
from contract import CONTRACT
from edge_config import DEFAULT_MESSAGE_BYTES, load_config
from handshakes import HANDSHAKES, PRESETS

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:s"
SIGNATURE = {"scheme": "github", "secret_arn": ARN}
BASE = {"QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "PAYLOAD_BUCKET": "b"}


def config(routes: dict, **environ: str):
    return load_config({**BASE, "ROUTES": json.dumps(routes), **environ})


def one(route: dict, route_key: str = "POST /hooks/s"):
    return config({route_key: {"source": "s", "headers": [], **route}}).routes[route_key]


def test_the_routes_of_earlier_releases_are_claim_checks():
    rule = config({"POST /hooks/big": {"source": "big", "headers": ["X-Delivery"]}}).routes["POST /hooks/big"]
    assert (rule.delivery, rule.headers, rule.handshake, rule.steps) == ("claim-check", ("x-delivery",), None, ())


def test_defaults_and_settings():
    settings = config({"POST /hooks/s": {"source": "s", "delivery": "direct"}}, MAX_MESSAGE_BYTES="1048576")
    assert settings.max_message_bytes == 1_048_576 and settings.metrics_namespace == CONTRACT["metrics"]["namespace_prefix"]
    assert config({"POST /hooks/s": {"source": "s"}}).max_message_bytes == DEFAULT_MESSAGE_BYTES == 262_144


def test_a_direct_only_configuration_needs_no_bucket():
    routes = json.dumps({"POST /hooks/s": {"source": "s", "delivery": "direct"}})
    assert load_config({"QUEUE_URL": BASE["QUEUE_URL"], "ROUTES": routes}).bucket == ""


@pytest.mark.parametrize(
    ("route", "route_key", "environ", "message"),
    [
        ({"handshake": {"preset": "meta"}}, "GET /hooks/s", {}, "the meta handshake needs secret_arn"),
        ({"handshake": {"preset": "github"}}, "POST /hooks/s", {}, "handshake.preset must be one of"),
        ({"handshake": "slack"}, "POST /hooks/s", {}, "handshake takes preset and secret_arn only"),
        ({"handshake": {"preset": "dropbox", "secret_arn": ARN}}, "GET /hooks/s", {}, "takes no secret_arn"),
        ({"handshake": {"preset": "slack"}}, "POST /hooks/s", {}, "needs the route's signature"),
        ({"handshake": {"preset": "twitch"}}, "POST /hooks/s", {}, "needs the route's signature"),
        ({"handshake": {"preset": "zoom"}}, "POST /hooks/s", {}, "needs the route's signature"),
        ({"handshake": {"preset": "x"}}, "GET /hooks/s", {}, "needs the route's signature"),
        ({"handshake": {"preset": "asana"}}, "POST /hooks/s", {}, "needs the route's signature"),
        ({}, "GET /hooks/s", {}, "a GET route exists only for a GET handshake"),
        ({"handshake": {"preset": "slack"}, "signature": SIGNATURE}, "GET /hooks/s", {}, "only for a GET handshake"),
        ({"response": {"status": 199, "content_type": "text/plain"}}, "POST /hooks/s", {}, "response.status must be"),
        ({"response": {"status": 300, "content_type": "text/plain"}}, "POST /hooks/s", {}, "response.status must be"),
        ({"response": {"status": True, "content_type": "text/plain"}}, "POST /hooks/s", {}, "response.status must be"),
        ({"response": {"status": "200", "content_type": "text/plain"}}, "POST /hooks/s", {}, "response.status must be"),
        ({"response": {"status": 200}}, "POST /hooks/s", {}, "response.content_type must be"),
        ({"response": {"status": 200, "content_type": "text/plain\r\nx: y"}}, "POST /hooks/s", {}, "content_type must be"),
        ({"response": {"status": 200, "content_type": "t", "body": 1}}, "POST /hooks/s", {}, "response.body must be"),
        ({"response": {"status": 200, "content_type": "t", "headers": {}}}, "POST /hooks/s", {}, "response takes status"),
        ({"delivery": "sqs"}, "POST /hooks/s", {}, "delivery must be one of direct, claim-check"),
        ({"delivery": "direct", "headers": ["a", "b", "c", "d"]}, "POST /hooks/s", {}, "carries at most 3 headers"),
        ({"signature": {"scheme": "github"}}, "POST /hooks/s", {}, "names no secret_arn"),
        ({}, "POST /hooks/s", {"MAX_MESSAGE_BYTES": "1023"}, "MAX_MESSAGE_BYTES must be"),
        ({}, "POST /hooks/s", {"MAX_MESSAGE_BYTES": "1048577"}, "MAX_MESSAGE_BYTES must be"),
        ({}, "POST /hooks/s", {"MAX_MESSAGE_BYTES": "\uff12\uff10\uff14\uff18"}, "MAX_MESSAGE_BYTES must be"),
    ],
)
def test_a_setting_that_cannot_work_is_a_clear_error(route, route_key, environ, message):
    with pytest.raises(ValueError, match=message) as raised:
        config({route_key: {"source": "s", "headers": [], **route}}, **environ)
    assert "MAX_MESSAGE_BYTES" in message or repr(route_key) in str(raised.value)


def test_a_get_handshake_route_needs_no_bucket_whatever_its_delivery():
    routes = json.dumps({"GET /hooks/s": {"source": "s", "handshake": {"preset": "dropbox"}}})
    assert load_config({"QUEUE_URL": BASE["QUEUE_URL"], "ROUTES": routes}).bucket == ""


def test_a_claim_check_route_without_a_bucket_is_refused():
    with pytest.raises(ValueError, match="PAYLOAD_BUCKET required"):
        load_config({"QUEUE_URL": BASE["QUEUE_URL"], "ROUTES": json.dumps({"POST /hooks/s": {"source": "s"}})})


@pytest.mark.parametrize(
    ("handshake", "signed", "signing_secret"),
    [
        ({"preset": "zoom"}, True, True),
        ({"preset": "zoom", "secret_arn": ARN}, True, False),
        ({"preset": "x"}, False, True),
        ({"preset": "meta", "secret_arn": ARN}, False, False),
        ({"preset": "slack"}, True, False),
        ({"preset": "twitch"}, True, False),
        ({"preset": "asana"}, False, False),
    ],
)
def test_which_handshakes_are_verified_and_whose_secret_they_use(handshake, signed, signing_secret):
    route_key = f"{PRESETS[handshake['preset']].method} /hooks/s"
    rule = one({"signature": SIGNATURE, "handshake": handshake}, route_key).handshake
    assert (rule.signed, rule.uses_signing_secret) == (signed, signing_secret)


def test_the_presets_are_the_contracts_handshakes():
    # contract.json says what Terraform builds (GET routes, secrets); handshakes.py answers: one list.
    assert set(PRESETS) == set(HANDSHAKES)
    for name, facts in HANDSHAKES.items():
        assert PRESETS[name].method == facts["method"]
        assert PRESETS[name].needs_secret == (facts["secret"] in ("signing", "own")), name


def test_routes_compressed_by_terraforms_base64gzip_load_as_their_json():
    # Produced by Terraform 1.11.4 itself (`terraform console`):
    # base64gzip(jsonencode({"POST /hooks/s" = { source = "s", headers = ["x-delivery"], delivery = "direct" }}))
    # Lambda's environment holds 4 KB in all: modules/_front writes ROUTES this way.
    compressed = (
        "H4sIAAAAAAAA/6pWCvAPDlHQz8jPzy7WL1ayqlZKSc3JLEstqlSyUkrJLEpNLlHSUcpITUxJLSpWsopWqtCFK4jVUSrOLy1KTlWyUipWqq0FAAAA"
        "//8BAAD//9RVVVNNAAAA"
    )
    rule = load_config({**BASE, "ROUTES": compressed}).routes["POST /hooks/s"]
    assert (rule.source, rule.headers, rule.delivery) == ("s", ("x-delivery",), "direct")


@pytest.mark.parametrize("value", ["H4sI!!!", "bm90IGd6aXA=", "[1, 2]"])
def test_routes_that_are_neither_json_nor_gzip_are_a_clear_error(value):
    with pytest.raises(ValueError, match="ROUTES"):
        load_config({**BASE, "ROUTES": value})
