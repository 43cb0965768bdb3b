"""The message attributes a webhook's queue message carries, named once for everything that writes or reads them.

API Gateway's SQS mapping (modules/api, root main.tf) writes them on a direct
route, the front function on a claim-check route, scripts/replay.py when it
sends an archived message again; the consumer reads them. A carried request
header is the attribute `header.<name>`, its value prefixed "h:" so that a
missing header still makes a non-empty attribute (SQS refuses empty ones).
"""

from __future__ import annotations

SOURCE_ATTRIBUTE = "source"
RECEIVED_AT_ATTRIBUTE = "receivedAt"  # API Gateway's receipt, Unix milliseconds
REQUEST_ID_ATTRIBUTE = "requestId"
PRINCIPAL_ATTRIBUTE = "principal"
HEADER_ATTRIBUTE_PREFIX = "header."
HEADER_VALUE_PREFIX = "h:"


def carried_header(name: str, value: str) -> tuple[str, str]:
    """(attribute name, attribute value) of a request header, as the routes carry it."""
    return HEADER_ATTRIBUTE_PREFIX + name, HEADER_VALUE_PREFIX + value
