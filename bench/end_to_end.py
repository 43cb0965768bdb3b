"""End to end through the local stack (moto_server): accepted/s, time until stored, delivery lag."""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def paced(send, rate: float, count: int, first_index: int) -> list[int]:
    """`count` requests at a fixed `rate` per second (an offered load, not a burst)."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.monotonic()
    futures = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        for index in range(count):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(send, first_index + index))
    return [future.result() for future in futures]


def delivery_lags(log: str) -> list[float]:
    """Every DeliveryLagMs value the consumer wrote (its EMF lines)."""
    values: list[float] = []
    for line in log.splitlines():
        if '"DeliveryLagMs"' in line:
            values.extend(json.loads(line)["DeliveryLagMs"])
    return values


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": pick(0.50), "p90": pick(0.90), "p99": pick(0.99), "max": ordered[-1]}


def basic_sender(url: str, header: str):
    """A client posting one event per index to /submit; answers the HTTP status."""
    import urllib.request

    def send(index: int) -> int:
        body = json.dumps({"eventId": f"bench-{index}", "n": index}).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback
            url + "/submit", data=body, headers={"authorization": header}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status

    return send


def measure(stack, outputs: dict, send, requests: int, clients: int, offered_rps: float, paced_requests: int) -> dict:
    """A burst, then a steady offered load with the consumer's own DeliveryLagMs for it."""
    from concurrent.futures import ThreadPoolExecutor

    devnull = open(os.devnull, "w")  # noqa: SIM115
    stdout, sys.stdout = sys.stdout, devnull
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            statuses = list(pool.map(send, range(requests)))
        accepted = time.monotonic() - started
        drained = stack.wait_until_drained([outputs["sqs_queue_url"]], 300)
        stored = time.monotonic() - started
        # Then a steady offered load, and the consumer's own DeliveryLagMs for it.
        consumer = f"{outputs['consumer_lambda_function_name']}"
        logged_before = len(stack.function_log(consumer))
        paced_statuses = paced(send, offered_rps, paced_requests, first_index=requests)
        stack.wait_until_drained([outputs["sqs_queue_url"]], 300)
        lags = delivery_lags(stack.function_log(consumer)[logged_before:])
    finally:
        sys.stdout = stdout
        devnull.close()
    return {
        "requests": requests,
        "clients": clients,
        "accepted_per_second": requests / accepted,
        "seconds_until_last_stored": stored if drained else None,
        "non_200": sum(status != 200 for status in statuses) + sum(status != 200 for status in paced_statuses),
        "offered_rps": offered_rps,
        "paced_requests": paced_requests,
        "lag_ms": percentiles(lags),
        "lag_values": len(lags),
    }


def bench_end_to_end(requests: int, clients: int, offered_rps: float = 10.0, paced_requests: int = 200) -> dict:
    import local_runner
    from emulator import running_moto_server
    from local_terraform import LocalDeployment

    with tempfile.TemporaryDirectory() as work, running_moto_server(Path(work) / "moto.log") as endpoint:
        deployment = LocalDeployment(endpoint, Path(work) / "state", name="bench-hooks")
        try:
            outputs = deployment.apply()
            stack = local_runner.start(endpoint, outputs["apigatewayv2_api_id"])
            secret = json.loads(
                local_runner.aws_client("secretsmanager", endpoint).get_secret_value(
                    SecretId=outputs["secretsmanager_secret_arn"]
                )["SecretString"]
            )
            header = "Basic " + base64.b64encode(f"{secret['username']}:{secret['password']}".encode()).decode()
            result = measure(stack, outputs, basic_sender(stack.url, header), requests, clients, offered_rps, paced_requests)
            stack.stop()
            return result
        finally:
            deployment.destroy()
