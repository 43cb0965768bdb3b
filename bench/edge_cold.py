"""The edge function's cold start against the boto3 floor, each in a fresh interpreter, against moto_server.

Ours: import the function's package (functions/front and functions/shared copied
into one folder without bytecode, as packages/front.zip holds them; Lambda
compiles a zip's modules on each cold start, PYTHONDONTWRITEBYTECODE keeps it
so), then serve the first request (boto3 imported, clients created, the signing
secret read for the signed route, one SendMessage). The floor: import boto3,
create an SQS client and send one message, which is what the function cannot
avoid. Neither counts the interpreter's own start nor Lambda's sandbox set-up,
which are the same for any Python function. As bench/cold_start.py, on 127.0.0.1.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import boto3
from edge import DIRECT_ROUTE, GITHUB_SECRET, SIGNED_ROUTE, body_of, proxy_event, routes

from harness import ROOT

EDGE_CODE = """
import json, sys, time
sys.path.insert(0, {package!r})
started = time.perf_counter()
import app
imported = time.perf_counter()
answer = app.handler(json.loads({event!r}), None)
served = time.perf_counter()
assert answer["statusCode"] == 200, answer
print(imported - started, served - started)
"""
FLOOR_CODE = """
import time
started = time.perf_counter()
import boto3
imported = time.perf_counter()
boto3.client("sqs").send_message(QueueUrl={queue_url!r}, MessageBody={body!r})
served = time.perf_counter()
print(imported - started, served - started)
"""


def package(work: Path) -> Path:
    """The front package's files (the zip's layout: the function's root and functions/shared side by side)."""
    target = work / "front"
    target.mkdir()
    for folder in (ROOT / "functions" / "front", ROOT / "functions" / "shared"):
        for path in folder.iterdir():
            if path.suffix in (".py", ".json"):
                shutil.copy(path, target / path.name)
    return target


def run_fresh(code: str, env: dict[str, str]) -> tuple[float, float]:
    """(import ms, import + first request ms) in a fresh interpreter; what the function logs is discarded."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    imported, served = (float(value) * 1000 for value in done.stdout.split()[-2:])
    return imported, served


def summary(runs: list[tuple[float, float]]) -> dict[str, Any]:
    imports, totals = [run[0] for run in runs], [run[1] for run in runs]
    return {
        "import_ms": statistics.median(imports),
        "total_ms": statistics.median(totals),
        "min_ms": min(totals),
        "max_ms": max(totals),
        "runs": len(runs),
    }


def bench_cold(runs: int = 5) -> dict[str, Any]:
    """Median import and first-request ms of the edge's direct and signed routes and of the floor, interleaved."""
    from emulator import emulator_env, running_moto_server

    with tempfile.TemporaryDirectory() as folder, running_moto_server(Path(folder) / "moto.log") as endpoint:
        work = Path(folder)
        env = {**emulator_env(endpoint), "PYTHONDONTWRITEBYTECODE": "1"}
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
        queue_url = sqs.create_queue(QueueName="bench-edge-cold")["QueueUrl"]
        secrets = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1")
        secret_arn = secrets.create_secret(Name="github", SecretString=GITHUB_SECRET)["ARN"]
        env.update(QUEUE_URL=queue_url, ROUTES=json.dumps(routes(secret_arn)), METRICS_NAMESPACE="Bench/edge")
        front = str(package(work))
        results: dict[str, list[tuple[float, float]]] = {"direct": [], "edge": [], "edge_signed": []}
        for index in range(runs):
            body = body_of(index)
            results["direct"].append(run_fresh(FLOOR_CODE.format(queue_url=queue_url, body=body.decode()), env))
            for name, route in (("edge", DIRECT_ROUTE), ("edge_signed", SIGNED_ROUTE)):
                event = json.dumps(proxy_event(route, body, index, name == "edge_signed"))
                results[name].append(run_fresh(EDGE_CODE.format(package=front, event=event), env))
    return {name: summary(values) for name, values in results.items()}
