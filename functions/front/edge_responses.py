"""What the edge answers: API Gateway Lambda proxy responses (payload 2.0).

Every refusal has a fixed body (never the request's content): the JSON
{"message": ...} of earlier releases, with the signature's reason on a 401.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from edge_messages import Response


def answer(status: int, document: Mapping[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(document)}


def refused(status: int, message: str) -> dict[str, Any]:
    return answer(status, {"message": message})


def unauthorized(reason: str) -> dict[str, Any]:
    return answer(401, {"message": "Unauthorized", "reason": reason})


NOT_FOUND = refused(404, "Not Found")
METHOD_NOT_ALLOWED = refused(405, "Method Not Allowed")
INTERNAL_ERROR = refused(500, "Internal Server Error")
# The sender's published keys could not be fetched (key_documents.KeysUnavailable): nothing is kept,
# and the sender retries, as genuine senders do on a 5xx. A request cannot make us keep a forgery by
# naming a key or a certificate that cannot be fetched.
KEYS_UNAVAILABLE = {**refused(503, "Service Unavailable"), "headers": {"content-type": "application/json", "retry-after": "60"}}
NO_BODY = refused(400, "The request has no body.")
NOT_UTF8 = refused(400, "The body is not UTF-8: a direct route queues text.")
NOT_QUEUEABLE = refused(400, "The request holds characters SQS does not accept.")
TOO_LARGE = refused(413, "The body and its attributes exceed the queue's message size.")


def handshake_answer(response: Response) -> dict[str, Any]:
    """A preset's answer as it built it: status, headers and the (ASCII) body, unchanged."""
    return {
        "statusCode": response.status,
        "headers": dict(response.headers),
        "body": response.body.decode("ascii"),
        "isBase64Encoded": False,
    }
