"""Clients for the emulator, and the ARNs the runner derives."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

REGION = "us-east-1"
# moto accepts any keys; these can never authenticate against real AWS.
DUMMY_KEY = "testing"


def aws_client(service: str, endpoint: str, config: Config | None = None) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=DUMMY_KEY,
        aws_secret_access_key=DUMMY_KEY,
        config=config,
    )


# A poller retries in its own loop; botocore's legacy retries of a refused connection
# (up to 5 attempts, backing off to about 15 s) only delay its stop once the emulator
# is gone (a terminal's Ctrl-C stops moto_server first). Standard mode: 3 attempts,
# at most about 3 s.
POLLER_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3})


def queue_arn_from_url(url: str) -> str:
    account, name = url.rstrip("/").split("/")[-2:]
    return f"arn:aws:sqs:{REGION}:{account}:{name}"
