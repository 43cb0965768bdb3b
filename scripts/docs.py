#!/usr/bin/env python3
"""Write the inputs/outputs tables of README.md from variables.tf and outputs.tf.

The tables sit between terraform-docs markers, so users with terraform-docs can
regenerate them too; this script needs nothing but Python (`--check` fails when
README.md is out of date, and runs in `make test`).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"


@dataclass(frozen=True)
class Block:
    kind: str
    name: str
    attributes: dict[str, str]


def _matching_brace(text: str, start: int) -> int:
    """Index of the brace closing the one at `start`, skipping strings and heredoc-free HCL."""
    depth = 0
    index = start
    in_string = False
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "#":
            index = text.index("\n", index)
            continue
        elif char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError("unbalanced braces")


def top_level_attributes(body: str) -> dict[str, str]:
    """`name = expression` pairs at depth 0 of a block body (nested blocks skipped)."""
    attributes: dict[str, str] = {}
    index = 0
    pattern = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=)?\s*")
    while index < len(body):
        if body[index] in " \t\r\n":
            index += 1
            continue
        if body[index] == "#":
            index = body.find("\n", index)
            index = len(body) if index < 0 else index
            continue
        match = pattern.match(body, index)
        if not match:
            raise ValueError(f"cannot parse near {body[index : index + 40]!r}")
        name, equals = match.group(1), match.group(2)
        cursor = match.end()
        if not equals:  # a nested block such as `validation { ... }`
            brace = body.index("{", cursor)
            index = _matching_brace(body, brace) + 1
            continue
        end = cursor
        while end < len(body) and body[end] != "\n":
            if body[end] in "{[(":
                end = _matching_brace(body, end) + 1
            elif body[end] == '"':
                end += 1
                while body[end] != '"':
                    end += 2 if body[end] == "\\" else 1
                end += 1
            else:
                end += 1
        attributes[name] = body[cursor:end].strip()
        index = end
    return attributes


def parse_blocks(text: str, kind: str) -> list[Block]:
    blocks = []
    for match in re.finditer(rf'^{kind} "([^"]+)"\s*{{', text, re.MULTILINE):
        open_brace = match.end() - 1
        body = text[open_brace + 1 : _matching_brace(text, open_brace)]
        blocks.append(Block(kind, match.group(1), top_level_attributes(body)))
    return blocks


def unquote(expression: str) -> str:
    if expression.startswith('"') and expression.endswith('"'):
        return expression[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return expression


def one_line(expression: str) -> str:
    return re.sub(r"\s+", " ", expression).replace("{ ", "{").replace(" }", "}").strip()


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def inputs_table(variables: list[Block]) -> list[str]:
    rows = ["| Name | Description | Type | Default | Required |", "|------|-------------|------|---------|:--------:|"]
    for block in variables:
        default = block.attributes.get("default")
        rows.append(
            f'| <a name="input_{block.name}"></a> [{block.name}](#input_{block.name}) '
            f"| {cell(unquote(block.attributes['description']))} "
            f"| `{cell(one_line(block.attributes['type']))}` "
            f"| {'n/a' if default is None else '`' + cell(one_line(default)) + '`'} "
            f"| {'yes' if default is None else 'no'} |"
        )
    return rows


def outputs_table(outputs: list[Block]) -> list[str]:
    rows = ["| Name | Description |", "|------|-------------|"]
    for block in outputs:
        anchor = f'<a name="output_{block.name}"></a> [{block.name}](#output_{block.name})'
        rows.append(f"| {anchor} | {cell(unquote(block.attributes['description']))} |")
    return rows


def generated_section(module_dir: Path) -> str:
    variables = parse_blocks((module_dir / "variables.tf").read_text(), "variable")
    outputs = parse_blocks((module_dir / "outputs.tf").read_text(), "output")
    lines = [BEGIN, "## Inputs", "", *inputs_table(variables), "", "## Outputs", "", *outputs_table(outputs), END]
    return "\n".join(lines)


def updated_readme(readme: str, section: str) -> str:
    if BEGIN not in readme or END not in readme:
        raise ValueError(f"README has no {BEGIN} ... {END} section")
    before, rest = readme.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    return before + section + after


def public_module_dirs() -> list[Path]:
    """The root and the modules users call; internal ones (modules/_*) have no README."""
    return [ROOT, *sorted(path for path in (ROOT / "modules").iterdir() if not path.name.startswith("_"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a README's tables differ from the code")
    args = parser.parse_args(argv)
    stale = []
    for module_dir in public_module_dirs():
        readme_path = module_dir / "README.md"
        current = readme_path.read_text()
        wanted = updated_readme(current, generated_section(module_dir))
        if wanted != current:
            stale.append(readme_path)
            if not args.check:
                readme_path.write_text(wanted)
    if args.check and stale:
        print("README tables are out of date; run python3 scripts/docs.py:", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
