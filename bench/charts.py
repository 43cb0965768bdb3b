"""`make bench` charts: PNGs drawn from the run's figures, for README's performance section.

Generated, never edited: each run overwrites docs/images/bench-*.png.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

VARIANT_ORDER = ("ours last-write-wins", "ours last-write-wins + ordering guard", "ours first-write-wins", "naive")
COST_PARTS = ("api_gateway", "sqs", "dynamodb", "lambda_requests", "lambda_duration", "secrets_manager", "cloudwatch_logs")


def throughput_chart(consumer: list[dict], path: Path) -> None:
    """Messages per second by batch size and variant, in-process and with the latency model."""
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=False)
    for axis, latency in zip(axes, (False, True), strict=True):
        rows = [row for row in consumer if bool(row.get("latency_model")) == latency and row["variant"] in VARIANT_ORDER]
        sizes = sorted({row["batch_size"] for row in rows})
        width = 0.8 / len(VARIANT_ORDER)
        for index, variant in enumerate(VARIANT_ORDER):
            values = [
                next((r["messages_per_second"]["median"] for r in rows if r["variant"] == variant and r["batch_size"] == size), 0)
                for size in sizes
            ]
            positions = [i + (index - (len(VARIANT_ORDER) - 1) / 2) * width for i in range(len(sizes))]
            axis.bar(positions, values, width, label=variant)
        axis.set_xticks(range(len(sizes)), [f"batch {size}" for size in sizes])
        axis.set_yscale("log")
        axis.set_ylabel("messages per second (log)")
        axis.set_title("with the latency model (bench/latency.py)" if latency else "in-process moto (CPU only)")
    axes[0].legend(fontsize=8)
    figure.suptitle("Consumer throughput by batch size")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def cost_chart(cost: dict, path: Path) -> None:
    """Cost per million webhooks by part: the floor, ours, a token source, a signed source, naive."""
    deployments = [
        ("floor", cost["floor"]),
        ("ours", cost["ours"]),
        ("ours, token source", cost["ours_token_source"]),
        ("ours, signed source", cost["ours_signed_source"]),
        ("naive", cost["naive"]),
    ]
    figure, axis = plt.subplots(figsize=(10, 4.5))
    bottoms = [0.0] * len(deployments)
    for part in COST_PARTS:
        values = [parts.get(part, 0.0) for _, parts in deployments]
        axis.bar([label for label, _ in deployments], values, bottom=bottoms, label=part)
        bottoms = [bottom + value for bottom, value in zip(bottoms, values, strict=True)]
    for index, total in enumerate(bottoms):
        axis.text(index, total, f"${total:.2f}", ha="center", va="bottom", fontsize=9)
    axis.set_ylabel("USD per million webhooks (us-east-1)")
    axis.set_title(f"Cost per million webhooks by part ({cost['senders']} senders, {cost['requests_per_second']:.0f} req/s)")
    axis.legend(fontsize=8, ncols=2)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def lag_chart(end_to_end: dict, path: Path) -> None:
    """Delivery lag percentiles through the local stack at a steady offered load."""
    lag = end_to_end["lag_ms"]
    labels = ["p50", "p90", "p99", "max"]
    figure, axis = plt.subplots(figsize=(6, 4))
    axis.bar(labels, [lag[label] for label in labels], color="tab:purple")
    for index, label in enumerate(labels):
        axis.text(index, lag[label], f"{lag[label]:.0f}", ha="center", va="bottom", fontsize=9)
    axis.set_ylabel("ms, API Gateway receipt to stored")
    axis.set_title(f"Delivery lag at {end_to_end['offered_rps']:.0f} req/s, local stack ({end_to_end['lag_values']} messages)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_charts(results: dict, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "bench-throughput.png", directory / "bench-cost.png"]
    throughput_chart(results["consumer"], written[0])
    cost_chart(results["cost"], written[1])
    if results.get("end_to_end", {}).get("lag_ms"):
        written.append(directory / "bench-lag.png")
        lag_chart(results["end_to_end"], written[-1])
    return written
