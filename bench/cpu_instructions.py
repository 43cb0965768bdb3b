"""The CPU bench's ratios as instruction counts: deterministic where time.process_time is not.

bench/cpu.py times each variant with time.process_time; on a shared two-core machine runs of
the same code differ by 10% and more, which is as much as the goals it checks. Here each
variant's warm consumer runs under valgrind's callgrind, which counts the instructions the
process executes: the same code and input give the same count to a few parts in ten thousand.
Each count is taken twice, for a run that stops after the warm-up batch and for one that then
handles `messages` more, so what is counted per message is the batches alone, not the
interpreter's start, the imports or the warm-up (clients made, the signing secret read).
PYTHONHASHSEED is fixed: set and dict layouts, and so the count, then repeat.

Needs valgrind (Debian's package `valgrind`); without it, says so and exits 2. About 35 to 70 s
per count on the build machine, two counts at a time:
    python3 bench/cpu_instructions.py [--batch 10 --batch 100] [--messages 1000]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench/cpu.py's floor and variants, by a short name for the command line and the table.
VARIANTS = {"floor": "floor", "legacy": "legacy (no SOURCES)", "source": "source, unsigned", "signed": "source, github signature"}
INSTRUCTIONS = re.compile(r"==\d+== I\s+refs:\s+([\d,]+)")


def run_variant(variant: str, batch_size: int, messages: int) -> None:
    """In this process: one variant's warm consumer against the stub, then `messages` more (the counted part)."""
    sys.path.insert(0, str(HERE))
    import cpu
    from harness import fake_env

    fake_env()  # dummy credentials: the stub answers every call

    stub = cpu.StubAws()
    cpu.stubbed_session(stub)
    if variant == "floor":
        handle, records = cpu.floor_handler(), cpu.sqs_records(batch_size, 0)
    else:
        handle = cpu.consumer_handler(VARIANTS[variant], f"instructions_{variant}", stub)
        records = cpu.records_for(VARIANTS[variant], batch_size)
    stdout, sys.stdout = sys.stdout, io.StringIO()  # the consumer's log lines: formatted, not written
    try:
        handle(records)
        for _ in range(messages // batch_size):
            handle(records)
            sys.stdout.seek(0)
            sys.stdout.truncate()
    finally:
        sys.stdout = stdout


def instructions_of(valgrind_output: str) -> int:
    """The total callgrind reports ("==123== I   refs:      2,119,856,115")."""
    match = INSTRUCTIONS.search(valgrind_output)
    if match is None:
        raise ValueError("valgrind printed no instruction count")
    return int(match[1].replace(",", ""))


def count(variant: str, batch_size: int, messages: int) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__]
    command += ["--child", variant, str(batch_size), str(messages)]
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"}, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{variant} at batch {batch_size} failed under valgrind:\n{result.stderr[-2000:]}")
    return instructions_of(result.stderr)


def per_message(variant: str, batch_size: int, messages: int) -> float:
    """Instructions per message: the run with `messages` more, less the one without."""
    with ThreadPoolExecutor(max_workers=2) as pool:  # the two counts side by side, on the two cores
        base, full = pool.map(lambda n: count(variant, batch_size, n), (0, messages))
    return (full - base) / (messages // batch_size * batch_size)


def table(figures: dict[int, dict[str, float]]) -> list[str]:
    lines = [
        "| batch | floor instr/msg | legacy | source | github-signed | legacy/floor | source/legacy | signed/legacy |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for batch_size, row in sorted(figures.items()):
        floor, legacy = row["floor"], row["legacy"]
        lines.append(
            f"| {batch_size} | {floor:,.0f} | {legacy:,.0f} | {row['source']:,.0f} | {row['signed']:,.0f} | "
            f"{legacy / floor:.3f} | {row['source'] / legacy:.3f} | {row['signed'] / legacy:.3f} |"
        )
    return lines


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, action="append", help="batch size (repeatable; default 10 and 100)")
    parser.add_argument("--messages", type=int, default=1000, help="messages counted per variant (default 1000)")
    parser.add_argument("--variant", action="append", choices=list(VARIANTS), help="count only these (repeatable; default all)")
    parser.add_argument("--child", nargs=3, metavar=("VARIANT", "BATCH", "MESSAGES"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.child:
        variant, batch_size, messages = args.child
        run_variant(variant, int(batch_size), int(messages))
        return 0
    if shutil.which("valgrind") is None:
        print("bench/cpu_instructions.py needs valgrind (apt-get install valgrind)", file=sys.stderr)
        return 2
    batch_sizes = args.batch or [10, 100]
    variants = args.variant or list(VARIANTS)
    figures = {size: {variant: per_message(variant, size, args.messages) for variant in variants} for size in batch_sizes}
    if set(variants) == set(VARIANTS):
        print("\n".join(table(figures)))
    else:
        for size, row in sorted(figures.items()):
            print(", ".join(f"{variant} at {size}: {value:,.0f} instructions/msg" for variant, value in row.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
