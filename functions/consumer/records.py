"""Turning SQS records into DynamoDB items, or saying why one never can be.

parse_body reads a body exactly (numbers as Decimal) for an item, and
finish_item checks a keyed item as DynamoDB will (stages.judge); scan_body
reads only its shape, for a body too large for an item that goes to S3 as it
is (stages.judge decides that from the byte size, before any of this).
Poison lives in pipeline.py with the Reason enumeration; it is re-exported here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from pipeline import Poison, Reason

__all__ = [
    "NUMBER",
    "Item",
    "NumberText",
    "Poison",
    "element_start",
    "exact_value",
    "finish_item",
    "json_whitespace_end",
    "member_start",
    "parse_body",
    "parse_number",
    "scan_body",
]

# DynamoDB limits (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html)
MAX_ITEM_BYTES = 400 * 1024
MAX_PARTITION_KEY_BYTES = 2048
MAX_NESTING_DEPTH = 32
MAX_NUMBER_DIGITS = 38

# DynamoDB's numbers ("Data types: Number"): zero, or a magnitude from 1E-130 to 9.99...E+125.
SMALLEST_NUMBER = Decimal("1E-130")
TOO_LARGE_NUMBER = Decimal("1E+126")


class _Serializer(TypeSerializer):
    """boto3's, refusing also what DynamoDB refuses but boto3's context lets through
    (its Emin of -128 admits subnormal numbers down to 1E-165, its Emax of 126 admits
    1E+126): DynamoDB would reject the whole BatchWriteItem request."""

    def _serialize_n(self, value: Any) -> str:
        number = super()._serialize_n(value)
        magnitude = Decimal(number).copy_abs()  # abs() would round to the context's 28 digits
        if magnitude and not SMALLEST_NUMBER <= magnitude < TOO_LARGE_NUMBER:
            raise ArithmeticError("a number outside DynamoDB's range (1E-130 to 9.99...E+125)")
        return number


_serializer = _Serializer()


def serialized(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Each attribute as a DynamoDB AttributeValue ({"S": ...}, {"N": ...}, ...): TypeError or
    ArithmeticError for a value DynamoDB cannot store exactly."""
    return {name: _serializer.serialize(value) for name, value in attributes.items()}


@dataclass(frozen=True)
class Item:
    message_id: str  # what the writer's outcomes are keyed by: the record's id, or an element's (split)
    key: str
    attributes: dict[str, Any]  # Python values (Decimal for numbers), ready for the resource layer
    version: Any = None  # the ordering guard's version (ordering.py), when it is on
    record_id: str | None = None  # an element of a split record: that record's id (split_batches.py)
    # DynamoDB's wire form of `attributes`, as finish_item serialised them to measure the item:
    # BatchWriteItem sends it as it is (store.write_last_wins), never serialising twice.
    wire: Mapping[str, Any] | None = None

    def wire_form(self) -> Mapping[str, Any]:
        return self.wire if self.wire is not None else serialized(self.attributes)

    @property
    def record(self) -> str:
        """The SQS record the item came from (its archive line, its retry)."""
        return self.record_id or self.message_id


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_number(text: str) -> Decimal:
    """A JSON number as an exact Decimal (boto3 refuses floats; 0.1 stays 0.1).

    DynamoDB holds 38 significant digits and does not keep trailing zeros, so
    a number written with more digits than that but few significant ones (1
    followed by 100 zeros) is normalised to 1E+100: nothing DynamoDB would
    keep is lost. A number with more than 38 significant digits is left as it
    is, and the serializer refuses it.
    """
    value = Decimal(text)
    if len(value.as_tuple().digits) > MAX_NUMBER_DIGITS:
        # A context as precise as the text, so normalising never rounds.
        value = value.normalize(Context(prec=len(text)))
    return value


def parse_body(body: str) -> Any:
    # NaN and Infinity are JavaScript, not JSON, and DynamoDB cannot hold them.
    return json.loads(body, parse_float=parse_number, parse_int=parse_number, parse_constant=_reject_constant)


class _Number:
    """What scan_body makes of every number: one shared object, not a Decimal each."""

    __slots__ = ()


NUMBER = _Number()


class NumberText(str):
    """A number's JSON text, as exact_value reads it (for a large body keyed by a number)."""

    __slots__ = ()


def _any_number(_text: str) -> _Number:
    return NUMBER


def scan_body(body: str) -> Any:
    """Parse a body only to see its shape (an object, its key, its names), as
    cheaply as JSON allows: every number is the shared NUMBER, so a body of
    millions of numbers costs a pointer each instead of a Decimal each. For
    bodies too large for an item, which go to S3 as they are."""
    return json.loads(body, parse_float=_any_number, parse_int=_any_number, parse_constant=_reject_constant)


# Walking a JSON text that json.loads accepted, one value at a time (sources.exact_number_at).
# raw_decode parses exactly one value where it starts: the scanning decoder makes
# every number the shared NUMBER, the exact one keeps a number's text.
_SCANNING = json.JSONDecoder(parse_float=_any_number, parse_int=_any_number, parse_constant=_reject_constant)
_EXACT = json.JSONDecoder(parse_float=NumberText, parse_int=NumberText, parse_constant=_reject_constant)
_JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")  # RFC 8259's whitespace, nothing else


def json_whitespace_end(text: str, index: int) -> int:
    match = _JSON_WHITESPACE.match(text, index)
    assert match is not None  # the pattern matches the empty string
    return match.end()


def skip_value(text: str, index: int) -> int:
    """Where the value starting at `index` ends, and its whitespace after it."""
    _, end = _SCANNING.raw_decode(text, index)
    return json_whitespace_end(text, end)


def exact_value(text: str, index: int) -> tuple[Any, int]:
    """The value starting at `index`, numbers as their text (NumberText), and where it ends."""
    return _EXACT.raw_decode(text, index)


def member_start(text: str, index: int, name: str) -> int | None:
    """In the object opening at `index`: where the value of its last member `name` starts."""
    found = None
    index = json_whitespace_end(text, index + 1)
    if text.startswith("}", index):
        return None
    while True:
        member, index = _SCANNING.raw_decode(text, index)
        index = json_whitespace_end(text, json_whitespace_end(text, index) + 1)  # the ":" and around it
        if member == name:
            found = index
        index = skip_value(text, index)
        if text.startswith("}", index):
            return found
        index = json_whitespace_end(text, index + 1)  # the ","


def element_start(text: str, index: int, position: int) -> int | None:
    """In the array opening at `index`: where its element `position` starts."""
    index = json_whitespace_end(text, index + 1)
    if text.startswith("]", index):
        return None
    for _ in range(position):
        index = skip_value(text, index)
        if text.startswith("]", index):
            return None
        index = json_whitespace_end(text, index + 1)  # the ","
    return index


class TooDeep(Exception):
    """A map or list nested deeper than DynamoDB takes (MAX_NESTING_DEPTH)."""


def too_deep(attributes: Mapping[str, Any]) -> bool:
    """Whether a map or list nests past MAX_NESTING_DEPTH below the attributes (iterative, and it
    stops at the first: a hostile body never exhausts the stack)."""
    stack = [(value, 1) for value in attributes.values()]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_NESTING_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in (value.values() if isinstance(value, dict) else value))
    return False


def _number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0") or "0"
    significant = digits.split("E")[0].split("e")[0]
    return math.ceil(len(significant) / 2) + 1


def attribute_value_size(value: Mapping[str, Any]) -> int:
    """Bytes DynamoDB counts for one serialized AttributeValue (its documented rules)."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind == "N":
        return _number_size(inner)
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + attribute_value_size(element) for element in inner)
    if kind == "M":
        return 3 + sum(1 + len(name.encode("utf-8")) + attribute_value_size(element) for name, element in inner.items())
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_value_size({kind[0]: element}) for element in inner)
    raise ValueError(f"unknown attribute type {kind}")


def wire_and_size(value: Any, depth: int = 1) -> tuple[dict[str, Any], int]:
    """One value's AttributeValue and the bytes DynamoDB counts for it, in one pass: exactly what
    _serializer.serialize and attribute_value_size give (tests/test_records.py compares them), at a
    fraction of their cost for the types a JSON body holds (str, Decimal, int, bool, None, dict with
    text names, list); any other value goes through those two. `depth` is the value's level below
    the item's attributes (a top-level map is 1): a map or list past MAX_NESTING_DEPTH raises TooDeep
    before anything below it is visited, so a hostile body never runs deep."""
    kind = type(value)
    if (kind is dict or kind is list) and depth > MAX_NESTING_DEPTH:
        raise TooDeep
    if kind is str:
        return {"S": value}, len(value.encode("utf-8"))
    if kind is Decimal or kind is int:
        number = _serializer._serialize_n(value)
        return {"N": number}, _number_size(number)
    if kind is bool:
        return {"BOOL": value}, 1
    if value is None:
        return {"NULL": True}, 1
    if kind is dict and all(type(name) is str for name in value):
        members, size = {}, 3
        for name, element in value.items():
            members[name], element_size = wire_and_size(element, depth + 1)
            size += 1 + len(name.encode("utf-8")) + element_size
        return {"M": members}, size
    if kind is list:
        elements, size = [], 3
        for element in value:
            wire, element_size = wire_and_size(element, depth + 1)
            elements.append(wire)
            size += 1 + element_size
        return {"L": elements}, size
    wire = _serializer.serialize(value)
    return wire, attribute_value_size(wire)


def unstorable_number(attributes: Mapping[str, Any]) -> Exception | None:
    """The error a number of the attributes raises when serialised, if one does."""
    try:
        serialized(attributes)
    except (TypeError, ArithmeticError) as error:
        return error
    return None


def finish_item(message_id: str, partition_key: str, key: Any, attributes: dict[str, Any]) -> Item | Poison:
    """The checks DynamoDB will make of a keyed item: the key's type and size,
    nesting, numbers and the item's size."""

    def poison(reason: Reason, detail: str) -> Poison:
        return Poison(message_id, reason, detail)

    if not isinstance(key, str):
        return poison(Reason.INVALID_KEY, f"{partition_key!r} must be a string, got {type(key).__name__}")
    if not key:
        return poison(Reason.INVALID_KEY, f"{partition_key!r} is empty")
    if len(key.encode("utf-8")) > MAX_PARTITION_KEY_BYTES:
        return poison(Reason.INVALID_KEY, f"{partition_key!r} is over {MAX_PARTITION_KEY_BYTES} bytes")
    attributes = {**attributes, partition_key: key}
    wire: dict[str, Any] = {}
    size = 0
    try:
        for name, value in attributes.items():
            if type(value) is str:  # wire_and_size's text case, without its call: most top-level values are text
                wire[name], value_size = {"S": value}, len(value.encode("utf-8"))
            else:
                wire[name], value_size = wire_and_size(value)
            size += len(name.encode("utf-8")) + value_size
    except (TooDeep, TypeError, ArithmeticError, UnicodeEncodeError) as error:
        # One pass meets the faults in the order of the members; a body with several gets the reason
        # the checks gave in their own order: depth, then numbers, then text (the caller's, re-raised).
        if isinstance(error, TooDeep) or too_deep(attributes):  # the pass itself may have found it
            return poison(Reason.TOO_DEEP, f"maps and lists nest deeper than {MAX_NESTING_DEPTH} levels")
        number_error = error if isinstance(error, TypeError | ArithmeticError) else unstorable_number(attributes)
        if number_error is not None:
            # Decimal traps: more than 38 significant digits, or out of DynamoDB's range.
            return poison(Reason.UNSUPPORTED_VALUE, f"{type(number_error).__name__}: a number DynamoDB cannot store exactly")
        raise
    if size > MAX_ITEM_BYTES:
        return poison(Reason.TOO_LARGE, f"item is {size} bytes; DynamoDB's limit is {MAX_ITEM_BYTES}")
    return Item(message_id=message_id, key=key, attributes=attributes, wire=wire)
