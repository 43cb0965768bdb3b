"""The edge's optional steps: one module each, edge_step_<setting>.py, found by its file name.

A source's setting `sources.<name>.<setting>` (variables.tf) reaches the edge function as
ROUTES[<route key>][<setting>]: the root's main.tf finds the same files with fileset(), so a
file's name is the one place that ties the Terraform setting to the code acting on it. A new
kind of step is its module, the setting's type and validation in variables.tf, and its test;
neither app.py, edge_config.py nor any module between them changes.

A step module defines
    parse(where: str, settings: Any) -> rule
        the route's settings (JSON), checked: a ValueError saying why refuses the configuration;
and one or both of
    before_delivery(rule, request: edge_messages.Request) -> answer | None
        before anything is kept, for a request someone vouched for: its signature verified at
        the edge, or the route's authorizer admitted it (any other request, say on an open
        route whose signature only the consumer checks, is delivered without asking the step):
        an answer (a Lambda proxy response) ends the request with nothing queued; None goes on;
    answer(rule, request: edge_messages.Request, accepted: answer) -> answer
        what an accepted request is answered, once its message is durable (the JSON receipt
        unless a step replaces it; a step that raises here leaves the receipt: the message is
        kept already, and a 500 would only make the sender send it again).
Steps run in the order of their settings' names. A setting named as a route's own
(ROUTE_SETTINGS: contract.json edge_routes) cannot be a step's.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from contract import CONTRACT

from edge_messages import Request

STEP_PREFIX = "edge_step_"
PHASES = ("before_delivery", "answer")
# What a route says itself (contract.json; modules/_front validates the same names): never a step's name.
ROUTE_SETTINGS = frozenset(CONTRACT["edge_routes"]["settings"])
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ConfiguredStep:
    """A step as one route configures it: its setting's name, its module and the parsed rule."""

    setting: str
    module: ModuleType
    rule: Any


def step_modules(directory: Path = HERE) -> dict[str, ModuleType]:
    """The step modules beside this one, by setting name, each checked to define parse and a phase."""
    return dict(_step_modules(directory))


@cache
def _step_modules(directory: Path) -> tuple[tuple[str, ModuleType], ...]:
    found = []
    for path in sorted(directory.glob(f"{STEP_PREFIX}*.py")):
        module = importlib.import_module(path.stem)
        if not callable(getattr(module, "parse", None)) or not any(callable(getattr(module, phase, None)) for phase in PHASES):
            raise ValueError(f"{path.name}: an edge step defines parse and {' or '.join(PHASES)}")
        found.append((path.stem.removeprefix(STEP_PREFIX), module))
    if clashing := sorted(ROUTE_SETTINGS & {setting for setting, _ in found}):
        raise ValueError(f"edge steps may not be named as a route's own settings: {', '.join(clashing)}")
    return tuple(found)


def configured_steps(where: str, settings: Mapping[str, Any], modules: Mapping[str, ModuleType]) -> tuple[ConfiguredStep, ...]:
    """The route's steps: each setting a step module owns, parsed by it (absent or null: not configured)."""
    return tuple(
        ConfiguredStep(setting, module, module.parse(where, settings[setting]))
        for setting, module in sorted(modules.items())
        if settings.get(setting) is not None
    )


def before_delivery(steps: Iterable[ConfiguredStep], request: Request) -> dict[str, Any] | None:
    """The first answer a step gives instead of delivering; None when every step lets the request on."""
    for step in steps:
        run = getattr(step.module, "before_delivery", None)
        if run is not None and (answered := run(step.rule, request)) is not None:
            return answered
    return None


def answer(steps: Iterable[ConfiguredStep], request: Request, accepted: dict[str, Any]) -> dict[str, Any]:
    """The answer to an accepted request, as each step in turn shapes it."""
    for step in steps:
        if (run := getattr(step.module, "answer", None)) is not None:
            accepted = run(step.rule, request, accepted)
    return accepted
