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
