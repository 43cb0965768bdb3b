"""The edge's steps as a registry (issue 21): a new kind of step is its module, its setting in
variables.tf and its test, with app.py and edge_config.py untouched.

The step here is written as a maintainer would write one (edge_step_<setting>.py defining parse
and its phases), into a directory of its own, and served through the real handler against moto.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import edge_config
import edge_steps
import pytest
from test_claim_check import queued
from test_edge import Edge, make_edge, proxy
from test_signatures import NOW, sign_stripe

# A step that ignores (200, nothing kept) events whose JSON type is listed, and marks every
# accepted answer with a header: one step of each phase.
IGNORE_STEP = """
import json

def parse(where, settings):
    if not isinstance(settings, dict) or not isinstance(settings.get("types"), list):
        raise ValueError(f"{where}: ignore takes types, a list")
    return frozenset(settings["types"])

def before_delivery(rule, request):
    if json.loads(request.body).get("type") in rule:
        return {"statusCode": 200, "headers": {}, "body": "ignored"}
    return None

def answer(rule, request, accepted):
    return {**accepted, "headers": {**accepted["headers"], "x-ignore-checked": "1"}}
"""


def write_step(directory: Path, setting: str, source: str) -> None:
    (directory / f"{edge_steps.STEP_PREFIX}{setting}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def steps_dir(tmp_path, monkeypatch) -> Path:
    """A directory of step modules served beside the package's own (the real ones stay)."""
    directory = tmp_path / "steps"
    directory.mkdir()
    monkeypatch.syspath_prepend(str(directory))
    monkeypatch.setattr(edge_config, "step_modules", lambda: {**edge_steps.step_modules(), **edge_steps.step_modules(directory)})
    yield directory
    for path in directory.glob("*.py"):
        sys.modules.pop(path.stem, None)


@pytest.fixture
def edge(front, monkeypatch) -> Edge:
    made = make_edge(front, monkeypatch)
    monkeypatch.setattr(made.module, "_config", None)
    return made


def test_the_package_s_own_steps_are_found_by_file_name():
    files = {path.stem.removeprefix(edge_steps.STEP_PREFIX) for path in edge_steps.HERE.glob("edge_step_*.py")}
    assert "response" in files and set(edge_steps.step_modules()) == files


def test_a_new_kind_of_step_is_served_without_touching_the_function(edge, steps_dir):
    write_step(steps_dir, "ignore", IGNORE_STEP)
    edge.configure({"POST /hooks/s": {"source": "s", "headers": [], "delivery": "direct", "ignore": {"types": ["ping"]}}})
    ignored = edge.call(proxy("POST /hooks/s", b'{"type":"ping"}'))
    assert (ignored["statusCode"], ignored["body"]) == (200, "ignored")
    assert edge.nothing_kept()  # answered before delivery: nothing queued
    kept = edge.call(proxy("POST /hooks/s", b'{"type":"push"}'))
    [message] = queued(edge.sqs, edge.queue_url)
    assert kept["statusCode"] == 200 and kept["headers"]["x-ignore-checked"] == "1"
    assert json.loads(kept["body"]) == {"messageId": message["messageId"]}


def test_steps_answer_in_the_order_of_their_settings_names(edge, steps_dir):
    write_step(steps_dir, "ignore", IGNORE_STEP)
    edge.configure(
        {
            "POST /hooks/s": {
                "source": "s",
                "headers": [],
                "delivery": "direct",
                "ignore": {"types": []},
                "response": {"status": 202, "content_type": "text/plain", "body": "ok"},
            }
        }
    )
    answer = edge.call(proxy("POST /hooks/s", b'{"type":"push"}'))
    # ignore marks the receipt, then response replaces it whole: response's name sorts after ignore's.
    assert (answer["statusCode"], answer["body"], answer["headers"]) == (202, "ok", {"content-type": "text/plain"})


def test_a_step_s_settings_are_checked_by_the_step_when_the_configuration_is_loaded(steps_dir):
    write_step(steps_dir, "ignore", IGNORE_STEP)
    with pytest.raises(ValueError, match="'POST /hooks/s': ignore takes types, a list"):
        edge_config.route_rule("POST /hooks/s", {"source": "s", "headers": [], "ignore": {"types": "ping"}})


def test_a_setting_no_step_reads_is_refused_not_ignored():
    with pytest.raises(ValueError, match="no edge step reads ignore"):
        edge_config.route_rule("POST /hooks/s", {"source": "s", "headers": [], "ignore": {"types": []}})


def test_a_step_module_without_parse_or_a_phase_is_refused(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    write_step(tmp_path, "broken", "def parse(where, settings):\n    return settings\n")
    try:
        with pytest.raises(ValueError, match=r"edge_step_broken\.py: an edge step defines parse and before_delivery or answer"):
            edge_steps.step_modules(tmp_path)
    finally:
        sys.modules.pop("edge_step_broken", None)


def test_a_null_setting_configures_no_step():
    rule = edge_config.route_rule("POST /hooks/s", {"source": "s", "headers": [], "response": None})
    assert rule.steps == ()


# --- who a step may answer: only a request someone vouched for ----------------------------------------

STRIPE_SECRET = "whsec_" + "cd" * 16
PING = '{"type":"ping"}'


def unauthorized(event: dict) -> dict:
    """The event as an open route (no authorizer) gives it."""
    event["requestContext"].pop("authorizer", None)
    return event


def ignoring_route(edge: Edge, signature: dict | None = None) -> None:
    route = {"source": "s", "headers": ["stripe-signature"], "delivery": "direct", "ignore": {"types": ["ping"]}}
    edge.configure({"POST /hooks/s": {**route, **({"signature": signature} if signature else {})}})


def test_an_open_route_s_request_the_edge_did_not_verify_is_delivered_not_answered_by_a_step(edge, steps_dir):
    write_step(steps_dir, "ignore", IGNORE_STEP)
    ignoring_route(edge)
    answer = edge.call(unauthorized(proxy("POST /hooks/s", PING.encode())))
    assert answer["statusCode"] == 200 and answer["body"] != "ignored"
    assert len(queued(edge.sqs, edge.queue_url)) == 1  # for the consumer, which checks what it must


def test_a_verified_signature_lets_a_step_answer_on_an_open_route(edge, steps_dir):
    write_step(steps_dir, "ignore", IGNORE_STEP)
    ignoring_route(edge, {"scheme": "stripe", "secret_arn": edge.secret("s-signing", STRIPE_SECRET)})
    signed = sign_stripe(PING, STRIPE_SECRET, NOW, "m")
    assert edge.call(unauthorized(proxy("POST /hooks/s", PING.encode(), signed)))["body"] == "ignored"
    forged = sign_stripe(PING, "whsec_" + "00" * 16, NOW, "m")
    assert edge.call(unauthorized(proxy("POST /hooks/s", PING.encode(), forged)))["statusCode"] == 401
    assert edge.nothing_kept()


def test_a_signing_secret_that_cannot_be_read_leaves_the_request_to_the_consumer_not_to_a_step(edge, steps_dir):
    write_step(steps_dir, "ignore", IGNORE_STEP)
    ignoring_route(edge, {"scheme": "stripe", "secret_arn": edge.secret("s-empty", None)})  # no value yet
    answer = edge.call(unauthorized(proxy("POST /hooks/s", PING.encode(), {"stripe-signature": "t=1,v1=forged"})))
    assert answer["statusCode"] == 200 and answer["body"] != "ignored"
    assert len(queued(edge.sqs, edge.queue_url)) == 1


def test_a_step_failing_to_answer_after_the_message_is_kept_leaves_the_receipt(edge, steps_dir):
    write_step(
        steps_dir,
        "broken",
        "def parse(where, settings):\n    return settings\n\n\ndef answer(rule, request, accepted):\n    raise RuntimeError\n",
    )
    edge.configure({"POST /hooks/s": {"source": "s", "headers": [], "delivery": "direct", "broken": {}}})
    answer = edge.call(proxy("POST /hooks/s", b'{"type":"push"}'))
    [message] = queued(edge.sqs, edge.queue_url)
    assert answer["statusCode"] == 200 and json.loads(answer["body"]) == {"messageId": message["messageId"]}


def test_a_step_may_not_be_named_as_a_route_s_own_setting(steps_dir):
    write_step(
        steps_dir,
        "signature",
        "def parse(where, settings):\n    return settings\n\n\ndef answer(rule, request, accepted):\n    return accepted\n",
    )
    with pytest.raises(ValueError, match="may not be named as a route's own settings: signature"):
        edge_config.route_rule("POST /hooks/s", {"source": "s", "headers": []})
