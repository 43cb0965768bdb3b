"""The edge section of the bench report: latency, cold start, cost per million, senders' deadlines."""

from __future__ import annotations

from typing import Any

# Senders' response deadlines in seconds, from /work/shared/SENDERS.md's survey ("2°": only a
# secondary source says so) and the vendors' pages named there; GitHub from its docs.
DEADLINES_S = (
    ("Sentry", 1.0, "docs.sentry.io/integrations/integration-platform/webhooks/"),
    ("Slack Events API", 3.0, "api.slack.com/apis/http"),
    ("Slack slash commands / interactivity", 3.0, "docs.slack.dev/tools/java-slack-sdk/guides/slash-commands"),
    ("Discord interactions", 3.0, "discord-api-docs: docs/interactions/Receiving_and_Responding.md"),
    ("Zoom", 3.0, "2°: developers.zoom.us/docs/api/webhooks"),
    ("Shopify", 5.0, "2°: shopify.dev/changelog/updates-to-webhook-retry-mechanism (1 s to connect)"),
    ("Paddle Billing", 5.0, "developer.paddle.com/webhooks/respond-to-webhooks"),
    ("CircleCI", 5.0, "circleci.com/docs/outbound-webhooks"),
    ("GitHub", 10.0, "docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks (GHES: 30 s)"),
    ("GitLab", 10.0, "2°: docs.gitlab.com/ee/user/project/integrations/webhooks.html"),
    ("Calendly", 10.0, "developer.calendly.com/docs/webhooks/overview (10 s/15 s)"),
)
LABELS = {
    "direct": "direct route (SQS integration: one SendMessage)",
    "edge": "edge route",
    "edge_signed": "edge route, GitHub signature",
}
COST_LABELS = {
    "direct": "direct route",
    "edge": "edge route",
    "edge_signed": "edge route, signed",
    "edge_modelled": "edge route, SQS round trip modelled",
    "edge_signed_modelled": "edge route, signed, SQS round trip modelled",
}
COST_PARTS = ("api_gateway", "sqs", "lambda_requests", "lambda_duration", "secrets_manager", "cloudwatch_logs", "total")


def latency_rows(variants: dict[str, Any]) -> list[str]:
    floor = variants["direct"]
    lines = [
        "| route | p50 ms | p99 ms | mean ms | p50 / direct | p99 / direct | added ms (p50) | added ms (paired median) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in variants.items():
        lines.append(
            f"| {LABELS[name]} | {row['p50']:.2f} | {row['p99']:.2f} | {row['mean']:.2f} | {row['p50'] / floor['p50']:.2f} | "
            f"{row['p99'] / floor['p99']:.2f} | {row['p50'] - floor['p50']:+.2f} | {row['paired_added_ms']:+.2f} |"
        )
    return lines


def stack_tables(stack: dict[str, Any]) -> list[str]:
    """Warm and cold through the local stack: HTTP in, the message in moto_server's queue."""
    direct = stack["warm"]["direct"]["p50"]
    lines = [
        f"### Edge route against a direct route through the local stack ({stack['requests']} requests each, interleaved)",
        "",
        *latency_rows(stack["warm"]),
        "",
        f"First request after the edge function's containers are stopped (a new worker process), {stack['cold_runs']} times:",
        "",
        "| route | median ms (min-max) | / warm direct p50 |",
        "|---|---:|---:|",
    ]
    for name, row in stack["cold"].items():
        label = "direct route (no function to start: for reference)" if name == "direct" else LABELS[name]
        lines.append(f"| {label} | {row['median']:.0f} ({row['min']:.0f}-{row['max']:.0f}) | {row['median'] / direct:.1f} |")
    return lines


def own_time_table(warm: dict[str, Any]) -> list[str]:
    """The handler in-process against one send_message to in-process moto: the function's own time, which Lambda bills."""
    return [
        f"### The edge function's own time: `app.handler` against one `send_message` (in-process moto, {warm['requests']} each)",
        "",
        *latency_rows(warm["variants"]),
    ]


def cold_table(cold: dict[str, Any]) -> list[str]:
    floor = cold["direct"]["total_ms"]
    lines = [
        f"### Edge function cold start against the boto3 floor (fresh interpreter, median of {cold['direct']['runs']})",
        "",
        "| variant | import ms | import + first request ms (min-max) | / floor | - floor ms |",
        "|---|---:|---:|---:|---:|",
    ]
    names = {
        "direct": "floor: import boto3, SQS client, one SendMessage",
        "edge": "edge route",
        "edge_signed": "edge route, signed",
    }
    for name, row in cold.items():
        lines.append(
            f"| {names[name]} | {row['import_ms']:.0f} | {row['total_ms']:.0f} ({row['min_ms']:.0f}-{row['max_ms']:.0f}) | "
            f"{row['total_ms'] / floor:.2f} | {row['total_ms'] - floor:+.0f} |"
        )
    return lines


def cost_table(cost: dict[str, dict[str, float]], memory_mb: int) -> list[str]:
    direct = cost["direct"]["total"]
    names = [name for name in COST_LABELS if name in cost]
    lines = [
        f"### Cost per million requests, USD, us-east-1 (edge function arm64, {memory_mb} MB; the consumer costs the same)",
        "",
        "| part | " + " | ".join(COST_LABELS[name] for name in names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for part in COST_PARTS:
        lines.append(f"| {part} | " + " | ".join(f"{cost[name].get(part, 0.0):.4f}" for name in names) + " |")
    lines.append("| vs direct | " + " | ".join(f"{cost[name]['total'] / direct:.2f}x" for name in names) + " |")
    return lines


def deadline_table(stack: dict[str, Any]) -> list[str]:
    """Each sender's deadline against the signed edge route through the local stack, warm p99 and cold (slowest run)."""
    warm_p99, cold = stack["warm"]["edge_signed"]["p99"], stack["cold"]["edge_signed"]
    lines = [
        "### Senders' deadlines against the signed edge route (local stack: warm p99, cold median and slowest)",
        "",
        "| sender | deadline | warm p99 | cold start (slowest) | margin to the slowest cold | slowest cold / deadline | source |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for sender, seconds, source in DEADLINES_S:
        deadline_ms = seconds * 1000
        lines.append(
            f"| {sender} | {seconds:.0f} s | {warm_p99:.1f} ms | {cold['median']:.0f} ms ({cold['max']:.0f} ms) | "
            f"{deadline_ms - cold['max']:.0f} ms | {cold['max'] / deadline_ms:.0%} | {source} |"
        )
    return lines


def markdown(result: dict[str, Any]) -> list[str]:
    return [
        "",
        *stack_tables(result["stack"]),
        "",
        *own_time_table(result["warm"]),
        "",
        *cold_table(result["cold"]),
        "",
        *cost_table(result["cost"], result["memory_mb"]),
        "",
        *deadline_table(result["stack"]),
    ]
