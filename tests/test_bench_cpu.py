"""bench/cpu.py runs (a smoke test on a tiny batch: no figure and no timing is asserted;
the bench's numbers go to docs/benchmarks.md, not to a pass/fail).

What is asserted: each variant's records are stored without a failure, every AWS
call made during the run was answered by the stub (none reached an emulator or
the network), and the stub's canned answers parse through botocore as AWS's would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import cpu


@pytest.fixture
def stub():
    """Dummy credentials and no endpoint come from conftest's autouse dummy_aws."""
    environment = dict(os.environ)  # the bench sets the consumer's environment; later tests get theirs back
    stub = cpu.StubAws(object_body=b'{"a": 1}')
    cpu.stubbed_session(stub)
    yield stub
    boto3.setup_default_session(region_name="us-east-1")
    os.environ.clear()
    os.environ.update(environment)


def test_the_cpu_bench_runs_every_variant_on_a_tiny_batch(monkeypatch: pytest.MonkeyPatch, stub: cpu.StubAws) -> None:
    monkeypatch.delenv("SOURCES", raising=False)
    result = cpu.bench_cpu(quick=True, batch_sizes=(3,), messages=6)
    variants = {row["variant"] for row in result["rows"]}
    assert variants == {"floor", *cpu.VARIANTS}
    assert all(row["cpu_us"]["median"] > 0 for row in result["rows"])
    # Each consumer variant and the floor wrote its batches, and the signed source read its secret.
    assert result["stub_calls"]["dynamodb.BatchWriteItem"] >= 4 * 2
    assert result["stub_calls"]["secrets-manager.GetSecretValue"] >= 1
    assert "legacy/floor" in "\n".join(cpu.markdown(result))


def test_a_forged_signature_fails_the_bench_instead_of_being_timed(stub: cpu.StubAws, monkeypatch: pytest.MonkeyPatch) -> None:
    """The signed variant is timed on the success path: a record the consumer refuses stops the bench."""
    monkeypatch.delenv("SOURCES", raising=False)
    handle = cpu.consumer_handler("source, github signature", "cpu_consumer_forged", stub)
    records = cpu.github_records(2)
    records[1]["messageAttributes"]["header.x-hub-signature-256"]["stringValue"] = "h:sha256=" + "0" * 64
    with pytest.raises(AssertionError, match="dead-lettered"):
        handle(records)
    assert stub.calls["sqs.SendMessageBatch"] == 1  # the forged record went to the dead-letter queue


def test_the_stub_answers_each_call_the_consumer_can_make(stub: cpu.StubAws) -> None:
    dynamodb, sqs, s3 = boto3.client("dynamodb"), boto3.client("sqs"), boto3.client("s3")
    secrets = boto3.client("secretsmanager")
    item = {"PutRequest": {"Item": {"eventId": {"S": "e"}}}}
    assert dynamodb.batch_write_item(RequestItems={"events": [item]})["UnprocessedItems"] == {}
    dynamodb.put_item(TableName="events", Item={"eventId": {"S": "e"}})
    sent = sqs.send_message_batch(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q", Entries=[{"Id": "a", "MessageBody": "x"}])
    assert [entry["Id"] for entry in sent["Successful"]] == ["a"] and sent["Failed"] == []
    assert s3.put_object(Bucket="b", Key="k", Body=b"x")["ETag"] == '"0"'
    assert s3.get_object(Bucket="b", Key="k")["Body"].read() == b'{"a": 1}'
    assert secrets.get_secret_value(SecretId=cpu.SECRET_ARN)["SecretString"] == cpu.GITHUB_SECRET
    assert set(stub.calls) == set(stub.answers) and all(count == 1 for count in stub.calls.values())


def test_a_call_the_stub_does_not_know_fails_instead_of_reaching_the_network(stub: cpu.StubAws) -> None:
    with pytest.raises(NotImplementedError, match=r"dynamodb\.GetItem"):
        boto3.client("dynamodb").get_item(TableName="events", Key={"eventId": {"S": "e"}})


# --- bench/cpu_instructions.py: the same variants, counted by callgrind ------------------------


def test_the_instruction_count_is_read_from_callgrind_s_summary_line():
    import cpu_instructions

    # The summary valgrind 3.19's callgrind prints on stderr (read off this machine).
    output = "==2678== Collected : 2119856115\n==2678== \n==2678== I   refs:      2,119,856,115\n"
    assert cpu_instructions.instructions_of(output) == 2_119_856_115
    with pytest.raises(ValueError, match="no instruction count"):
        cpu_instructions.instructions_of("valgrind: command not found\n")


@pytest.mark.parametrize("variant", ["floor", "legacy", "source", "signed"])
def test_each_counted_variant_runs_its_warm_consumer_to_the_end(variant):
    """What callgrind counts is this child: it must store every message against the stub, or stop."""
    script = Path(cpu.__file__).with_name("cpu_instructions.py")
    environment = {**os.environ, "SOURCES": "", "AWS_ENDPOINT_URL": ""}
    done = subprocess.run(
        [sys.executable, str(script), "--child", variant, "3", "6"], capture_output=True, text=True, env=environment, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_table_gives_each_variant_against_the_legacy_path():
    import cpu_instructions

    lines = cpu_instructions.table({100: {"floor": 500_000.0, "legacy": 400_000.0, "source": 440_000.0, "signed": 600_000.0}})
    assert lines[-1] == "| 100 | 500,000 | 400,000 | 440,000 | 600,000 | 0.800 | 1.100 | 1.500 |"
