"""JSON pointers (RFC 6901): where a source's id is in its body.

pointer_value reads a parsed document; exact_number_at walks the text itself,
for a large body keyed by a number (stages read it once the document that
scan_body made, whose numbers are all one shared object, is dropped).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from records import NumberText, element_start, exact_value, json_whitespace_end, member_start

# ASCII digits only ("²".isdigit() is true, int() refuses it): an array index here,
# a Number attribute in dead_letters.py (the receive count).
DIGITS = re.compile(r"[0-9]{1,15}")


def pointer_token(name: str) -> str:
    """The reference token naming an object member `name`: "~" as "~0", then "/" as "~1" (RFC 6901, section 3)."""
    return name.replace("~", "~0").replace("/", "~1")


@lru_cache(maxsize=256)  # a deployment has a few pointers, read for every record
def pointer_steps(pointer: str) -> tuple[str, ...]:
    """RFC 6901: a pointer's reference tokens ("/a/0/b"), unescaped: ~1 first, then ~0,
    so "~01" is "~1", not "/" (RFC 6901, section 4)."""
    return tuple(escaped.replace("~1", "/").replace("~0", "~") for escaped in pointer.split("/")[1:])


def array_index(step: str) -> int | None:
    """The array index a reference token names: ASCII digits without a leading zero."""
    return int(step) if DIGITS.fullmatch(step) and (step == "0" or not step.startswith("0")) else None


def pointer_value(document: Any, pointer: str) -> Any:
    """RFC 6901: the value at `pointer` ("/a/0/b", with ~1 for "/" and ~0 for "~"), or None."""
    value = document
    for step in pointer_steps(pointer):
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and (index := array_index(step)) is not None:
            value = value[index] if index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def exact_number_at(text: str, pointer: str) -> NumberText | None:
    """The exact text of the number at `pointer` in a JSON text json.loads accepts, or
    None when no number is there (nothing, a string, a container).

    For a large body keyed by a number (rare): scan_body made every number one
    shared object, so the key's text is not in its document. Parsing it again
    keeping every number's text costs tens of bytes a number (+300 MB for 6 MB of
    them); this walks the text along the pointer instead, each value beside the
    path parsed with scan_body's shared number and dropped at once, so it costs
    what scan_body did. As json.loads, a name repeated in an object counts at its
    last occurrence."""
    index = json_whitespace_end(text, 0)
    for step in pointer_steps(pointer):
        opening = text[index : index + 1]
        if opening == "{":
            found = member_start(text, index, step)
        elif opening == "[" and (position := array_index(step)) is not None:
            found = element_start(text, index, position)
        else:
            return None
        if found is None:
            return None
        index = found
    value, _ = exact_value(text, index)
    return value if isinstance(value, NumberText) else None
