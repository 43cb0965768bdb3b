"""Cold start: import time in a fresh interpreter, package size, and the first event served against moto_server."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import boto3

from consumer_bench import sqs_records
from harness import CREDENTIALS, ROOT, spread


def import_seconds(directory: Path, module: str) -> list[float]:
    code = (
        f"import sys, time; sys.path.insert(0, {str(directory)!r}); "
        f"t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    )
    env = {**os.environ, "TABLE_NAME": "t", "SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:x"}
    return [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout)
        for _ in range(20)
    ]


def unpacked(work: Path, name: str) -> tuple[Path, Path]:
    """(our package extracted from its zip, a folder holding the naive baseline as naive.py)."""
    target = work / name
    with zipfile.ZipFile(ROOT / "packages" / f"{name}.zip") as archive:
        archive.extractall(target)
    naive = work / f"naive_{name}"
    naive.mkdir()
    (naive / "naive.py").write_text((ROOT / "bench" / "baselines" / f"naive_{name}.py").read_text())
    return target, naive


def bench_cold_start() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for name in ("authorizer", "consumer"):
            target, naive = unpacked(Path(work), name)
            ours = import_seconds(target, "app")
            theirs = import_seconds(naive, "naive")
            rows.append(
                {
                    "function": name,
                    "ours_import_ms": spread([s * 1000 for s in ours]),
                    "naive_import_ms": spread([s * 1000 for s in theirs]),
                    "zip_bytes": (ROOT / "packages" / f"{name}.zip").stat().st_size,
                }
            )
    return rows


FIRST_EVENT_CODE = """
import json, sys, time
sys.path[:0] = {paths!r}
started = time.perf_counter()
{body}
print(time.perf_counter() - started)
"""


def first_event_seconds(paths: list[str], body: str, env: dict[str, str], runs: int) -> list[float]:
    code = FIRST_EVENT_CODE.format(paths=paths, body=body)
    return [
        float(
            subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout.split()[-1]
        )
        for _ in range(runs)
    ]


def bench_first_event(runs: int = 10) -> list[dict]:
    """Cold start as a user feels it: a fresh interpreter imports the handler and serves
    its first event (boto3 imported, clients created, one real call) against moto_server
    on 127.0.0.1; the floor imports boto3 and creates the same clients, nothing else."""
    from emulator import emulator_env, running_moto_server

    rows = []
    with tempfile.TemporaryDirectory() as work, running_moto_server(Path(work) / "moto.log") as endpoint:
        env = {**emulator_env(endpoint), "PYTHONDONTWRITEBYTECODE": "1"}
        dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
        dynamodb.create_table(
            TableName="events",
            KeySchema=[{"AttributeName": "eventId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "eventId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
        dlq_url = sqs.create_queue(QueueName="events-dlq")["QueueUrl"]
        secrets = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1")
        secret_arn = secrets.create_secret(Name="creds", SecretString=json.dumps(CREDENTIALS))["ARN"]
        env.update(TABLE_NAME="events", DEAD_LETTER_QUEUE_URL=dlq_url, SECRET_ARN=secret_arn)
        header = "Basic " + base64.b64encode(f"{CREDENTIALS['username']}:{CREDENTIALS['password']}".encode()).decode()
        events = {
            "consumer": {"Records": sqs_records(1, 0)},
            "authorizer": {"headers": {"authorization": header}, "requestContext": {"requestId": "r"}},
        }
        floors = {
            "consumer": 'import boto3; boto3.resource("dynamodb").Table("events"); boto3.client("sqs")',
            "authorizer": 'import boto3; boto3.client("secretsmanager")',
        }
        context = "class C:\n    function_name = 'bench'\n    def get_remaining_time_in_millis(self): return 60000"
        for name in ("authorizer", "consumer"):
            target, naive = unpacked(Path(work), name)
            serve = "{context}\nimport {module}\n{module}.handler(json.loads({event!r}), C())"
            event = json.dumps(events[name])
            ours = first_event_seconds([str(target)], serve.format(context=context, module="app", event=event), env, runs)
            theirs = first_event_seconds([str(naive)], serve.format(context=context, module="naive", event=event), env, runs)
            floor = first_event_seconds([], floors[name], env, runs)
            rows.append(
                {
                    "function": name,
                    "ours_ms": spread([value * 1000 for value in ours]),
                    "naive_ms": spread([value * 1000 for value in theirs]),
                    "floor_ms": spread([value * 1000 for value in floor]),
                }
            )
    return rows
