"""Clients for the emulator, and the ARNs the runner derives."""

from __future__ import annotations

from typing import Any

import boto3

REGION = "us-east-1"
# moto accepts any keys; these can never authenticate against real AWS.
DUMMY_KEY = "testing"


def aws_client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=DUMMY_KEY, aws_secret_access_key=DUMMY_KEY
    )


def queue_arn_from_url(url: str) -> str:
    account, name = url.rstrip("/").split("/")[-2:]
    return f"arn:aws:sqs:{REGION}:{account}:{name}"
