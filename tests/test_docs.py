"""README inputs/outputs tables stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import docs

ROOT = Path(__file__).resolve().parent.parent
MODULE_DIRS = docs.public_module_dirs()


def table_rows(readme: str) -> dict[tuple[str, str], str]:
    section = readme.split(docs.BEGIN, 1)[1].split(docs.END, 1)[0]
    row = re.compile(r'^\| <a name="(input|output)_([a-z0-9_]+)"></a>.*$', re.MULTILINE)
    return {(m.group(1), m.group(2)): m.group(0) for m in row.finditer(section)}


@pytest.mark.parametrize("module_dir", MODULE_DIRS, ids=lambda d: d.relative_to(ROOT).as_posix() or "root")
def test_every_variable_and_output_is_documented_with_its_default(module_dir):
    rows = table_rows((module_dir / "README.md").read_text())
    variables = docs.parse_blocks((module_dir / "variables.tf").read_text(), "variable")
    outputs = docs.parse_blocks((module_dir / "outputs.tf").read_text(), "output")
    assert variables and outputs
    for variable in variables:
        assert ("input", variable.name) in rows, f"variable {variable.name} missing from README"
        default = variable.attributes.get("default")
        expected = "| n/a | yes |" if default is None else f"| `{docs.one_line(default)}` | no |"
        assert rows["input", variable.name].endswith(expected), (variable.name, rows["input", variable.name])
    for output in outputs:
        assert ("output", output.name) in rows, f"output {output.name} missing from README"
    names = {("input", block.name) for block in variables} | {("output", block.name) for block in outputs}
    assert set(rows) == names, f"README documents things the code does not have: {set(rows) - names}"


def test_variable_names_found_by_the_parser_match_a_plain_scan():
    """The table generator's parser must not miss a block that a plain regex sees."""
    for module_dir in MODULE_DIRS:
        for kind, file_name in (("variable", "variables.tf"), ("output", "outputs.tf")):
            text = (module_dir / file_name).read_text()
            plain = re.findall(rf'^{kind} "([^"]+)"', text, re.MULTILINE)
            assert [block.name for block in docs.parse_blocks(text, kind)] == plain


def test_readmes_are_up_to_date():
    assert docs.main(["--check"]) == 0


def test_stale_table_is_detected(tmp_path):
    readme = f"# x\n{docs.BEGIN}\n| stale |\n{docs.END}\n"
    fresh = docs.updated_readme(readme, docs.generated_section(ROOT / "modules" / "queue"))
    assert fresh != readme and "input_max_receive_count" in fresh


def test_every_variable_has_description_type_and_outputs_a_description():
    for module_dir in MODULE_DIRS:
        for variable in docs.parse_blocks((module_dir / "variables.tf").read_text(), "variable"):
            assert {"description", "type"} <= set(variable.attributes), (module_dir, variable.name)
            assert variable.attributes["type"] != "any"
        for output in docs.parse_blocks((module_dir / "outputs.tf").read_text(), "output"):
            assert "description" in output.attributes, (module_dir, output.name)


RELEASE = re.compile(r"^## \[(\d+)\.(\d+)\.(\d+)\] - (\d{4}-\d{2}-\d{2}) \(commit `([0-9a-f]{7,40})`", re.MULTILINE)


def test_changelog_versions_each_release_newest_first():
    """Unreleased on top, then every release with a version, a date and the commit it is (issue 20, item 18)."""
    changelog = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## .*$", changelog, re.MULTILINE)
    assert headings[0] == "## [Unreleased]"
    releases = RELEASE.findall(changelog)
    assert len(releases) == len(headings) - 1 >= 1, headings
    versions = [tuple(int(part) for part in release[:3]) for release in releases]
    dates = [release[3] for release in releases]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    assert dates == sorted(dates, reverse=True)


def test_readme_examples_use_the_latest_release():
    """Every ?ref= in README names the newest version in CHANGELOG: users copy them."""
    latest = ".".join(RELEASE.search((ROOT / "CHANGELOG.md").read_text()).groups()[:3])
    refs = re.findall(r"\?ref=v([0-9.]+)\"", (ROOT / "README.md").read_text())
    assert refs and set(refs) == {latest}, (refs, latest)
