"""The SQS-SendMessage integration: request parameters evaluated, then what SQS itself would refuse."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from .aws import queue_arn_from_url
from .routing import Route, evaluate_parameter
from .undocumented import Undocumented

# The characters SQS accepts in a message body and in attribute values
# (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
NOT_ALLOWED_BY_SQS = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def sqs_refusal(arguments: Mapping[str, Any]) -> dict | None:
    """What AWS's SQS answers (and moto does not) for a body with characters it
    does not accept, or an attribute whose string value is empty."""
    if NOT_ALLOWED_BY_SQS.search(arguments["MessageBody"]):
        message = (
            "Invalid binary character in the message body. "
            "Allowed: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        )
        return {"Error": {"Code": "InvalidMessageContents", "Message": message}}
    for name, attribute in (arguments.get("MessageAttributes") or {}).items():
        if attribute.get("DataType") == "String" and not attribute.get("StringValue"):
            message = f"Message (user) attribute '{name}' must contain a non-empty value of type 'String'."
            return {"Error": {"Code": "InvalidParameterValue", "Message": message}}
    return None


class DuplicateKey(ValueError):
    pass


def _object_reader(duplicate_keys: str):
    """json's object_pairs_hook for the "duplicate_keys" switch (undocumented.py), at every depth."""

    def read(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        if duplicate_keys == "last":
            return dict(pairs)  # Python's own rule
        found: dict[str, Any] = {}
        for key, value in pairs:
            if key not in found:
                found[key] = value
            elif duplicate_keys == "reject":
                raise DuplicateKey(key)
        return found

    return read


_ATTRIBUTE_MEMBERS = {"DataType", "StringValue", "BinaryValue"}


def message_attributes(text: str, duplicate_keys: str) -> dict[str, Any] | None:
    """The evaluated `MessageAttributes` parameter as SendMessage takes it, or None where the
    integration cannot use it (not JSON, a duplicate key under "reject", or not a map of
    {DataType, StringValue|BinaryValue} strings): API Gateway then answers 500."""
    try:
        attributes = json.loads(text, object_pairs_hook=_object_reader(duplicate_keys))
    except ValueError:  # a header value broke the JSON it was interpolated into, or a duplicate key was refused
        return None
    if not isinstance(attributes, dict):
        return None
    for attribute in attributes.values():
        if not isinstance(attribute, dict) or not set(attribute) <= _ATTRIBUTE_MEMBERS or len(attribute) != 2:
            return None
        if not all(isinstance(member, str) for member in attribute.values()) or "DataType" not in attribute:
            return None
    return attributes


class SqsIntegration:
    """FrontDoor's SQS integrations (a mixin: FrontDoor holds the client and the size cache)."""

    sqs: Any
    undocumented: Undocumented
    _size_limits: dict[str, int]

    def integrate(
        self,
        route: Route,
        headers: Mapping[str, str],
        body: str,
        context: Mapping[str, str],
        query: Mapping[str, str] | None = None,
        path: Mapping[str, str] | None = None,
    ) -> tuple[int, dict]:
        integration = route.integration
        if integration.get("IntegrationSubtype") != "SQS-SendMessage":
            return 500, {"message": f"integration {integration.get('IntegrationSubtype')} is not emulated"}
        escaped = self.undocumented.header_interpolation == "escaped"
        parameters = {
            # Only MessageAttributes is a JSON template; the switch says whether sender values are escaped in it.
            name: evaluate_parameter(template, body, headers, context, query, path, escaped and name == "MessageAttributes")
            for name, template in integration["RequestParameters"].items()
        }
        arguments: dict[str, Any] = {"QueueUrl": parameters["QueueUrl"], "MessageBody": parameters.get("MessageBody", "")}
        if "MessageAttributes" in parameters:
            attributes = message_attributes(parameters["MessageAttributes"], self.undocumented.duplicate_keys)
            if attributes is None:
                return 500, {"message": "Internal Server Error"}
            arguments["MessageAttributes"] = attributes
        for optional in ("DelaySeconds", "MessageGroupId", "MessageDeduplicationId"):
            if optional in parameters:
                arguments[optional] = int(parameters[optional]) if optional == "DelaySeconds" else parameters[optional]
        if not arguments["MessageBody"]:
            # AWS's SQS refuses an empty body (moto accepts it): answer as API Gateway relays SQS's error.
            return 400, {"Error": {"Code": "MissingParameter", "Message": "The request must contain the parameter MessageBody."}}
        refused = sqs_refusal(arguments) or self.message_too_large(arguments)
        if refused is not None:
            return 400, refused
        integration_role = integration["_policy"]
        if not integration_role.allows("sqs:SendMessage", queue_arn_from_url(arguments["QueueUrl"])):
            return 500, {"message": "Internal Server Error"}  # API Gateway cannot assume a role that may not send
        try:
            response = self.sqs.send_message(**arguments)
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
            return status, {
                "Error": {"Code": error.response["Error"].get("Code"), "Message": error.response["Error"].get("Message")}
            }
        except ParamValidationError:  # a request SendMessage cannot take: API Gateway's mapping error
            return 500, {"message": "Internal Server Error"}
        result = {key: response[key] for key in ("MessageId", "MD5OfMessageBody", "MD5OfMessageAttributes") if key in response}
        return 200, {
            "SendMessageResponse": {
                "ResponseMetadata": {"RequestId": response.get("ResponseMetadata", {}).get("RequestId", context["requestId"])},
                "SendMessageResult": {**result, "SequenceNumber": None, "MD5OfMessageSystemAttributes": None},
            }
        }

    def message_too_large(self, arguments: Mapping[str, Any]) -> dict | None:
        """SQS's answer to a message over the queue's MaximumMessageSize, which
        counts the attributes too (their names, types and values); moto only
        counts the body."""
        size = len(arguments["MessageBody"].encode("utf-8"))
        for name, attribute in (arguments.get("MessageAttributes") or {}).items():
            value = attribute.get("StringValue") or attribute.get("BinaryValue") or ""
            size += sum(
                len(part.encode("utf-8")) if isinstance(part, str) else len(part) for part in (name, attribute["DataType"], value)
            )
        limit = self.maximum_message_size(arguments["QueueUrl"])
        if size <= limit:
            return None
        message = f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes."
        return {"Error": {"Code": "InvalidParameterValue", "Message": message}}

    def maximum_message_size(self, queue_url: str) -> int:
        if queue_url not in self._size_limits:
            attributes = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["MaximumMessageSize"])["Attributes"]
            self._size_limits[queue_url] = int(attributes["MaximumMessageSize"])
        return self._size_limits[queue_url]
