"""Baseline: the consumer a reader would write first (and the CDK sample's shape).

One PutItem per record, floats parsed as Decimal only so boto3 accepts them at all,
and any error fails the whole batch (no partial batch response).
"""

import json
import os
from decimal import Decimal

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    for record in event["Records"]:
        table.put_item(Item=json.loads(record["body"], parse_float=Decimal))
    return {}
