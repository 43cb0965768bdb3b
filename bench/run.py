#!/usr/bin/env python3
"""`make bench`: ours against naive baselines, measured side by side in one run.

Prints a Markdown table and writes the same figures to bench/results/<time>.json.
Every timing is repeated (ROUNDS) and reported as median and spread (min-max);
comparisons are ratios of figures measured in this run. AWS is moto (in-process
mock_aws, or moto_server on 127.0.0.1 for the end-to-end figure): absolute
throughputs are moto's, the call counts are what AWS would bill. The CPU figure
(bench/cpu.py) answers AWS with canned responses instead, so it is our code's own.

One module per concern: harness.py (shared helpers), consumer_bench.py,
authorizer_bench.py, cold_start.py, end_to_end.py, cost_report.py, report.py,
cpu.py, deliveries.py, memory.py, edge.py (+ edge_cold.py, edge_report.py), fan_out_bench.py; this file is the command line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from edge import bench_edge, without_samples
from edge_report import markdown as edge_markdown
from memory import bench_memory
from memory import markdown as memory_markdown

import harness
from authorizer_bench import bench_authorizer
from cold_start import bench_cold_start, bench_first_event
from consumer_bench import bench_consumer
from cost_report import cost_rows
from cpu import bench_cpu
from cpu import markdown as cpu_markdown
from deliveries import bench_payloads
from deliveries import markdown as deliveries_markdown
from end_to_end import bench_end_to_end
from fan_out_bench import bench_fan_out
from fan_out_bench import markdown as fan_out_markdown
from harness import RESULTS, ROOT, fake_env
from layer_cold import bench_public_key_layer
from report import markdown


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run, not for the README)")
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end figure (needs terraform)")
    parser.add_argument("--senders", type=int, default=10, help="distinct senders (authorizer cache keys) for the cost model")
    parser.add_argument("--rps", type=float, default=50.0, help="steady request rate for the cost model")
    parser.add_argument("--only-deliveries", action="store_true", help="only direct against claim-check and the archive")
    parser.add_argument("--only-memory", action="store_true", help="only the consumer's peak memory for 10 x 6 MB claim checks")
    parser.add_argument("--only-cpu", action="store_true", help="only our code's CPU per message against a stub AWS and a floor")
    parser.add_argument("--only-edge", action="store_true", help="only edge against direct routes: latency, cold start, cost")
    parser.add_argument("--only-fan-out", action="store_true", help="only fan-out on against off: CPU, batch time, cost")
    return parser.parse_args(argv)


def only_one(args: argparse.Namespace, started: float) -> bool:
    """Runs the single figure a --only-... flag asks for; False when none was asked."""
    if args.only_deliveries:
        print("\n".join(deliveries_markdown(bench_payloads(50 if args.quick else 200, 5 if args.quick else 30))))
        name = "deliveries"
    elif args.only_memory:
        print("\n".join(memory_markdown(bench_memory(claims=2 if args.quick else 10))))
        name = "memory"
    elif args.only_cpu:
        print("\n".join(cpu_markdown(bench_cpu(quick=args.quick))))
        name = "cpu"
    elif args.only_edge:
        print("\n".join(edge_markdown(edge_figures(args.quick))))
        name = "edge"
    elif args.only_fan_out:
        print("\n".join(fan_out_markdown(bench_fan_out(quick=args.quick))))
        name = "fan-out"
    else:
        return False
    print(f"\n(bench --only-{name}: {time.monotonic() - started:.0f} s)")
    return True


def edge_figures(quick: bool) -> dict:
    return without_samples(bench_edge(30 if quick else 300, 5 if quick else 30, 2 if quick else 5))


def measure_all(args: argparse.Namespace, results: dict) -> None:
    sizes = [10, 100] if args.quick else [10, 100, 1000]
    results["consumer"] = bench_consumer(sizes) + bench_consumer(sizes, latency=True)
    results["authorizer"] = bench_authorizer(500 if args.quick else 10_000)
    results["cold_start"] = bench_cold_start()
    results["public_key_layer"] = bench_public_key_layer()
    results["first_event"] = bench_first_event(5 if args.quick else 10)
    if not args.no_e2e:
        results["end_to_end"] = bench_end_to_end(200 if args.quick else 2000, 20)
    results["cost"] = cost_rows(results["consumer"], results["authorizer"], args.senders, args.rps)
    results["deliveries"] = bench_payloads(50 if args.quick else 200, 5 if args.quick else 30)
    results["memory"] = bench_memory(claims=2 if args.quick else 10)
    results["cpu"] = bench_cpu(quick=args.quick)
    results["edge"] = edge_figures(args.quick)
    results["fan_out"] = bench_fan_out(quick=args.quick)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.quick:
        harness.ROUNDS = 2
    fake_env()
    started = time.monotonic()
    if only_one(args, started):
        return 0
    results: dict = {"rounds": harness.ROUNDS, "python": sys.version.split()[0]}
    measure_all(args, results)
    results["seconds"] = time.monotonic() - started
    print(markdown(results))
    print(f"\n(make bench: {results['seconds']:.0f} s, {harness.ROUNDS} rounds per timing)")
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
