"""A latency model for `make bench`: each AWS call the functions make waits a
realistic round trip before moto answers.

In-process moto answers in microseconds and spends CPU instead, so without a
model a benchmark measures moto, not the consumer; on AWS every call costs
network time and what matters is how many calls a batch makes and whether they
overlap. One table, one place to change a number.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import boto3


@dataclass(frozen=True)
class RoundTrip:
    milliseconds: float
    source: str


# service (botocore's event name) -> modelled round trip per request, with where it comes from (read 2026-11-28)
ROUND_TRIPS = {
    "dynamodb": RoundTrip(
        8.0,
        "Amazon DynamoDB Developer Guide, 'What is Amazon DynamoDB?': 'single-digit millisecond' performance; "
        "8 ms models a batch write from Lambda in the same Region, above the typical median",
    ),
    "sqs": RoundTrip(
        20.0,
        "Amazon SQS Developer Guide, 'Increasing throughput using horizontal scaling and action batching': "
        "typical SendMessage/ReceiveMessage/DeleteMessage latencies are 'in the tens or low hundreds of milliseconds'",
    ),
    "secrets-manager": RoundTrip(
        20.0,
        "no published figure: an assumption of the same order as SQS (the functions cache the secret, so it rarely matters)",
    ),
}


class LatencyModel:
    """Registered on boto3's default session: every client made from it (the
    functions' own) sleeps its service's round trip before each request."""

    def __init__(self, round_trips: dict[str, RoundTrip] = ROUND_TRIPS) -> None:
        self.round_trips = round_trips
        self.calls = 0
        self._lock = threading.Lock()

    def _wait(self, event_name: str, **_: object) -> None:
        service = event_name.split(".")[1]
        trip = self.round_trips.get(service)
        if trip is not None:
            with self._lock:
                self.calls += 1
            time.sleep(trip.milliseconds / 1000)

    def install(self) -> None:
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session(region_name="us-east-1")
        # First: moto answers in before-send too, and the first answer wins.
        boto3.DEFAULT_SESSION.events.register_first("before-send", self._wait)

    def uninstall(self) -> None:
        if boto3.DEFAULT_SESSION is not None:
            boto3.DEFAULT_SESSION.events.unregister("before-send", self._wait)


def table() -> list[str]:
    lines = ["| service | modelled round trip | source |", "|---|---:|---|"]
    lines += [f"| {service} | {trip.milliseconds:.0f} ms | {trip.source} |" for service, trip in ROUND_TRIPS.items()]
    return lines
