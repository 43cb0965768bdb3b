"""The message attributes a webhook's queue message carries, named once for everything that writes or reads them.

API Gateway's SQS mapping (modules/api, root main.tf) writes them on a direct
route, the front function on a claim-check route, scripts/replay.py when it
sends an archived message again; the consumer reads them. A carried request
header is the attribute `header.<name>`, its value prefixed "h:" so that a
missing header still makes a non-empty attribute (SQS refuses empty ones).
"""

from __future__ import annotations

from contract import ATTRIBUTES

# The names are contract.json's: root main.tf builds the routes' mapping from the same file.
SOURCE_ATTRIBUTE: str = ATTRIBUTES["source"]
RECEIVED_AT_ATTRIBUTE: str = ATTRIBUTES["received_at"]  # API Gateway's receipt, Unix milliseconds
REQUEST_ID_ATTRIBUTE: str = ATTRIBUTES["request_id"]
PRINCIPAL_ATTRIBUTE: str = ATTRIBUTES["principal"]
DELIVERY_ATTRIBUTE: str = ATTRIBUTES["delivery"]
REPLAY_ATTRIBUTE: str = ATTRIBUTES["replay_of"]
HEADER_ATTRIBUTE_PREFIX: str = ATTRIBUTES["header_prefix"]
HEADER_VALUE_PREFIX: str = ATTRIBUTES["header_value_prefix"]
# SQS takes at most this many attributes on one message.
MAX_MESSAGE_ATTRIBUTES: int = ATTRIBUTES["sqs_limit"]


def carried_header(name: str, value: str) -> tuple[str, str]:
    """(attribute name, attribute value) of a request header, as the routes carry it."""
    return HEADER_ATTRIBUTE_PREFIX + name, HEADER_VALUE_PREFIX + value
