"""The Markdown report of one `make bench` run: each section from its measured rows."""

from __future__ import annotations

from edge_report import markdown as edge_markdown
from memory import markdown as memory_markdown

from cpu import markdown as cpu_markdown
from deliveries import markdown as deliveries_markdown
from fan_out_bench import markdown as fan_out_markdown
from latency import table as latency_table
from layer_cold import markdown as layer_markdown


def consumer_rows(results: dict, latency: bool) -> list[dict]:
    return [row for row in results["consumer"] if bool(row.get("latency_model")) == latency]


def consumer_table(results: dict) -> list[str]:
    """The consumer in-process (moto mock_aws), against naive."""
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
    return lines


def latency_model_table(results: dict) -> list[str]:
    """The consumer with every AWS call waiting its modelled round trip."""
    lines: list[str] = []
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
    return lines


def authorizer_and_import_tables(results: dict) -> list[str]:
    """The authorizer's warm latency; import time and package size."""
    lines: list[str] = []
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
    return lines


def first_event_and_end_to_end(results: dict) -> list[str]:
    """Cold start as users feel it; end to end through the local stack."""
    lines: list[str] = []
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
    return lines


def cost_table(results: dict) -> list[str]:
    """Cost per million webhooks, and the same priced with the latency model."""
    lines: list[str] = []
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
    return lines


def markdown(results: dict) -> str:
    lines = consumer_table(results) + latency_model_table(results) + authorizer_and_import_tables(results)
    lines += first_event_and_end_to_end(results) + cost_table(results)
    lines += signature_price(results)
    lines += layer_markdown(results["public_key_layer"]) if "public_key_layer" in results else []
    if "deliveries" in results:
        lines += deliveries_markdown(results["deliveries"])
    lines += memory_markdown(results["memory"]) if "memory" in results else []
    lines += cpu_markdown(results["cpu"]) if "cpu" in results else []
    lines += edge_markdown(results["edge"]) if "edge" in results else []
    lines += fan_out_markdown(results["fan_out"]) if "fan_out" in results else []
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
