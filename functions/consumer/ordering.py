"""The ordering guard's versions: read from the body, compared only when alike.

A standard queue delivers in no particular order and a redrive brings old
messages back, so "the last write" is only the last to arrive. With a version
attribute (a sequence number, or a timestamp such as ISO 8601 `updatedAt`
that sorts as text), an item is replaced only by a greater version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from records import Item, Poison

Version = Decimal | str


def version_type(value: Any) -> str | None:
    """DynamoDB's type letter for a usable version: "N" for a number, "S" for a
    non-empty string; None for anything that has no order (bool, null, map, list)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (Decimal, int)):
        return "N"
    if isinstance(value, str) and value:
        return "S"
    return None


def stored_version_type(attribute_value: Mapping[str, Any] | None) -> str | None:
    """The type letter of a stored version in DynamoDB's wire form ({"N": "3"})."""
    if not isinstance(attribute_value, Mapping) or len(attribute_value) != 1:
        return None
    (kind,) = attribute_value
    return str(kind)


def comparable(version: Any, stored_type: str) -> bool:
    return version_type(version) == stored_type


def version_poison(message_id: str, attributes: Mapping[str, Any], attribute: str) -> Poison | None:
    """Poison when the attributes hold no usable version: none, or one without an order."""
    value = attributes.get(attribute)
    if value is None:
        return Poison(message_id, "missing_version", f"no {attribute!r} attribute (ordering guard)")
    if version_type(value) is None:
        return Poison(
            message_id, "invalid_version", f"{attribute!r} must be a number or a non-empty string, got {type(value).__name__}"
        )
    return None


def with_versions(items: Iterable[Item], attribute: str) -> tuple[list[Item], list[Poison]]:
    """Each item with its version set, or poison: a message without a version
    cannot be ordered, and versions of one key in one batch must be alike."""
    kept: list[Item] = []
    poisoned: list[Poison] = []
    kind_per_key: dict[str, str] = {}
    for item in items:
        value = item.attributes.get(attribute)
        kind = version_type(value)
        if (unusable := version_poison(item.message_id, item.attributes, attribute)) is not None:
            poisoned.append(unusable)
        elif kind_per_key.setdefault(item.key, kind) != kind:
            detail = f"{attribute!r} is a {'number' if kind == 'N' else 'string'} here and not in another message for this key"
            poisoned.append(Poison(item.message_id, "version_not_comparable", detail))
        else:
            kept.append(replace(item, version=value))
    return kept, poisoned
