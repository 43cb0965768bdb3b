"""records.wire_and_size: the item's DynamoDB wire form and size in one pass, checked against
boto3's own TypeSerializer (with the module's range checks) and the documented size rules
(records.attribute_value_size), on the values a JSON body holds and on the others."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary

from records import TooDeep, _serializer, attribute_value_size, finish_item, parse_body, wire_and_size

NUMBERS = ["0", "-0", "1", "-1", "0.1", "1.50", "1E+100", "1e-130", "9.99e125", "123456789012345678901234567890123456.78"]
VALUES = [
    "",
    "plain",
    "Zoë ✓ 😀",
    True,
    False,
    None,
    7,
    -(2**70),
    *(Decimal(number) for number in NUMBERS),
    [],
    {},
    {"a": [1, {"b": None, "c": [True, "x"]}], "ü": Decimal("2.5")},
    [[[]], {"": ""}],
    # Not from JSON: the slow path, by the same two functions.
    {"tags"},
    {Decimal(1), Decimal(2)},
    b"\x00\xff",
    Binary(b"bin"),
    ("tuple", 1),
]


def expected(value):
    wire = _serializer.serialize(value)
    return wire, attribute_value_size(wire)


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_each_kind_of_value_is_what_boto3_serialises_with_its_documented_size(value):
    assert wire_and_size(value) == expected(value)


def test_random_json_documents_agree():
    generator = random.Random(21)

    def document(depth: int):
        roll = generator.random()
        if depth > 4 or roll < 0.3:
            # Floats as JSON writes them: parse_body reads each as an exact Decimal.
            return generator.choice(["s", "Zoë", 3, -12, True, None, 1.25, 1e5, 0.001, -7.5e-20])
        if roll < 0.65:
            return {f"k{generator.randrange(50)}": document(depth + 1) for _ in range(generator.randrange(5))}
        return [document(depth + 1) for _ in range(generator.randrange(5))]

    for _ in range(300):
        text = json.dumps({"id": "x", "body": document(0)})
        parsed = parse_body(text)
        assert wire_and_size(parsed) == expected(parsed)


@pytest.mark.parametrize("number", ["1E+126", "1E-131", "1.000000000000000000000000000000000000001"])
def test_a_number_dynamodb_cannot_store_exactly_is_refused_alike(number):
    for convert in (wire_and_size, _serializer.serialize):
        with pytest.raises(ArithmeticError):
            convert({"n": Decimal(number)})


def test_a_float_is_refused_alike():
    for convert in (wire_and_size, _serializer.serialize):
        with pytest.raises(TypeError):
            convert([1.5])


def nested(levels: int) -> dict:
    value: object = "leaf"
    for _ in range(levels):
        value = [value]
    return {"a": value}


def test_nesting_stops_at_dynamodbs_depth_before_going_deeper():
    """32 levels of maps and lists below the attributes are DynamoDB's limit: 32 is written, 33 is not,
    and 900 (as deep as JSON parses) is refused as quickly, never visited to the bottom."""
    wire_and_size(nested(32)["a"])
    for levels in (33, 900):
        with pytest.raises(TooDeep):
            wire_and_size(nested(levels)["a"])
    assert finish_item("m1", "eventId", "k", nested(33)).reason == "too_deep"
    assert finish_item("m1", "eventId", "k", nested(32)).key == "k"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"a": 1e200, "b": ' + "[" * 33 + "]" * 33 + "}", "too_deep"),
        ('{"a": "\\ud800", "b": 1e200}', "unsupported_value"),
        ('{"a": {"\\ud800": 1}, "b": ' + "[" * 33 + "]" * 33 + "}", "too_deep"),
        ('{"b": ' + "[" * 33 + "]" * 33 + ', "a": 1e200}', "too_deep"),
        ('{"a": "\\ud800", "b": 1}', UnicodeEncodeError),  # the caller's invalid_unicode
    ],
)
def test_a_body_with_several_faults_gets_the_reason_of_the_first_check(body, reason):
    """The checks' order (depth, then numbers, then text) decides, not the order of the members:
    the reasons are metric dimensions and dead-letter attributes users alarm on."""
    attributes = parse_body(body)
    if isinstance(reason, str):
        assert finish_item("m1", "eventId", "k", attributes).reason == reason
    else:
        with pytest.raises(reason):
            finish_item("m1", "eventId", "k", attributes)
