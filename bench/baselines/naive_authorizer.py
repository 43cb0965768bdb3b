"""Baseline: the authorizer a reader would write first (and the CDK sample's shape).

Fetches the secret from Secrets Manager on every call and compares with ==.
"""

import base64
import json
import os

import boto3

client = boto3.client("secretsmanager")


def handler(event, context):
    header = (event.get("headers") or {}).get("authorization", "")
    secret = json.loads(client.get_secret_value(SecretId=os.environ["SECRET_ARN"])["SecretString"])
    try:
        username, password = base64.b64decode(header.split(" ", 1)[1]).decode().split(":", 1)
    except (IndexError, ValueError):
        return {"isAuthorized": False}
    return {"isAuthorized": username == secret["username"] and password == secret["password"]}
