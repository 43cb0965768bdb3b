#!/usr/bin/env python3
"""`make bench`: ours against naive baselines, measured side by side in one run.

Prints a Markdown table and writes the same figures to bench/results/<time>.json.
Every timing is repeated (ROUNDS) and reported as median and spread (min-max);
comparisons are ratios of figures measured in this run. AWS is moto (in-process
mock_aws, or moto_server on 127.0.0.1 for the end-to-end figure): absolute
throughputs are moto's, the call counts are what AWS would bill.
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

import boto3  # noqa: E402
from cost import CONSUMER_BATCH_SIZE, Deployment, cost_per_million  # noqa: E402
from memory import bench_memory  # noqa: E402
from memory import markdown as memory_markdown  # noqa: E402
from moto import mock_aws  # noqa: E402

from deliveries import bench_payloads  # noqa: E402
from deliveries import markdown as deliveries_markdown  # noqa: E402
from latency import LatencyModel  # noqa: E402
from latency import table as latency_table  # noqa: E402

ROUNDS = 5
RESULTS = ROOT / "bench" / "results"
CREDENTIALS = {"username": "webhook", "password": "correct horse battery staple"}


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def load(path: Path, name: str) -> ModuleType:
    # A package's root and the files every package gets (functions/shared), as in the zips.
    sys.path[:0] = [str(path.parent), str(ROOT / "functions" / "shared")]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class CallCounter:
    """Counts API calls by service and operation with a botocore hook (not by reading code)."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        boto3.setup_default_session(region_name="us-east-1")
        boto3.DEFAULT_SESSION.events.register("before-call", self._count)

    def _count(self, model, **_) -> None:
        self.calls[f"{model.service_model.endpoint_prefix}:{model.name}"] += 1

    def total(self, prefix: str) -> int:
        return sum(count for name, count in self.calls.items() if name.startswith(prefix))


class ByteCounter:
    """Stands in for stdout while a handler runs: counts the bytes it would log."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
        return len(text)

    def flush(self) -> None:
        pass


# Lambda's own START, END and REPORT lines per invocation (same for every variant).
PLATFORM_LOG_BYTES_PER_INVOCATION = 330


def fake_env() -> None:
    dummy = "testing"
    os.environ.update(AWS_ACCESS_KEY_ID=dummy, AWS_SECRET_ACCESS_KEY=dummy, AWS_DEFAULT_REGION="us-east-1")
    os.environ.pop("AWS_ENDPOINT_URL", None)


# --- 1. consumer ------------------------------------------------------------------------


def sqs_records(count: int, round_index: int) -> list[dict]:
    return [
        {
            "messageId": f"m-{round_index}-{i}",
            "receiptHandle": "r",
            "body": json.dumps(
                {"eventId": f"evt-{round_index}-{i}", "seq": i, "amount": 12.5, "items": [{"sku": "A", "qty": 2}]}
            ),
            # SentTimestamp: the consumer reports each stored message's lag (its log bytes count in the cost).
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
            "messageAttributes": {},
        }
        for i in range(count)
    ]


SIGNING_SECRET = "whsec_" + "ab" * 16


def source_records(count: int, round_index: int, signed: bool) -> list[dict]:
    """One source's messages as API Gateway queues them; signed by Stripe's own library (outside the timing)."""
    import stripe

    now = int(time.time())
    records = []
    for record in sqs_records(count, round_index):
        body = record["body"].replace('"eventId"', '"id"')
        attributes = {
            "source": {"stringValue": "shop", "dataType": "String"},
            "receivedAt": {"stringValue": str(now * 1000), "dataType": "String"},
        }
        if signed:
            header = stripe.WebhookSignature.generate_signature_header(body, SIGNING_SECRET, now)
            attributes["header.stripe-signature"] = {"stringValue": "h:" + header, "dataType": "String"}
        record.update(body=body, messageAttributes=attributes)
        record["attributes"]["SentTimestamp"] = str(now * 1000)
        records.append(record)
    return records


def sources_setting(signed: bool) -> str:
    """SOURCES for one source keyed by /id, signed with a secret created in the active mock."""
    source: dict = {"event_key": "/id"}
    if signed:
        arn = boto3.client("secretsmanager").create_secret(Name="shop-signing", SecretString=SIGNING_SECRET)["ARN"]
        source["signature"] = {"scheme": "stripe", "secret_arn": arn}
    return json.dumps({"shop": source})


class Context:
    function_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def bench_consumer(batch_sizes: list[int], latency: bool = False) -> list[dict]:
    """Throughput per variant; with `latency`, every AWS call waits its modelled round trip."""
    rows = []
    # variant -> the consumer's environment (naive: the baseline's)
    variants = {
        "ours last-write-wins": {"WRITE_MODE": "last-write-wins", "ORDERING_ATTRIBUTE": ""},
        "ours last-write-wins + ordering guard": {"WRITE_MODE": "last-write-wins", "ORDERING_ATTRIBUTE": "seq"},
        "ours first-write-wins": {"WRITE_MODE": "first-write-wins", "ORDERING_ATTRIBUTE": ""},
        # The price of verification: the same source, unsigned and signed (Stripe's scheme).
        "ours source, unsigned": {"WRITE_MODE": "last-write-wins", "ORDERING_ATTRIBUTE": "", "SOURCES": "unsigned"},
        "ours source, signed": {"WRITE_MODE": "last-write-wins", "ORDERING_ATTRIBUTE": "", "SOURCES": "signed"},
        "naive": {"WRITE_MODE": "", "ORDERING_ATTRIBUTE": ""},
    }
    if latency:  # the price of signatures is measured without the model
        variants = {name: env for name, env in variants.items() if "SOURCES" not in env}
    for batch_size in batch_sizes:
        for variant, environment in variants.items():
            seconds, requests_per_message, log_bytes = [], [], []
            for round_index in range(ROUNDS):
                with mock_aws():
                    counter = CallCounter()
                    model = LatencyModel()
                    if latency:
                        model.install()
                    boto3.resource("dynamodb").create_table(
                        TableName="events",
                        KeySchema=[{"AttributeName": "eventId", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "eventId", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST",
                    )
                    sources = environment.get("SOURCES")
                    os.environ.update(TABLE_NAME="events", **{k: v for k, v in environment.items() if k != "SOURCES"})
                    os.environ.pop("SOURCES", None)
                    if sources is not None:
                        os.environ["SOURCES"] = sources_setting(sources == "signed")
                    if variant == "naive":
                        module = load(
                            ROOT / "bench" / "baselines" / "naive_consumer.py", f"naive_consumer_{batch_size}_{round_index}"
                        )
                    else:
                        module = load(
                            ROOT / "functions" / "consumer" / "app.py", f"consumer_{batch_size}_{round_index}_{len(rows)}"
                        )
                    if sources is None:
                        records = sqs_records(batch_size, round_index)
                    else:
                        records = source_records(batch_size, round_index, sources == "signed")
                        # A warm container: the signing secret is cached (one read per TTL, not per batch).
                        module.signing_secrets().keys_for(module.load_config(os.environ).sources.values())
                    logged = ByteCounter()
                    stdout, sys.stdout = sys.stdout, logged
                    try:
                        before = counter.total("dynamodb:")
                        started = time.perf_counter()
                        module.handler({"Records": records}, Context())
                        seconds.append(time.perf_counter() - started)
                        requests_per_message.append((counter.total("dynamodb:") - before) / batch_size)
                        log_bytes.append(logged.bytes / batch_size)
                    finally:
                        sys.stdout = stdout
            os.environ.pop("SOURCES", None)
            throughput = [batch_size / s for s in seconds]
            rows.append(
                {
                    "batch_size": batch_size,
                    "variant": variant,
                    "latency_model": latency,
                    "messages_per_second": spread(throughput),
                    "ms_per_batch": statistics.median(seconds) * 1000,
                    "dynamodb_requests_per_message": statistics.median(requests_per_message),
                    "ms_per_message": statistics.median(seconds) * 1000 / batch_size,
                    "log_bytes_per_message": statistics.median(log_bytes),
                }
            )
    return rows


# --- 2. authorizer ----------------------------------------------------------------------


def bench_authorizer(calls: int) -> list[dict]:
    rows = []
    header = "Basic " + base64.b64encode(f"{CREDENTIALS['username']}:{CREDENTIALS['password']}".encode()).decode()
    basic_event = {"headers": {"authorization": header}, "requestContext": {"requestId": "r"}}
    token = "t" * 40
    token_event = {"queryStringParameters": {"token": token}, "requestContext": {"requestId": "r"}}
    for variant in ("ours", "ours token", "naive"):
        event = token_event if variant == "ours token" else basic_event
        secret = {"token": token} if variant == "ours token" else CREDENTIALS
        with mock_aws():
            counter = CallCounter()
            arn = boto3.client("secretsmanager").create_secret(Name="creds", SecretString=json.dumps(secret))["ARN"]
            os.environ["SECRET_ARN"], os.environ["SECRET_CACHE_TTL_SECONDS"] = arn, "300"
            os.environ["AUTH_MODE"] = "token" if variant == "ours token" else "basic"
            path = ROOT / ("bench/baselines/naive_authorizer.py" if variant == "naive" else "functions/authorizer/app.py")
            module = load(path, f"{variant.replace(' ', '_')}_authorizer")
            latencies = []
            logged = ByteCounter()
            stdout, sys.stdout = sys.stdout, logged
            try:
                for _ in range(calls):
                    started = time.perf_counter()
                    assert module.handler(event, None)["isAuthorized"] is True
                    latencies.append((time.perf_counter() - started) * 1000)
            finally:
                sys.stdout = stdout
            warm = sorted(latencies[1:])
            rows.append(
                {
                    "variant": variant,
                    "warm_ms_median": statistics.median(warm),
                    "warm_ms_p99": warm[int(len(warm) * 0.99) - 1],
                    "secret_calls_per_1000": counter.calls["secretsmanager:GetSecretValue"] * 1000 / calls,
                    "calls": calls,
                    "log_bytes_per_invocation": logged.bytes / calls,
                }
            )
    return rows


# --- 3. cold start proxy and package size ---------------------------------------------------


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


# --- 4. end to end through the local stack ---------------------------------------------------


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


def bench_end_to_end(requests: int, clients: int, offered_rps: float = 10.0, paced_requests: int = 200) -> dict:
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

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

            def send(index: int) -> int:
                body = json.dumps({"eventId": f"bench-{index}", "n": index}).encode()
                request = urllib.request.Request(  # noqa: S310 - loopback
                    stack.url + "/submit", data=body, headers={"authorization": header}, method="POST"
                )
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                    return response.status

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
            stack.stop()
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
        finally:
            deployment.destroy()


# --- 5. cost ------------------------------------------------------------------------------


def log_bytes_per_request(consumer: dict, authorizer: dict, authorizer_share: float, batch_size: int) -> float:
    """Measured bytes the functions print per request, plus Lambda's platform lines."""
    authorizer_bytes = authorizer_share * (authorizer["log_bytes_per_invocation"] + PLATFORM_LOG_BYTES_PER_INVOCATION)
    return authorizer_bytes + consumer["log_bytes_per_message"] + PLATFORM_LOG_BYTES_PER_INVOCATION / batch_size


def cost_rows(consumer: list[dict], authorizer: list[dict], senders: int, requests_per_second: float) -> dict:
    # Priced from the in-process timings; the same deployments priced with the
    # latency model's durations come after (Lambda bills the time a call waits).
    by_variant = {
        row["variant"]: row for row in consumer if row["batch_size"] == CONSUMER_BATCH_SIZE and not row.get("latency_model")
    }
    auth = {row["variant"]: row for row in authorizer}
    # With a TTL of 300 s, API Gateway invokes the authorizer once per sender per
    # 300 s (per cache node; we count one), however many requests arrive.
    cached_share = min(1.0, senders / (300 * requests_per_second)) if requests_per_second else 1.0
    # one send per message, plus one receive and one delete-batch per batch
    sqs_requests_per_message = 1 + 2 / CONSUMER_BATCH_SIZE

    def ours_with(label: str, authorizer_row: dict, share: float, consumer_variant: str = "ours last-write-wins") -> Deployment:
        """Our consumer (arm64, 256 MB) behind an authorizer invoked `share` times per request."""
        consumer_row = by_variant[consumer_variant]
        return Deployment(
            label,
            authorizer_invocations_per_request=share,
            secret_calls_per_authorization=authorizer_row["secret_calls_per_1000"] / 1000,
            authorizer_ms=authorizer_row["warm_ms_median"],
            authorizer_memory_mb=256,
            consumer_ms_per_message=consumer_row["ms_per_message"],
            consumer_memory_mb=256,
            arm64=True,
            sqs_requests_per_message=sqs_requests_per_message,
            dynamodb_wru_per_message=1,  # items under 1 KB
            log_bytes_per_request=log_bytes_per_request(consumer_row, authorizer_row, share, CONSUMER_BATCH_SIZE),
        )

    ours = ours_with("ours (arm64, 256 MB, TTL 300 s)", auth["ours"], cached_share)
    naive = Deployment(
        "naive (x86_64, 128 MB, TTL 0)",
        authorizer_invocations_per_request=1.0,
        secret_calls_per_authorization=auth["naive"]["secret_calls_per_1000"] / 1000,
        authorizer_ms=auth["naive"]["warm_ms_median"],
        authorizer_memory_mb=128,
        consumer_ms_per_message=by_variant["naive"]["ms_per_message"],
        consumer_memory_mb=128,
        arm64=False,
        sqs_requests_per_message=sqs_requests_per_message,
        dynamodb_wru_per_message=1,
        log_bytes_per_request=log_bytes_per_request(by_variant["naive"], auth["naive"], 1.0, CONSUMER_BATCH_SIZE),
    )
    # A token source: every delivery of a sender carries the same URL token, so
    # API Gateway's cache (key: token + route) holds one entry per source.
    token_share = min(1.0, 1 / (300 * requests_per_second)) if requests_per_second else 1.0
    token_source = ours_with("ours token source (one token, TTL 300 s)", auth["ours token"], token_share)
    # A signed source needs no authorizer (auth = none): the consumer's verification is its price.
    unsigned_source = ours_with("ours token source, unsigned", auth["ours token"], token_share, "ours source, unsigned")
    signed_source = ours_with("ours signed source (auth none)", auth["ours token"], 0.0, "ours source, signed")
    signed_with_token = ours_with("ours signed token source", auth["ours token"], token_share, "ours source, signed")
    ours_cost, naive_cost = cost_per_million(ours), cost_per_million(naive)
    modelled = {row["variant"]: row for row in consumer if row["batch_size"] == CONSUMER_BATCH_SIZE and row.get("latency_model")}
    with_latency = {}
    if modelled:
        with_latency = {
            "ours": cost_per_million(replace(ours, consumer_ms_per_message=modelled["ours last-write-wins"]["ms_per_message"])),
            "naive": cost_per_million(replace(naive, consumer_ms_per_message=modelled["naive"]["ms_per_message"])),
        }
    floor = cost_per_million(Deployment("floor", 0, 0, 0, 128, 0, 128, True, 1, 1, 0), include_compute=False)
    return {
        "senders": senders,
        "requests_per_second": requests_per_second,
        "ours": ours_cost,
        "ours_token_source": cost_per_million(token_source),
        "token_authorizer_invocations_per_request": token_share,
        "ours_unsigned_source": cost_per_million(unsigned_source),
        "ours_signed_token_source": cost_per_million(signed_with_token),
        "ours_signed_source": cost_per_million(signed_source),
        "with_latency_model": with_latency,
        "naive": naive_cost,
        "floor": floor,
        "ours_over_floor": ours_cost["total"] / floor["total"],
        "naive_over_ours": naive_cost["total"] / ours_cost["total"],
    }


# --- report -------------------------------------------------------------------------------


def consumer_rows(results: dict, latency: bool) -> list[dict]:
    return [row for row in results["consumer"] if bool(row.get("latency_model")) == latency]


def markdown(results: dict) -> str:
    lines = [
        "### Consumer (in-process, moto mock_aws)",
        "",
        "| batch | variant | msgs/s median (min-max) | DynamoDB requests/msg | vs naive |",
        "|---:|---|---:|---:|---:|",
    ]
    naive = {
        row["batch_size"]: row["messages_per_second"]["median"]
        for row in consumer_rows(results, False)
        if row["variant"] == "naive"
    }
    for row in consumer_rows(results, False):
        tp = row["messages_per_second"]
        lines.append(
            f"| {row['batch_size']} | {row['variant']} | {tp['median']:.0f} ({tp['min']:.0f}-{tp['max']:.0f}) | "
            f"{row['dynamodb_requests_per_message']:.3f} | {tp['median'] / naive[row['batch_size']]:.2f}x |"
        )
    modelled = consumer_rows(results, True)
    if modelled:
        naive_modelled = {
            row["batch_size"]: row["messages_per_second"]["median"] for row in modelled if row["variant"] == "naive"
        }
        lines += [
            "",
            "### Consumer with the latency model (each AWS call waits its round trip, bench/latency.py)",
            "",
            *latency_table(),
            "",
            "| batch | variant | msgs/s median (min-max) | ms per batch | vs naive |",
            "|---:|---|---:|---:|---:|",
        ]
        for row in modelled:
            tp = row["messages_per_second"]
            lines.append(
                f"| {row['batch_size']} | {row['variant']} | {tp['median']:.0f} ({tp['min']:.0f}-{tp['max']:.0f}) | "
                f"{row['ms_per_batch']:.0f} | {tp['median'] / naive_modelled[row['batch_size']]:.2f}x |"
            )
    lines += [
        "",
        "### Authorizer (warm, in-process)",
        "",
        "| variant | median ms | p99 ms | GetSecretValue per 1,000 |",
        "|---|---:|---:|---:|",
    ]
    for row in results["authorizer"]:
        lines.append(
            f"| {row['variant']} | {row['warm_ms_median']:.3f} | {row['warm_ms_p99']:.3f} | {row['secret_calls_per_1000']:.1f} |"
        )
    lines += [
        "",
        "### Cold-start proxy: import time in a fresh interpreter (median of 20) and package size",
        "",
        "| function | ours ms | naive ms | ours/naive | zip bytes |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in results["cold_start"]:
        ours, naive_ms = row["ours_import_ms"]["median"], row["naive_import_ms"]["median"]
        lines.append(f"| {row['function']} | {ours:.1f} | {naive_ms:.1f} | {ours / naive_ms:.2f} | {row['zip_bytes']} |")
    if results.get("first_event"):
        lines += [
            "",
            "### Cold start as users feel it: fresh interpreter, import, first event served (median ms, against moto_server)",
            "",
            "| function | ours | naive | floor (import boto3 + the same clients) | ours/naive | ours - floor |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for row in results["first_event"]:
            ours_ms, naive_ms, floor_ms = (row[k]["median"] for k in ("ours_ms", "naive_ms", "floor_ms"))
            ratio, above = ours_ms / naive_ms, ours_ms - floor_ms
            lines.append(f"| {row['function']} | {ours_ms:.0f} | {naive_ms:.0f} | {floor_ms:.0f} | {ratio:.2f} | {above:.0f} |")
    if results.get("end_to_end"):
        e2e = results["end_to_end"]
        lines += [
            "",
            "### End to end through the local stack (moto_server)",
            "",
            f"{e2e['requests']} requests from {e2e['clients']} clients: {e2e['accepted_per_second']:.0f} accepted/s, "
            f"last message stored after {e2e['seconds_until_last_stored']:.1f} s, {e2e['non_200']} non-200.",
        ]
        if e2e.get("lag_ms"):
            lag = e2e["lag_ms"]
            lines += [
                "",
                "Delivery lag (API Gateway receipt to stored, the consumer's DeliveryLagMs) "
                f"at a steady {e2e['offered_rps']:.0f} requests/s ({e2e['lag_values']} messages): "
                f"p50 {lag['p50']:.0f} ms, p90 {lag['p90']:.0f} ms, p99 {lag['p99']:.0f} ms, max {lag['max']:.0f} ms "
                "(the local runner polls the queue; Lambda's poller is not modelled).",
            ]
    cost = results["cost"]
    title = f"### Cost per million webhooks in USD, us-east-1 ({cost['senders']} senders, {cost['requests_per_second']} req/s)"
    lines += ["", title, "", "| part | floor | ours | ours, token source | naive |", "|---|---:|---:|---:|---:|"]
    for part in [
        "api_gateway",
        "sqs",
        "dynamodb",
        "lambda_requests",
        "lambda_duration",
        "secrets_manager",
        "cloudwatch_logs",
        "total",
    ]:
        token = cost["ours_token_source"][part]
        lines.append(
            f"| {part} | {cost['floor'].get(part, 0):.4f} | {cost['ours'][part]:.4f} | {token:.4f} | {cost['naive'][part]:.4f} |"
        )
    lines += [
        "",
        f"ours/floor = {cost['ours_over_floor']:.2f}, naive/ours = {cost['naive_over_ours']:.2f}; "
        f"a token source invokes its authorizer {cost['token_authorizer_invocations_per_request']:.6f} times per request",
    ]
    if cost.get("with_latency_model"):
        ours_l, naive_l = cost["with_latency_model"]["ours"], cost["with_latency_model"]["naive"]
        lines += [
            "",
            "Priced with the latency model's consumer durations (Lambda bills the wait): "
            f"ours {ours_l['total']:.4f} (duration {ours_l['lambda_duration']:.4f}), "
            f"naive {naive_l['total']:.4f} (duration {naive_l['lambda_duration']:.4f}); "
            f"naive/ours = {naive_l['total'] / ours_l['total']:.2f}",
        ]
    lines += signature_price(results)
    if "deliveries" in results:
        lines += deliveries_markdown(results["deliveries"])
    lines += memory_markdown(results["memory"]) if "memory" in results else []
    return "\n".join(lines)


def signature_price(results: dict) -> list[str]:
    """The verification's price: the same source unsigned and signed, measured side by side."""
    rows = {(row["batch_size"], row["variant"]): row for row in consumer_rows(results, False)}
    lines = [
        "",
        "### Signature verification's price (the same source, Stripe's scheme, side by side)",
        "",
        "| batch | unsigned msgs/s | signed msgs/s | signed/unsigned | ms/msg unsigned | ms/msg signed |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for batch_size in sorted({row["batch_size"] for row in consumer_rows(results, False)}):
        unsigned, signed = rows[(batch_size, "ours source, unsigned")], rows[(batch_size, "ours source, signed")]
        ratio = signed["messages_per_second"]["median"] / unsigned["messages_per_second"]["median"]
        lines.append(
            f"| {batch_size} | {unsigned['messages_per_second']['median']:.0f} | {signed['messages_per_second']['median']:.0f} | "
            f"{ratio:.2f} | {unsigned['ms_per_message']:.3f} | {signed['ms_per_message']:.3f} |"
        )
    cost = results["cost"]
    unsigned_total = cost["ours_unsigned_source"]["total"]
    lines += [
        "",
        "| cost per million, USD | total | lambda_duration | vs unsigned token source |",
        "|---|---:|---:|---:|",
    ]
    for key, label in (
        ("ours_unsigned_source", "token source, unsigned"),
        ("ours_signed_token_source", "token source, signed"),
        ("ours_signed_source", "signed source, auth none (no authorizer)"),
    ):
        row = cost[key]
        lines.append(f"| {label} | {row['total']:.4f} | {row['lambda_duration']:.4f} | {row['total'] / unsigned_total:.4f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run, not for the README)")
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end figure (needs terraform)")
    parser.add_argument("--senders", type=int, default=10, help="distinct senders (authorizer cache keys) for the cost model")
    parser.add_argument("--rps", type=float, default=50.0, help="steady request rate for the cost model")
    parser.add_argument("--only-deliveries", action="store_true", help="only direct against claim-check and the archive")
    parser.add_argument("--only-memory", action="store_true", help="only the consumer's peak memory for 10 x 6 MB claim checks")
    args = parser.parse_args(argv)
    global ROUNDS
    if args.quick:
        ROUNDS = 2
    fake_env()
    started = time.monotonic()
    results: dict = {"rounds": ROUNDS, "python": sys.version.split()[0]}
    if args.only_deliveries:
        rows = bench_payloads(50 if args.quick else 200, 5 if args.quick else 30)
        print("\n".join(deliveries_markdown(rows)))
        print(f"\n(bench --only-deliveries: {time.monotonic() - started:.0f} s)")
        return 0
    if args.only_memory:
        print("\n".join(memory_markdown(bench_memory(claims=2 if args.quick else 10))))
        print(f"\n(bench --only-memory: {time.monotonic() - started:.0f} s)")
        return 0
    sizes = [10, 100] if args.quick else [10, 100, 1000]
    results["consumer"] = bench_consumer(sizes) + bench_consumer(sizes, latency=True)
    results["authorizer"] = bench_authorizer(500 if args.quick else 10_000)
    results["cold_start"] = bench_cold_start()
    results["first_event"] = bench_first_event(5 if args.quick else 10)
    if not args.no_e2e:
        results["end_to_end"] = bench_end_to_end(200 if args.quick else 2000, 20)
    results["cost"] = cost_rows(results["consumer"], results["authorizer"], args.senders, args.rps)
    results["deliveries"] = bench_payloads(50 if args.quick else 200, 5 if args.quick else 30)
    results["memory"] = bench_memory(claims=2 if args.quick else 10)
    results["seconds"] = time.monotonic() - started
    report = markdown(results)
    print(report)
    print(f"\n(make bench: {results['seconds']:.0f} s, {ROUNDS} rounds per timing)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / time.strftime("bench-%Y%m%dT%H%M%S.json")
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"figures written to {out.relative_to(ROOT)}")
    from charts import write_charts

    for chart in write_charts(results, ROOT / "docs" / "images"):
        print(f"chart written to {chart.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
