"""JSON pointers (RFC 6901): where a source's id is in its body.

pointer_value reads a parsed document (json_pointer.py, shared with the edge); exact_number_at walks the text itself,
for a large body keyed by a number (stages read it once the document that
scan_body made, whose numbers are all one shared object, is dropped).
"""

from __future__ import annotations

from json_pointer import DIGITS, array_index, pointer_steps, pointer_token, pointer_value
from records import NumberText, element_start, exact_value, json_whitespace_end, member_start

__all__ = ["DIGITS", "exact_number_at", "pointer_token", "pointer_value"]


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
