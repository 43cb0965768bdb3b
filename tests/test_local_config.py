"""`make local CONFIG=DIR`: the local stack for a root of the user's own.

Runs the demo's whole walkthrough (apply, serve, POST, 401, 403, a dead letter,
destroy) on tests/fixtures/own_root, which has its own name and route, writes
first-write-wins and exports no outputs: the runner must find the API, the
functions and the queues from what was applied.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import demo

pytestmark = pytest.mark.e2e
OWN_ROOT = Path(__file__).resolve().parent / "fixtures" / "own_root"


def test_the_demo_walks_through_a_root_of_the_users_own(capsys):
    assert demo.main(["--config", str(OWN_ROOT)]) == 0
    printed = capsys.readouterr().out
    assert "/hooks/sample" in printed  # its own route was served
    assert "everything destroyed" in printed


def test_a_deployment_whose_every_source_is_signed_has_nothing_to_try_and_does_not_fail():
    """examples/local-senders: every source is signed, so no sample request exists (only a sender can
    sign one); the demo says so instead of failing on the missing sample."""
    from local_runner.samples import SampleRequest

    sample = SampleRequest(None, "http://127.0.0.1:1/submit", {}, "{}", "hello-1")
    named = SampleRequest("orders", "http://127.0.0.1:1/submit", {}, "{}", "orders#hello-1")
    assert demo.what_to_try([]) == "nothing"
    assert demo.what_to_try([sample]) == "the walkthrough"
    assert demo.what_to_try([named, sample]) == "each source"
