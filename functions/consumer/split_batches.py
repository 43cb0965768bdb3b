"""A source whose body is a batch (split = "/pointer"): each element of the array there is its own item.

SendGrid posts an array of events, Adyen a list of notificationItems, Microsoft
Graph a `value` list, Okta `data.events`. Each element becomes an item of its
own, keyed by the source's event_key read inside the element (a pointer such as
/sg_event_id), or by the message's key (a header, @signed-content) and the
element's place in the array ("<key>#<index>").

Atomic with respect to retries: every element is judged before any is written
(one element that cannot be stored, or has no usable version with the ordering
guard, makes the whole message poison, nothing of it written), and the
elements' keys depend only on the message, so a message that comes back (a
write failed, a Lambda timed out) writes the same keys again: never an element
twice, never one lost. The message's outcome folds its
elements' (Writes.record_outcomes): any element to retry retries the message.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from event_keys import identifier
from work import Context, Work, own_attributes, poison, reserved_poison

from json_pointer import pointer_value
from ordering import version_poison
from pipeline import Outcome, Poison, Reason
from records import Item, finish_item
from sources import KEY_SEPARATOR, parsed_json

# An element's writer id: the record's id, this, and the element's index (never an SQS message id:
# those hold no '#').
ELEMENT_SEPARATOR = "#"


def element_id(message_id: str, index: int) -> str:
    return f"{message_id}{ELEMENT_SEPARATOR}{index}"


def judge_split(work: Work, context: Context) -> Outcome:
    """work.items: one item per element of the array at the source's split, or the poison
    that keeps the whole message from being stored."""
    rule = work.rule
    assert rule is not None and rule.split is not None
    if work.text is None:
        return poison(work, Reason.INVALID_UTF8, "the body is not UTF-8 (JSON is); it was not stored")
    document = parsed_json(work.text, work.message_id)
    if isinstance(document, Poison):
        return document
    elements = document if rule.split == "" else pointer_value(document, rule.split)
    if not isinstance(elements, list):
        return poison(work, Reason.NOT_AN_ARRAY, f"no array at {rule.split or 'the body'} to split")
    own = own_attributes(work, context)
    items = []
    for index, element in enumerate(elements):
        item = element_item(work, context, element, index, own)
        if isinstance(item, Poison):
            return Poison(work.message_id, item.reason, f"element {index}: {item.detail}")
        items.append(item)
    work.items = items
    return None


def element_item(work: Work, context: Context, element: Any, index: int, own: dict[str, Any]) -> Item | Poison:
    rule = work.rule
    assert rule is not None
    if not isinstance(element, dict):
        return poison(work, Reason.NOT_AN_OBJECT, f"a JSON {type(element).__name__}, expected an object")
    if (rejected := reserved_poison(work, element, context.spill_large)) is not None:
        return rejected
    if context.version_attribute is not None and (
        unordered := version_poison(work.message_id, element, context.version_attribute)
    ):
        return unordered  # now, before any element is written (the writer's check comes after)
    key = identifier(rule, work, element)  # a pointer reads the element; a header or the signed content, the message
    if isinstance(key, Poison):
        return key
    if not rule.event_key.startswith("/"):
        key = f"{key}{KEY_SEPARATOR}{index}"
    try:
        item = finish_item(element_id(work.message_id, index), context.partition_key, rule.key_prefix + key, {**element, **own})
    except UnicodeEncodeError:
        return poison(work, Reason.INVALID_UNICODE, "a string or name holds a lone UTF-16 surrogate (U+D800-U+DFFF)")
    if isinstance(item, Poison):
        return item
    return replace(item, record_id=work.message_id)
