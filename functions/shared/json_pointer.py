"""JSON pointers (RFC 6901): where a value is in a parsed body (a source's id, a signature carried
in the body). The consumer's pointers.py adds walking a body's text for an exact number."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

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
