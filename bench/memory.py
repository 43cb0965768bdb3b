"""The consumer's peak memory for a batch of large claim checks, against its configured memory.

A batch of CLAIMS claim checks of CLAIM_BYTES each, on a source with the archive
on, goes through the real code in moto, in a fresh Python process: the front
function's handler puts each body in claims/ and its pointer in the queue (as
on AWS), then the consumer's handler takes the batch SQS hands out. Two figures:

- peak RSS: the child's ru_maxrss (os.wait4's rusage of that one child: what
  getrusage(RUSAGE_CHILDREN) reports, without the bench's other children) minus
  its resident set after imports, moto and the claims are set up, just before
  the batch; moto's S3 keeps objects on disk (MOTO_S3_DEFAULT_KEY_BUFFER_SIZE),
  so the bodies stored do not count as the function's memory, as in Lambda;
- tracemalloc's peak during the batch, in a second fresh child (tracing changes
  the RSS): Python allocations only, including moto's side of each request, so
  an upper bound of what the function allocates.

Run alone: python3 bench/memory.py [--claims 10] [--claim-bytes 6000000] [--functions DIR]
(--functions: a tree holding consumer/, front/ and shared/, e.g. an older commit's
`git archive HEAD functions`, for a before/after figure).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = 10
CLAIM_BYTES = 6_000_000  # the largest body whose Lambda proxy event stays under 6,291,456 bytes
BUCKET = "bench-payloads"
SOURCE = "shop"
ROUTE_KEY = "POST /hooks/shop"
# The consumer's default when the module has no claim-check source (modules/consumer/main.tf).
FALLBACK_MEMORY_MB = 1024
GOAL_SHARE = 0.5  # issue 20: the batch's peak under half of the configured memory


def configured_memory_mb(main_tf: Path = ROOT / "modules" / "consumer" / "main.tf") -> tuple[int, str]:
    """The consumer's default memory with a claim-check source, read from the module, and where it came from."""
    match = re.search(r"claim_check_delivery\s*\?\s*(\d+)\s*:", main_tf.read_text())
    if match:
        return int(match.group(1)), f"{main_tf.relative_to(ROOT)} (memory_size null, a claim-check source)"
    return FALLBACK_MEMORY_MB, f"not found in {main_tf.relative_to(ROOT)}: assumed {FALLBACK_MEMORY_MB}"


def resident_kb() -> int:
    """This process's resident set now (Linux), in KiB: ru_maxrss's unit on Linux."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def load(functions: Path, name: str) -> Any:
    sys.path[:0] = [str(functions / name), str(functions / "shared")]
    spec = importlib.util.spec_from_file_location(f"bench_memory_{name}", functions / name / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def claim_body(index: int, size: int) -> bytes:
    """A JSON object of `size` bytes: an id and a long string (as a large webhook's text)."""
    prefix = json.dumps({"eventId": f"claim-{index}", "filler": ""})[:-2]
    return (prefix + "x" * (size - len(prefix) - 2) + '"}').encode()


def records_of(messages: list[dict]) -> list[dict]:
    """SQS messages as the event source mapping hands them to the function."""
    return [
        {
            "messageId": message["MessageId"],
            "body": message["Body"],
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
            "messageAttributes": {
                name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "eventSource": "aws:sqs",
        }
        for message in messages
    ]


class Context:
    function_name = "bench"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def create_resources() -> tuple[Any, Any, str]:
    """(s3, sqs, queue URL): the bucket, queues and table of one claim-check source with the archive, in the mock."""
    import boto3

    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    s3.create_bucket(Bucket=BUCKET)
    queue_url = sqs.create_queue(QueueName="q")["QueueUrl"]
    dlq_url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    boto3.resource("dynamodb").create_table(
        TableName="events",
        KeySchema=[{"AttributeName": "eventId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "eventId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    os.environ.update(
        QUEUE_URL=queue_url,
        PAYLOAD_BUCKET=BUCKET,
        ROUTES=json.dumps({ROUTE_KEY: {"source": SOURCE, "headers": []}}),
        TABLE_NAME="events",
        DEAD_LETTER_QUEUE_URL=dlq_url,
        SOURCES=json.dumps({SOURCE: {"event_key": "/eventId", "delivery": "claim-check", "archive": True}}),
    )
    return s3, sqs, queue_url


def batch(front: Any, sqs: Any, queue_url: str, sizes: list[int], first: int) -> list[dict]:
    """Each body through the front function, then the batch SQS hands out, as Lambda records."""
    for index, size in enumerate(sizes, start=first):
        event = {
            "routeKey": ROUTE_KEY,
            "headers": {"content-type": "application/json"},
            "body": claim_body(index, size).decode(),
            "isBase64Encoded": False,
            "requestContext": {"requestId": f"req-{index}", "timeEpoch": int(time.time() * 1000)},
        }
        answer = front.handler(event, None)
        assert answer["statusCode"] == 200, answer
        del event
    messages: list[dict] = []
    while len(messages) < len(sizes):
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        messages += received.get("Messages", [])
    for message in received.get("Messages", []):
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return records_of(messages)


def measure(consumer: Any, records: list[dict], trace: bool) -> dict:
    """The consumer's batch: resident set before it, time, tracemalloc's peak (with `trace`), failures."""
    import tracemalloc

    report: dict[str, Any] = {"baseline_rss_kb": resident_kb()}
    if trace:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    response = consumer.handler({"Records": records}, Context())
    report["seconds"] = time.perf_counter() - started
    if trace:
        report["tracemalloc_peak_bytes"] = tracemalloc.get_traced_memory()[1] - before
        tracemalloc.stop()
    report["failures"] = len(response.get("batchItemFailures", []))
    return report


def child(claims: int, claim_bytes: int, functions: Path, trace: bool) -> dict:
    """Runs in the fresh process: set up, measure the batch, report as JSON."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        s3, sqs, queue_url = create_resources()
        front, consumer = load(functions, "front"), load(functions, "consumer")
        # A warm container: the clients and service models are loaded by a first, small
        # claim, so the figure is what the batch itself adds.
        consumer.handler({"Records": batch(front, sqs, queue_url, [1_000], first=claims)}, Context())
        records = batch(front, sqs, queue_url, [claim_bytes] * claims, first=0)
        gc.collect()
        report = measure(consumer, records, trace)
        stored = boto3.client("dynamodb").scan(TableName="events", Select="COUNT")["Count"]
        report["stored"] = stored - 1  # the warm-up claim
        report["archived_bytes"] = sum(
            entry["Size"] for entry in s3.list_objects_v2(Bucket=BUCKET, Prefix="archive/").get("Contents", [])
        )
    return report


def run_child(claims: int, claim_bytes: int, functions: Path, trace: bool) -> tuple[dict, int]:
    """(the child's report, its peak RSS in KiB)."""
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto's dummy key
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": "1024",  # moto's S3 objects on disk, not in the measured process
    }
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_ENDPOINT_URL", None)
    command = [sys.executable, __file__, "--child", "--claims", str(claims), "--claim-bytes", str(claim_bytes)]
    command += ["--functions", str(functions)] + (["--trace"] if trace else [])
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    # wait4: the rusage of this one child, whatever other children the bench has run.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"the memory bench's child failed ({process.returncode}): {output[-2000:]}")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss


def bench_memory(claims: int = CLAIMS, claim_bytes: int = CLAIM_BYTES, functions: Path = ROOT / "functions") -> dict:
    memory_mb, memory_from = configured_memory_mb()
    report, peak_kb = run_child(claims, claim_bytes, functions, trace=False)
    traced, _ = run_child(claims, claim_bytes, functions, trace=True)
    rss_mb = max(0, peak_kb - report["baseline_rss_kb"]) / 1024  # VmRSS and ru_maxrss round differently
    traced_mb = traced["tracemalloc_peak_bytes"] / 2**20
    return {
        "claims": claims,
        "claim_bytes": claim_bytes,
        "archive": True,
        "functions": str(functions),
        "configured_memory_mb": memory_mb,
        "configured_memory_from": memory_from,
        "peak_rss_increase_mb": rss_mb,
        "tracemalloc_peak_mb": traced_mb,
        "rss_share_of_memory": rss_mb / memory_mb,
        "tracemalloc_share_of_memory": traced_mb / memory_mb,
        "baseline_rss_mb": report["baseline_rss_kb"] / 1024,
        "stored": report["stored"],
        "archived_mb": report["archived_bytes"] / 1e6,
        "failures": report["failures"],
        "seconds": report["seconds"],
    }


def markdown(row: dict) -> list[str]:
    body = f"{row['claims']} x {row['claim_bytes'] / 1e6:g} MB claim checks, archive on"
    worst = max(row["rss_share_of_memory"], row["tracemalloc_share_of_memory"])
    verdict = "under" if worst < GOAL_SHARE else "NOT under"
    return [
        "",
        f"### Consumer peak memory: {body}",
        "",
        f"Configured memory: {row['configured_memory_mb']} MB ({row['configured_memory_from']}). "
        f"Goal: under {GOAL_SHARE:.0%} of it; this run is {verdict} it.",
        "",
        "| measure | peak during the batch | share of configured memory |",
        "|---|---:|---:|",
        f"| RSS (the child's ru_maxrss - its RSS before the batch) | {row['peak_rss_increase_mb']:.0f} MB"
        f" | {row['rss_share_of_memory']:.0%} |",
        f"| tracemalloc peak (Python allocations, moto's included) | {row['tracemalloc_peak_mb']:.0f} MB"
        f" | {row['tracemalloc_share_of_memory']:.0%} |",
        "",
        f"Stored {row['stored']} of {row['claims']}, {row['failures']} reported failed, {row['archived_mb']:.0f} MB archived; "
        f"RSS before the batch {row['baseline_rss_mb']:.0f} MB; the batch took {row['seconds']:.1f} s in process.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=CLAIMS, help="claim checks in the batch")
    parser.add_argument("--claim-bytes", type=int, default=CLAIM_BYTES, help="bytes of each claimed body")
    parser.add_argument("--functions", type=Path, default=ROOT / "functions", help="the functions/ tree to measure")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.claims, args.claim_bytes, args.functions.resolve(), args.trace)))
        return 0
    row = bench_memory(args.claims, args.claim_bytes, args.functions.resolve())
    print("\n".join(markdown(row)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
