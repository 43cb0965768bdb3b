"""Each validation rule is written once, or its copies agree.

A setting that several public modules take on their own (name, kms_key_arn,
...) is validated by each of them, since each also works alone; the functions'
settings (architecture, memory_size, package, ...) are validated once, in
modules/_function, which every function goes through. Those copies once drifted (the queue module
accepted a KMS alias that the others rejected); this test fails when they do
again, and when the root repeats a rule a submodule already owns.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "modules"

# Same name, deliberately different rule.
DIFFERENT_ON_PURPOSE = {
    # API Gateway waits at most 10 s for an authorizer; a consumer may run 900 s.
    "timeout_seconds",
    # The consumer also checks the SQS rule linking batch size and window.
    "maximum_batching_window_in_seconds",
    # Each module reserves its own statement ids.
    "policy_statements",
    # The consumer may hold claim-check bodies of up to 6 MB: null picks a default
    # that fits, and a claim-check source needs at least 512 MB.
    "memory_size",
}

VARIABLE = re.compile(r'^variable "([a-z0-9_]+)" \{\n(.*?)^\}', re.S | re.M)
VALIDATION = re.compile(r"  validation \{\n\s*condition\s*=\s*(.*?)\n\s*error_message\s*=\s*\"(.*?)\"\n  \}", re.S)
KMS_PATTERN = re.compile(r'regex\("(\^arn:aws\[a-z-\]\*:kms:[^"]*)"')


def rules_by_variable(path: Path) -> dict[str, list[tuple[str, str]]]:
    """variable name -> its (condition, message) pairs, with the variable's own name
    replaced by a placeholder so copies in different modules compare equal."""
    found = {}
    for name, body in VARIABLE.findall(path.read_text()):
        found[name] = [
            (re.sub(rf"\bvar\.{name}\b", "var._", " ".join(condition.split())), message.replace(name, "_"))
            for condition, message in VALIDATION.findall(body)
        ]
    return found


def public_module_rules() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """variable name -> module -> rules, for the modules users call."""
    table: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(dict)
    for variables in sorted(MODULES.glob("[!_]*/variables.tf")):
        for name, rules in rules_by_variable(variables).items():
            table[name][variables.parent.name] = rules
    return table


# Every function's settings (authorizer, consumer, front) are one object, validated
# once in modules/_function; the public modules take them as their own variables
# (Terraform: a module used alone declares its inputs) and pass them there whole.
FUNCTION_SETTINGS = ("architecture", "memory_size", "timeout_seconds", "package", "log_retention_in_days", "function")
FUNCTION_CALLERS = ("auth", "consumer")


def settings_passed_to_function(module: str) -> str:
    """The settings object a module gives modules/_function: merge(var.function, { ... })."""
    main = (MODULES / module / "main.tf").read_text()
    return main.split("settings = merge(", 1)[1].split("})", 1)[0]


def checked_copies() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """public_module_rules without the function settings a module leaves to modules/_function."""
    return {
        name: {module: rules for module, rules in by_module.items() if rules or name not in FUNCTION_SETTINGS}
        for name, by_module in public_module_rules().items()
    }


def test_a_setting_shared_by_modules_has_one_rule() -> None:
    drifted = {
        name: by_module
        for name, by_module in checked_copies().items()
        if len(by_module) > 1 and name not in DIFFERENT_ON_PURPOSE and len({tuple(rules) for rules in by_module.values()}) > 1
    }
    assert drifted == {}


def test_function_settings_are_validated_once_in_the_function_module() -> None:
    """The public modules pass every function setting to modules/_function and do not
    check it again (the consumer's claim-check memory floor spans its sources: it stays)."""
    for module in FUNCTION_CALLERS:
        rules = rules_by_variable(MODULES / module / "variables.tf")
        passed = settings_passed_to_function(module)
        for name in FUNCTION_SETTINGS:
            own = [message for _, message in rules[name] if "claim-check" not in message]
            assert own == [], (module, name, own)
            assert f"var.{name}" in passed or (name == "memory_size" and "local.memory_size" in passed), (module, name)
    function_rules = " ".join(message for _, message in rules_by_variable(MODULES / "_function" / "variables.tf")["settings"])
    for name in ("architecture", "memory_size", "timeout_seconds", "log_retention_in_days", "package", "tracing_mode"):
        assert name in function_rules, name


def test_every_kms_key_input_accepts_the_same_arns() -> None:
    files = [path for path in ROOT.glob("**/variables.tf") if ".terraform" not in path.parts]
    patterns = {pattern for path in files for pattern in KMS_PATTERN.findall(path.read_text())}
    assert len(patterns) == 1, patterns


# Settings only the root has: its deprecated names, and sources (which the root
# turns into one authorizer, one route and one consumer rule per source).
ROOT_ONLY = {"sources", "alarms", "consumer"}


def test_the_root_keeps_only_rules_no_submodule_can_check() -> None:
    """A rule a submodule can check belongs there; the root checks only what it alone has."""
    root_rules = rules_by_variable(ROOT / "variables.tf")
    assert root_rules["sources"], "expected the sources rules"
    misplaced = {
        name: rules
        for name, rules in root_rules.items()
        # sources: only the root has them; payloads: its rule spans the queue and the bucket modules.
        if rules
        and not (name in ("sources", "payloads") or (name in ROOT_ONLY and all("deprecated" in message for _, message in rules)))
    }
    assert misplaced == {}


def test_the_drift_check_sees_a_drifted_copy(tmp_path: Path) -> None:
    """The parser finds the rules it compares: a changed copy shows up as a difference."""
    original = (MODULES / "queue" / "variables.tf").read_text()
    drifted = original.replace(":key/.+$", ":(key|alias)/.+$")
    assert drifted != original
    copy = tmp_path / "variables.tf"
    copy.write_text(drifted)
    assert rules_by_variable(copy)["kms_key_arn"] != rules_by_variable(MODULES / "api" / "variables.tf")["kms_key_arn"]
