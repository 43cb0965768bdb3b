"""Senders by name through the local stack (issue 22, item 4; issue 23): each handshake preset
answers its vendor's documented request with the vendor's documented answer, end to end
(API Gateway's route, the edge function, the secrets it reads), is never queued, and the
sender's events then verify under its named signature scheme and are stored.

The stack is examples/local-sources (tests/sources_stack.py, shared with
tests/test_e2e_sources.py). Vectors: the handshakes' from tests/test_handshakes.py
(each cited there), the events' from tests/fixtures/vendor_vectors (the senders' own
SDKs or documentation) where a vector has no timestamp to go stale; Zoom and Twitch
sign the time, so their events are signed now by OpenSSL as the vendor documents.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets as secrets_module
import time
import urllib.parse

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sources_stack import DISCORD_KEY, SENDGRID_KEY, VECTORS, exchange, queued_count
from test_handshakes import (
    ASANA_SECRET,
    BEATS_ZOOM_ANSWER,
    GRAPH_QUERY,
    GRAPH_TOKEN,
    TWITCH_BODY,
    X_CONSUMER_SECRET,
    X_CRC_TOKEN,
    X_RESPONSE_TOKEN,
    ZOOM_BODY,
)
from test_signatures import openssl_digest, sign_slack, sign_twitch

import local_runner

pytestmark = pytest.mark.e2e


def sign_zoom(body: bytes, secret: str, timestamp: int) -> dict[str, str]:
    """developers.zoom.us/docs/api/webhooks/#verify-webhook-events: x-zm-signature = "v0=" + hex
    HMAC-SHA256 of "v0:{x-zm-request-timestamp}:{body}"."""
    digest = openssl_digest(secret.encode(), f"v0:{timestamp}:".encode() + body, hashes.SHA256())
    return {"x-zm-signature": "v0=" + digest.hex(), "x-zm-request-timestamp": str(timestamp)}


def stored_keys(sources, source: str) -> set[str]:
    assert sources.drained()
    return {key for key, item in sources.items().items() if item.get("_source") == source}


def test_slacks_url_verification_is_answered_once_signed_and_never_queued(sources, signing):
    # The request Slack documents (api.slack.com/events/url_verification), signed as Slack
    # signs it (slack_sdk's SignatureVerifier scheme, test_signatures.sign_slack).
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": challenge, "type": "url_verification"})
    signed = {"content-type": "application/json", **sign_slack(body, signing["slack"], int(time.time()), "")}
    before = queued_count(sources)
    status, headers, answer = exchange(sources.url("slack"), "POST", body.encode(), signed)
    assert (status, answer) == (200, challenge.encode())
    assert headers["content-type"].startswith("text/plain")
    forged = {**signed, "x-slack-signature": "v0=" + "0" * 64}
    assert exchange(sources.url("slack"), "POST", body.encode(), forged)[0] == 401
    assert queued_count(sources) == before


def test_metas_verification_request_is_answered_with_its_verify_token(sources):
    # The GET Meta documents (developers.facebook.com/docs/graph-api/webhooks/getting-started,
    # "Verification Requests"), on the route GET <path> the module adds for it.
    token = secrets_module.token_hex(8)
    secrets_client = local_runner.aws_client("secretsmanager", sources.runner.endpoint)
    secrets_client.put_secret_value(SecretId=sources.outputs["source_handshake_secret_arns"]["meta"], SecretString=token)
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": token}
    status, _, answer = exchange(sources.url("meta") + "?" + urllib.parse.urlencode(query))
    assert (status, answer) == (200, b"1158201444")
    wrong = {**query, "hub.verify_token": "not-" + token}
    assert exchange(sources.url("meta") + "?" + urllib.parse.urlencode(wrong))[0] == 403
    assert exchange(sources.url("meta"))[0] == 405  # a GET that is no handshake


def test_twilio_gets_its_fixed_twiml_once_the_message_is_queued(sources):
    token = sources.secrets["twilio"]["token"]
    body = b"MessageSid=SM0001&Body=Hello"
    headers = {"content-type": "application/x-www-form-urlencoded", "i-twilio-idempotency-token": "twilio-e2e-1"}
    status, answer_headers, answer = exchange(sources.url("twilio", token), "POST", body, headers)
    assert (status, answer_headers["content-type"], answer) == (
        200,
        "text/xml",
        b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
    )
    assert sources.drained()
    assert sources.items()["twilio#twilio-e2e-1"]["body"] == body.decode()


def test_zoom_url_validation_is_answered_with_the_published_vector_once_signed(sources, signing):
    assert signing["zoom"] == "secretValueTest"  # elastic/beats' vector (tests/test_handshakes.py)
    before = queued_count(sources)
    signed = {"content-type": "application/json", **sign_zoom(ZOOM_BODY, signing["zoom"], int(time.time()))}
    status, headers, answer = exchange(sources.url("zoom"), "POST", ZOOM_BODY, signed)
    assert (status, headers["content-type"], json.loads(answer)) == (200, "application/json", BEATS_ZOOM_ANSWER)
    forged = {**signed, "x-zm-signature": "v0=" + "0" * 64}
    assert exchange(sources.url("zoom"), "POST", ZOOM_BODY, forged)[0] == 401
    stale = {"content-type": "application/json", **sign_zoom(ZOOM_BODY, signing["zoom"], int(time.time()) - 3600)}
    assert exchange(sources.url("zoom"), "POST", ZOOM_BODY, stale)[0] == 401
    assert queued_count(sources) == before


def test_a_zoom_event_is_stored_keyed_by_what_zoom_signed(sources, signing):
    body = b'{"event":"meeting.started","event_ts":1764491400000,"payload":{"object":{"id":"85746065432"}}}'
    signed_at = int(time.time())
    headers = {"content-type": "application/json", **sign_zoom(body, signing["zoom"], signed_at)}
    assert exchange(sources.url("zoom"), "POST", body, headers)[0] == 200
    assert exchange(sources.url("zoom"), "POST", body, headers)[0] == 200  # Zoom retries: one item
    signed = f"v0:{signed_at}:".encode() + body
    assert stored_keys(sources, "zoom") == {"zoom#" + hashlib.sha256(signed).hexdigest()}


def test_x_crc_is_answered_with_the_published_vector_on_its_get_route(sources, signing):
    assert signing["x"] == X_CONSUMER_SECRET  # X developer relations' CRC vector (tests/test_handshakes.py)
    status, headers, answer = exchange(sources.url("x") + "?" + urllib.parse.urlencode({"crc_token": X_CRC_TOKEN}))
    assert (status, headers["content-type"]) == (200, "application/json")
    assert json.loads(answer) == {"response_token": X_RESPONSE_TOKEN}
    # Never a signing oracle for event bodies: a token shaped like JSON is refused.
    assert exchange(sources.url("x") + "?" + urllib.parse.urlencode({"crc_token": '{"a":1}'}))[0] == 400


def test_an_x_event_signed_by_its_consumer_secret_is_stored_and_a_forgery_refused(sources, signing):
    body = b'{"for_user_id":"2244994945","tweet_create_events":[{"id_str":"1"}]}'
    signature = "sha256=" + base64.b64encode(openssl_digest(signing["x"].encode(), body, hashes.SHA256())).decode()
    assert exchange(sources.url("x"), "POST", body, {"x-twitter-webhooks-signature": signature})[0] == 200
    assert exchange(sources.url("x"), "POST", body + b" ", {"x-twitter-webhooks-signature": signature})[0] == 401
    assert stored_keys(sources, "x") == {"x#" + hashlib.sha256(body).hexdigest()}


def test_dropbox_challenge_is_echoed_and_its_sdk_signed_notification_stored(sources):
    status, headers, answer = exchange(sources.url("dropbox") + "?challenge=abc123")
    assert (status, answer) == (200, b"abc123")
    assert headers["content-type"].startswith("text/plain") and headers["x-content-type-options"] == "nosniff"
    vector = json.loads((VECTORS / "dropbox.json").read_text())  # signed by dropbox/dropbox_hook
    body = vector["body"].encode()
    assert exchange(sources.url("dropbox"), "POST", body, vector["headers"])[0] == 200
    assert stored_keys(sources, "dropbox") == {"dropbox#" + hashlib.sha256(body).hexdigest()}


def test_twitch_challenge_is_answered_raw_once_signed_and_its_notification_stored(sources, signing):
    before = queued_count(sources)
    verification = {"twitch-eventsub-message-type": "webhook_callback_verification", "content-type": "application/json"}
    signed = {**verification, **sign_twitch(TWITCH_BODY.decode(), signing["twitch"], int(time.time()), "challenge-e2e-1")}
    status, headers, answer = exchange(sources.url("twitch"), "POST", TWITCH_BODY, signed)
    assert (status, answer) == (200, b"pogchamp-kappa-360noscope-vohiyo") and headers["content-type"].startswith("text/plain")
    forged = {**signed, "twitch-eventsub-message-signature": "sha256=" + "0" * 64}
    assert exchange(sources.url("twitch"), "POST", TWITCH_BODY, forged)[0] == 401
    assert queued_count(sources) == before
    body = '{"subscription":{"type":"channel.follow"},"event":{"user_id":"1337","user_name":"Zoë"}}'
    notification = {"twitch-eventsub-message-type": "notification", "content-type": "application/json"}
    notification |= sign_twitch(body, signing["twitch"], int(time.time()), "befa7b53-d79d-478f-86b9-120f112b044e")
    assert exchange(sources.url("twitch"), "POST", body.encode(), notification)[0] == 200
    assert stored_keys(sources, "twitch") == {"twitch#befa7b53-d79d-478f-86b9-120f112b044e"}


def test_asana_handshake_sets_the_signing_secret_that_verifies_its_events(sources):
    secrets_client = local_runner.aws_client("secretsmanager", sources.runner.endpoint)
    arn = sources.outputs["source_signing_secret_arns"]["asana"]
    status, headers, _ = exchange(sources.url("asana"), "POST", b"", {"x-hook-secret": ASANA_SECRET})
    assert (status, headers["x-hook-secret"]) == (200, ASANA_SECRET)
    assert secrets_client.get_secret_value(SecretId=arn)["SecretString"] == ASANA_SECRET
    # Once set, a handshake offering another secret cannot replace it.
    assert exchange(sources.url("asana"), "POST", b"", {"x-hook-secret": "f" * 64})[0] == 401
    assert secrets_client.get_secret_value(SecretId=arn)["SecretString"] == ASANA_SECRET
    body = b'{"events":[{"action":"changed","resource":{"gid":"1337"}}]}'
    signature = openssl_digest(ASANA_SECRET.encode(), body, hashes.SHA256()).hex()  # developers.asana.com: hex HMAC-SHA256
    assert exchange(sources.url("asana"), "POST", body, {"x-hook-signature": signature})[0] == 200
    assert exchange(sources.url("asana"), "POST", body, {"x-hook-signature": "0" * 64})[0] == 401
    assert stored_keys(sources, "asana") == {"asana#" + hashlib.sha256(body).hexdigest()}


def test_microsoft_graph_validation_is_echoed_as_text_behind_its_url_token(sources):
    token = sources.secrets["graph"]["token"]
    before = queued_count(sources)
    url = sources.url("graph", token) + "&" + GRAPH_QUERY  # Graph appends validationToken to the URL it is given
    status, headers, answer = exchange(url, "POST", b"", {"content-type": "text/plain; charset=utf-8"})
    assert (status, answer) == (200, GRAPH_TOKEN) and headers["content-type"].startswith("text/plain")
    assert exchange(sources.url("graph", "not-" + token) + "&" + GRAPH_QUERY, "POST", b"")[0] == 403
    assert queued_count(sources) == before


def test_okta_verification_is_answered_behind_basic_auth(sources):
    credentials = sources.secrets["okta"]
    basic = "Basic " + base64.b64encode(f"{credentials['username']}:{credentials['password']}".encode()).decode()
    challenge = "Me_rShK8JHsTnbyYrWXCEoMGbM_zsZ6k0hLPZ_Pg"  # Okta's support article (tests/test_handshakes.py)
    headers = {"authorization": basic, "x-okta-verification-challenge": challenge}
    status, answer_headers, answer = exchange(sources.url("okta"), "GET", None, headers)
    assert (status, answer_headers["content-type"], json.loads(answer)) == (200, "application/json", {"verification": challenge})
    assert exchange(sources.url("okta"), "GET", None, {"x-okta-verification-challenge": challenge})[0] == 401
    event = json.dumps({"eventType": "com.okta.event_hook", "eventId": "okta-e2e-1", "data": {"events": []}}).encode()
    assert exchange(sources.url("okta"), "POST", event, {"authorization": basic, "content-type": "application/json"})[0] == 200
    assert "okta#okta-e2e-1" in stored_keys(sources, "okta")  # beside test_e2e_sources.py's sample, if it ran


def test_gitlab_sends_its_token_in_its_own_header_never_in_the_url(sources):
    # docs.gitlab.com/ee/user/project/integrations/webhooks.html: the secret token arrives in
    # X-Gitlab-Token; Idempotency-Key is the same on every retry of a delivery.
    token = sources.secrets["gitlab"]["token"]
    body = json.dumps({"object_kind": "push", "ref": "refs/heads/main"}).encode()
    headers = {"content-type": "application/json", "idempotency-key": "gitlab-e2e-1"}
    assert exchange(sources.url("gitlab"), "POST", body, {**headers, "x-gitlab-token": token})[0] == 200
    assert exchange(sources.url("gitlab"), "POST", body, {**headers, "x-gitlab-token": "not-" + token})[0] == 403
    assert exchange(sources.url("gitlab", token), "POST", body, headers)[0] == 401  # ?token= is not this source's
    item = sources.items()["gitlab#gitlab-e2e-1"] if sources.drained() else {}
    assert item["object_kind"] == "push" and token not in json.dumps(item, default=str)


def test_square_signs_the_url_it_was_given_never_the_host_it_reached(sources, signing):
    # developer.squareup.com/docs/webhooks/step3validate: base64 HMAC-SHA256 of the notification
    # URL followed by the body (square-python-sdk's vector: tests/test_signature_presets.py).
    body = json.dumps({"merchant_id": "MLEFBHHSJGVHD", "type": "payment.created", "event_id": "square-e2e-1"}).encode()
    given = sources.outputs["source_urls"]["square"]  # what the operator registers with Square

    def signed_for(url: str) -> dict[str, str]:
        digest = openssl_digest(signing["square"].encode(), url.encode() + body, hashes.SHA256())
        return {"content-type": "application/json", "x-square-hmacsha256-signature": base64.b64encode(digest).decode()}

    assert exchange(sources.url("square"), "POST", body, signed_for(sources.url("square")))[0] == 401  # the Host it reached
    assert exchange(sources.url("square"), "POST", body, signed_for(given))[0] == 200
    assert stored_keys(sources, "square") == {"square#square-e2e-1"}


# --- public keys: the layer -------------------------------------------------------------------------


def sign_discord(body: bytes, timestamp: int) -> dict[str, str]:
    """discord.com/developers/docs/interactions/overview: X-Signature-Ed25519 = hex Ed25519 of
    timestamp + body, under the application's key (ours here: DISCORD_KEY, signed by pyca/cryptography)."""
    signature = DISCORD_KEY.sign(str(timestamp).encode() + body)
    return {"x-signature-ed25519": signature.hex(), "x-signature-timestamp": str(timestamp), "content-type": "application/json"}


def test_discord_ping_is_answered_pong_once_signed_and_its_interactions_stored(sources, signing):
    # The PING of Discord's SDK tests (tests/fixtures/vendor_vectors/discord.json), signed now.
    ping = json.loads((VECTORS / "discord.json").read_text())["body"].encode()
    before = queued_count(sources)
    status, headers, answer = exchange(sources.url("discord"), "POST", ping, sign_discord(ping, int(time.time())))
    assert (status, json.loads(answer)) == (200, {"type": 1}) and headers["content-type"] == "application/json"
    # Discord checks that a badly signed request gets 401 before it saves the endpoint.
    forged = {**sign_discord(ping, int(time.time())), "x-signature-ed25519": "00" * 64}
    assert exchange(sources.url("discord"), "POST", ping, forged)[0] == 401
    assert queued_count(sources) == before
    command = b'{"id":"1187650021744955392","type":2,"data":{"name":"deploy"},"token":"t"}'
    assert exchange(sources.url("discord"), "POST", command, sign_discord(command, int(time.time())))[0] == 200
    # The consumer verified it again, with the layer's cryptography: stored.
    assert stored_keys(sources, "discord") == {"discord#1187650021744955392"}


def test_sendgrid_events_signed_with_its_p256_key_are_stored_raw(sources, signing):
    # SendGrid's SDK test body (a JSON array ending in CRLF), signed now as SendGrid signs:
    # ECDSA P-256 SHA-256 over timestamp + body, DER, base64.
    body = json.loads((VECTORS / "sendgrid.json").read_text())["body"].encode()
    timestamp = str(int(time.time()))
    signature = SENDGRID_KEY.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    headers = {
        "x-twilio-email-event-webhook-signature": base64.b64encode(signature).decode(),
        "x-twilio-email-event-webhook-timestamp": timestamp,
        "content-type": "application/json",
    }
    assert exchange(sources.url("sendgrid"), "POST", body, headers)[0] == 200
    assert exchange(sources.url("sendgrid"), "POST", body + b" ", headers)[0] == 401
    [key] = stored_keys(sources, "sendgrid")
    assert key == "sendgrid#" + hashlib.sha256(timestamp.encode() + body).hexdigest()
    assert sources.items()[key]["body"] == body.decode()


def test_only_the_functions_serving_public_key_sources_may_import_cryptography(sources):
    """The layer is attached to the consumer and the edge function (they verify discord and
    sendgrid), not to the authorizers: the runner lends the layer's modules only where Lambda has them."""
    lent = {function.name: json.loads(function.spec_file.read_text())["lent_modules"] for function in sources.runner.functions}
    carrying = sorted(name for name, modules in lent.items() if "cryptography" in modules)
    assert carrying == sorted(name for name in lent if name.endswith(("-consumer", "-front")))
    assert any(not modules for modules in lent.values())  # the authorizers


# --- signatures in the body ---------------------------------------------------------------------------


def test_mailgun_signed_in_its_body_is_stored_by_its_token(sources, signing):
    # documentation.mailgun.com (Securing Webhooks): hex HMAC-SHA256 of timestamp + token, in the body.
    timestamp, token = str(int(time.time())), secrets_module.token_hex(25)
    signature = openssl_digest(signing["mailgun"].encode(), (timestamp + token).encode(), hashes.SHA256()).hex()
    document = {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {"event": "delivered"},
    }
    body = json.dumps(document).encode()
    assert exchange(sources.url("mailgun"), "POST", body, {"content-type": "application/json"})[0] == 200
    document["signature"]["signature"] = "0" * 64
    assert exchange(sources.url("mailgun"), "POST", json.dumps(document).encode(), {"content-type": "application/json"})[0] == 401
    assert stored_keys(sources, "mailgun") == {f"mailgun#{token}"}


def test_adyens_sdk_notification_is_answered_accepted_and_stored(sources, signing):
    # Adyen's own SDK vector (tests/fixtures/vendor_vectors/adyen.json): no time is signed, so it verifies as is.
    vector = json.loads((VECTORS / "adyen.json").read_text())
    status, _, answer = exchange(sources.url("adyen"), "POST", vector["body"].encode(), {"content-type": "application/json"})
    assert (status, answer) == (200, b"[accepted]")
    forged = vector["body"].replace('"value":1000', '"value":1', 1).encode()
    assert forged != vector["body"].encode()
    assert exchange(sources.url("adyen"), "POST", forged, {"content-type": "application/json"})[0] == 401
    psp = json.loads(vector["body"])["notificationItems"][0]["NotificationRequestItem"]["pspReference"]
    assert stored_keys(sources, "adyen") == {f"adyen#{psp}"}


def test_notion_verification_sets_the_signing_secret_that_verifies_its_events(sources):
    """Notion's unsigned verification (developers.notion.com/reference/webhooks, Step 2) stores its
    token; Notion's SDK-signed event (tests/fixtures/vendor_vectors/notion.json) then verifies."""
    notion = json.loads((VECTORS / "notion.json").read_text())
    secrets_client = local_runner.aws_client("secretsmanager", sources.runner.endpoint)
    arn = sources.outputs["source_signing_secret_arns"]["notion"]
    verification = json.dumps({"verification_token": notion["secret"]}).encode()
    assert exchange(sources.url("notion"), "POST", verification, {"content-type": "application/json"})[0] == 200
    assert secrets_client.get_secret_value(SecretId=arn)["SecretString"] == notion["secret"]
    other = json.dumps({"verification_token": "secret_" + "f" * 43}).encode()
    assert exchange(sources.url("notion"), "POST", other, {"content-type": "application/json"})[0] == 401
    signed = {"x-notion-signature": notion["headers"]["x-notion-signature"], "content-type": "application/json"}
    body = notion["body"].encode()
    assert exchange(sources.url("notion"), "POST", body.replace(b"Acme", b"Acne"), signed)[0] == 401
    assert exchange(sources.url("notion"), "POST", body, signed)[0] == 200
    assert stored_keys(sources, "notion") == {"notion#" + json.loads(body)["id"]}


def test_paypal_refuses_a_certificate_url_off_paypals_hosts_before_fetching_anything(sources):
    """PayPal's SDK vector with its certificate URL moved to another host: 401 at the edge, nothing
    queued or kept (no network here: a PayPal-hosted URL would be fetched, this one never is)."""
    paypal = json.loads((VECTORS / "paypal.json").read_text())
    headers = dict(paypal["headers"], **{"paypal-cert-url": "https://evil.example/v1/notifications/certs/CERT-1"})
    before = queued_count(sources)
    status, _, answer = exchange(sources.url("paypal"), "POST", paypal["body"].encode(), headers)
    assert (status, json.loads(answer)["reason"]) == (401, "signature_invalid")
    assert queued_count(sources) == before


def test_plaid_refuses_a_token_that_is_not_es256_before_asking_plaid(sources):
    """Plaid's vector token re-headed with alg HS256 (a classic JWT confusion): 401 at the edge,
    nothing queued; Plaid's API is never asked (no network here)."""
    plaid = json.loads((VECTORS / "plaid.json").read_text())
    _, payload, signature = plaid["headers"]["plaid-verification"].split(".")
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": plaid["jwk"]["kid"]}).encode()).decode().rstrip("=")
    before = queued_count(sources)
    status, _, answer = exchange(
        sources.url("plaid"), "POST", plaid["body"].encode(), {"plaid-verification": f"{header}.{payload}.{signature}"}
    )
    assert (status, json.loads(answer)["reason"]) == (401, "signature_invalid")
    assert queued_count(sources) == before


def test_a_jira_connect_token_for_the_sources_url_is_stored_and_one_for_another_is_refused(sources, signing):
    """A token as Atlassian's library makes them (jira-connect.json: the qsh of POST /hooks/jira, the
    installation and shared secret of jira-app.json), minted now (tokens live 3 minutes) with
    OpenSSL's HMAC. The source's URL is the runner's /hooks/jira, so the library's qsh of
    https://hooks.example.com/hooks/jira is its own (the host is not hashed); one made for another
    path is 401 at the edge, nothing queued."""
    app = json.loads((VECTORS / "jira-app.json").read_text())
    library = json.loads((VECTORS / "jira-connect.json").read_text())
    assert urllib.parse.urlsplit(sources.url("jira")).path == urllib.parse.urlsplit(library["tokens"]["plain_url"]).path

    def token(qsh: str) -> str:
        now = int(time.time())
        claims = {"iss": "dc9824e8-3f71-4979-9b78-6d68b28b88d9", "iat": now, "exp": now + 180, "qsh": qsh}
        segments = [segment(json.dumps(part).encode()) for part in ({"typ": "JWT", "alg": "HS256"}, claims)]
        mac = openssl_digest(app["secret"].encode(), ".".join(segments).encode(), hashes.SHA256())
        return "JWT " + ".".join([*segments, segment(mac)])

    body = app["body"].encode()
    elsewhere = library["canonical"][0]["qsh"]  # POST /jira/issue-updated?...: another URL of the app
    before = queued_count(sources)
    status, _, answer = exchange(
        sources.url("jira"), "POST", body, {"authorization": token(elsewhere), "x-atlassian-webhook-identifier": "w-2"}
    )
    assert (status, json.loads(answer)["reason"]) == (401, "signature_invalid")
    assert queued_count(sources) == before
    headers = {
        "authorization": token(library["tokens"]["plain_qsh"]),
        "x-atlassian-webhook-identifier": "w-1",
        "content-type": "application/json",
    }
    assert exchange(sources.url("jira"), "POST", body, headers)[0] == 200
    assert stored_keys(sources, "jira") == {"jira#w-1"}


def segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
