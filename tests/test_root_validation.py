"""A wrong value given to the root module is rejected, by the submodule that owns the setting.

Single-field rules live in the submodule that uses the setting (so the submodules
work on their own and each rule is written once); the root keeps only rules that
span settings of different submodules or its own deprecated names. `terraform
test` can only expect failures of the root's own variables, so these cases run
`terraform plan` of the root and read its diagnostics instead: cases that set
different attributes share one plan (Terraform reports every failed validation
at once), which keeps 40 cases to a few seconds each.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from emulator import emulator_env, running_moto_server

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.terraform

KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"

# id: (root inputs, start of the error message, file of the rule)
CASES: dict[str, tuple[dict, str, str]] = {
    "name_too_long": ({"name": "a-name-that-is-far-too-long-for-derived-names-x"}, "name must be 1-40 characters", "modules/"),
    "name_with_slash": ({"name": "team/orders"}, "name must be 1-40 characters", "modules/"),
    "kms_key_is_an_alias": (
        {"kms_key_arn": "arn:aws:kms:us-east-1:123456789012:alias/mine"},
        "kms_key_arn must be a KMS key ARN",
        "modules/",
    ),
    "log_retention_not_accepted": ({"log_retention_in_days": 10}, "log_retention_in_days must be a value", "modules/"),
    "role_path_without_slashes": ({"role_path": "platform"}, "role_path must start and end with '/'", "modules/_role/"),
    "boundary_not_a_policy": (
        {"role_permissions_boundary": "arn:aws:iam::123456789012:role/x"},
        "role_permissions_boundary must be",
        "modules/_role/",
    ),
    "route_with_get": ({"api": {"route_key": "GET /submit"}}, "route_key must be POST, PUT or PATCH", "modules/api/"),
    "route_without_slash": ({"api": {"route_key": "POST submit"}}, "route_key must be POST, PUT or PATCH", "modules/api/"),
    "authorizer_ttl_negative": (
        {"api": {"authorizer_result_ttl_in_seconds": -1}},
        "authorizer_result_ttl_in_seconds must be",
        "modules/api/",
    ),
    "authorizer_ttl_over_an_hour": (
        {"api": {"authorizer_result_ttl_in_seconds": 3601}},
        "authorizer_result_ttl_in_seconds must be",
        "modules/api/",
    ),
    "throttle_rate_zero": ({"api": {"throttling_rate_limit": 0}}, "throttling_rate_limit must be positive", "modules/api/"),
    "throttle_burst_fractional": (
        {"api": {"throttling_burst_limit": 1.5}},
        "throttling_burst_limit must be a whole number",
        "modules/api/",
    ),
    "cors_without_origins": ({"api": {"cors": {"allow_origins": []}}}, "cors.allow_origins must not be empty", "modules/api/"),
    "secret_arn_not_a_secret": (
        {"auth": {"secret_arn": "arn:aws:s3:::bucket"}},
        "secret_arn must be a Secrets Manager secret ARN",
        "modules/auth/",
    ),
    "username_with_colon": ({"auth": {"username": "a:b"}}, "username must be 1-128 characters", "modules/auth/"),
    "username_with_quote": ({"auth": {"username": 'a"b'}}, "username must be 1-128 characters", "modules/auth/"),
    "password_too_short": ({"auth": {"password_length": 12}}, "password_length must be between 20 and 4096", "modules/auth/"),
    "secret_version_zero": ({"auth": {"secret_version": 0}}, "secret_version must be a whole number", "modules/auth/"),
    "recovery_window_three_days": (
        {"auth": {"secret_recovery_window_in_days": 3}},
        "secret_recovery_window_in_days must be",
        "modules/auth/",
    ),
    "secret_cache_ttl_negative": (
        {"auth": {"secret_cache_ttl_seconds": -5}},
        "secret_cache_ttl_seconds must be",
        "modules/auth/",
    ),
    "secret_max_staleness_negative": (
        {"auth": {"secret_max_staleness_seconds": -1}},
        "secret_max_staleness_seconds must be",
        "modules/auth/",
    ),
    "authorizer_architecture_unknown": (
        {"auth": {"architecture": "riscv"}},
        "architecture must be arm64 or x86_64",
        "modules/_function/",
    ),
    "authorizer_timeout_over_ten": (
        {"auth": {"timeout_seconds": 15}},
        "timeout_seconds must be between 1 and 10",
        "modules/_function/",
    ),
    "create_secret_with_a_given_secret": (
        {"auth": {"create_secret": True, "secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x"}},
        "create_secret = true contradicts a given secret_arn",
        "modules/auth/",
    ),
    "secret_key_without_a_brought_secret": (
        {"auth": {"secret_kms_key_arn": KEY}},
        "secret_kms_key_arn is the key of a brought secret",
        "modules/auth/",
    ),
    "extra_statement_without_actions": (
        {"auth": {"policy_statements": [{"actions": [], "resources": ["*"]}]}},
        "Each policy statement needs effect Allow or Deny",
        "modules/auth/",
    ),
    "extra_statement_reusing_a_sid": (
        {"consumer": {"policy_statements": [{"sid": "WriteEvents", "actions": ["s3:GetObject"], "resources": ["*"]}]}},
        "Policy statement sids must be unique",
        # Checked against the role's whole policy, where the module's own sids are known.
        "modules/_role/",
    ),
    "visibility_below_six_times_timeout": (
        {"queue": {"visibility_timeout_seconds": 179}},
        "visibility_timeout_seconds must be at most 43200",
        "modules/queue/",
    ),
    "retention_over_14_days": (
        {"queue": {"message_retention_seconds": 1209601}},
        "message_retention_seconds must be between 60",
        "modules/queue/",
    ),
    "dlq_retention_shorter_than_main": (
        {"queue": {"message_retention_seconds": 600000, "dead_letter_message_retention_seconds": 500000}},
        "dead_letter_message_retention_seconds must be",
        "modules/queue/",
    ),
    "max_receive_count_zero": ({"queue": {"max_receive_count": 0}}, "max_receive_count must be a whole number", "modules/queue/"),
    "consumer_memory_too_small": (
        {"consumer": {"memory_size": 64}},
        "memory_size must be between 128 and 10240",
        "modules/_function/",
    ),
    "consumer_timeout_over_lambda_limit": (
        {"consumer": {"timeout_seconds": 901}},
        "timeout_seconds must be between 1 and 900",
        "modules/_function/",
    ),
    "write_mode_unknown": (
        {"consumer": {"write_mode": "append"}},
        "write_mode must be last-write-wins or first-write-wins",
        "modules/consumer/",
    ),
    "batch_size_zero": ({"consumer": {"batch_size": 0}}, "batch_size must be a whole number", "modules/consumer/"),
    "batch_size_over_10_without_window": ({"consumer": {"batch_size": 50}}, "batch_size above 10 requires", "modules/consumer/"),
    "batching_window_over_300": (
        {"consumer": {"maximum_batching_window_in_seconds": 301}},
        "maximum_batching_window_in_seconds must be between 0 and 300",
        "modules/",
    ),
    "maximum_concurrency_one": (
        {"consumer": {"maximum_concurrency": 1}},
        "maximum_concurrency must be between 2 and 1000",
        "modules/consumer/",
    ),
    "ordering_guard_with_first_write_wins": (
        {"consumer": {"write_mode": "first-write-wins", "ordering_attribute": "updatedAt"}},
        "ordering_attribute needs write_mode last-write-wins",
        "modules/consumer/",
    ),
    "table_name_too_short": ({"table": {"name": "ab"}}, "table_name must be 3-255 characters", "modules/consumer/"),
    "partition_key_empty": ({"table": {"partition_key": ""}}, "partition_key must be 1-255 characters", "modules/consumer/"),
    "ttl_attribute_without_days": (
        {"table": {"ttl_attribute": "expiresAt"}},
        "ttl_days and ttl_attribute must be set together",
        "modules/consumer/",
    ),
    "ttl_days_negative": (
        {"table": {"ttl_attribute": "expiresAt", "ttl_days": -1}},
        "ttl_days and ttl_attribute must be set together",
        "modules/consumer/",
    ),
    "create_table_with_a_given_table": (
        {"table": {"create": True, "name": "existing-table"}},
        "create_table = true contradicts a given table_name",
        "modules/consumer/",
    ),
    "table_key_without_a_brought_table": (
        {"table": {"kms_key_arn": KEY}},
        "table_kms_key_arn is the key of a brought table",
        "modules/consumer/",
    ),
    "alarm_action_not_an_arn": ({"alarms": {"alarm_actions": ["ops@example.com"]}}, "alarm_actions must be ARNs", "modules/"),
    "age_alarm_under_a_minute": (
        {"alarms": {"oldest_message_age_alarm_seconds": 30}},
        "oldest_message_age_alarm_seconds must be at least 60",
        "modules/queue/",
    ),
    "package_with_two_sources": (
        {"packages": {"consumer": {"local_path": "c.zip", "s3_bucket": "b", "s3_key": "k"}}},
        "package needs exactly one of local_path",
        "modules/_function/",
    ),
    "package_s3_without_key": (
        {"packages": {"authorizer": {"s3_bucket": "b"}}},
        "package needs exactly one of local_path",
        "modules/_function/",
    ),
    "source_name_upper_case": (
        {"sources": {"Stripe": {"auth": "token"}}},
        "sources: at least one source; names are",
        "variables.tf",
    ),
    "source_name_too_long_for_the_function": (
        {"name": "a-deployment-name-of-forty-characters-xx", "sources": {"a-source-of-twenty-c": {"auth": "token"}}},
        "sources: at least one source; names are",
        "variables.tf",
    ),
    "source_without_authentication": (
        {"sources": {"stripe": {"auth": "none", "event_key": "/id"}}},
        "sources: auth must be basic, token, or none together with a signature",
        "variables.tf",
    ),
    "source_key_header_with_upper_case": (
        {"sources": {"github": {"auth": "token", "event_key": "X-GitHub-Delivery"}}},
        "sources: event_key is a JSON pointer",
        "variables.tf",
    ),
    "source_raw_body_keyed_by_pointer": (
        {"sources": {"twilio": {"auth": "token", "body": "raw", "event_key": "/id"}}},
        "sources: body is json or raw",
        "variables.tf",
    ),
    "two_sources_on_one_route": (
        {"sources": {"a": {"auth": "token", "route_key": "POST /in"}, "b": {"auth": "token", "route_key": "POST /in"}}},
        "sources: each route_key is POST, PUT or PATCH",
        "variables.tf",
    ),
    "source_carrying_too_many_headers": (
        {
            "sources": {
                "webhooks": {
                    "auth": "none",
                    "event_key": "x-delivery",
                    "delivery": "direct",
                    "signature": {"scheme": "standard-webhooks"},
                },
            }
        },
        "sources: a source with delivery = direct carries at most 3 headers",
        "variables.tf",
    ),
    "source_splitting_a_raw_body": (
        {"sources": {"sendgrid": {"auth": "token", "event_key": "x-id", "body": "raw", "split": ""}}},
        "sources: split is a JSON pointer to the array",
        "modules/consumer/",
    ),
    "source_with_an_unknown_signature_scheme": (
        {"sources": {"mailchimp": {"auth": "none", "event_key": "/id", "signature": {"scheme": "mailchimp"}}}},
        "sources: signature.scheme is one of ",
        "modules/consumer/",
    ),
    "source_hmac_without_a_header": (
        {"sources": {"custom": {"auth": "none", "event_key": "/id", "signature": {"scheme": "hmac"}}}},
        "sources: an hmac signature needs header",
        "modules/consumer/",
    ),
    "source_with_an_unknown_delivery": (
        {"sources": {"big": {"auth": "token", "delivery": "s3"}}},
        "sources: delivery is direct (API Gateway to SQS) or claim-check",
        "variables.tf",
    ),
    "source_checking_at_the_edge_without_a_signature": (
        {"sources": {"stripe": {"auth": "token", "event_key": "/id", "verify_at_edge": True}}},
        "sources: verify_at_edge needs a signature to check",
        "variables.tf",
    ),
    "source_keyed_by_signed_content_without_a_signature": (
        {"sources": {"orders": {"auth": "token", "event_key": "@signed-content"}}},
        "sources: event_key = @signed-content keys events by the SHA-256",
        "variables.tf",
    ),
    "consumer_memory_too_small_for_claim_checks": (
        {"sources": {"big": {"auth": "token", "delivery": "claim-check"}}, "consumer": {"memory_size": 256}},
        "memory_size must be at least 512 with a claim-check source",
        "modules/consumer/",
    ),
    "front_memory_too_small_for_6_mb_bodies": (
        {"front": {"memory_size": 128}},
        "memory_size must be between 256 and 10240 MB",
        "modules/_function/",
    ),
    "front_timeout_over_api_gateway_limit": (
        {"front": {"timeout_seconds": 30}},
        "timeout_seconds must be between 1 and 29",
        "modules/_function/",
    ),
    "front_architecture_unknown": (
        {"front": {"architecture": "riscv"}},
        "architecture must be arm64 or x86_64",
        "modules/_function/",
    ),
    "authorizer_memory_too_small": (
        {"auth": {"memory_size": 64}},
        "memory_size must be between 128 and 10240",
        "modules/_function/",
    ),
    "consumer_architecture_unknown": (
        {"consumer": {"architecture": "riscv"}},
        "architecture must be arm64 or x86_64",
        "modules/_function/",
    ),
    "payload_key_is_an_alias": (
        {"payloads": {"bucket_name": "their-payloads", "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:alias/payloads"}},
        "bucket_kms_key_arn must be a KMS key ARN",
        "modules/storage/",
    ),
    "payload_key_without_a_brought_bucket": (
        {"payloads": {"kms_key_arn": KEY}},
        "bucket_kms_key_arn is the key of a brought bucket",
        "modules/storage/",
    ),
    "claims_expiring_before_the_dead_letter_queue": (
        {"payloads": {"claim_expiration_days": 14}},
        "payloads.claim_expiration_days must exceed the queue's and the DLQ's retention",
        "variables.tf",
    ),
    "queue_message_size_over_a_mebibyte": (
        {"queue": {"max_message_size": 2 * 1024 * 1024}},
        "max_message_size must be a whole number of bytes between 1024 and 1048576",
        "modules/queue/",
    ),
    "payload_bucket_name_invalid": (
        {"payloads": {"bucket_name": "Not_A_Bucket"}},
        "bucket_name must be a valid S3 bucket name",
        "modules/storage/",
    ),
    "fan_out_bus_not_an_event_bus": (
        {"fan_out": {"bus_arn": "arn:aws:sqs:us-east-1:123456789012:events"}},
        "bus_arn must be an EventBridge event bus ARN",
        "modules/_event_bus/",
    ),
    "fan_out_source_prefix_of_aws": (
        {"fan_out": {"source_prefix": "aws.partner."}},
        "fan_out.source_prefix is at most 128",
        "modules/consumer/",
    ),
    "source_detail_type_from_a_credential_header": (
        {"sources": {"gitlab": {"auth": "token", "token_header": "x-gitlab-token", "detail_type": "x-gitlab-token"}}},
        "sources: detail_type is a JSON pointer",
        "variables.tf",
    ),
    "deprecated_alarm_toggle_contradicts_the_new_one": (
        {"alarms": {"enabled": False, "create": True}},
        "alarms.enabled is the deprecated name",
        "variables.tf",
    ),
    "deprecated_mapping_toggle_contradicts_the_new_one": (
        {"consumer": {"enabled": False, "event_source_mapping_enabled": True}},
        "consumer.enabled is the deprecated name",
        "variables.tf",
    ),
}


# A claim on a setting left as it is (see overlaps).
UNTOUCHED = "~"
# Rules that read several settings: Terraform skips them when one of those
# settings already failed, so these cases share a plan with no other case of
# the same top-level input.
CROSS_FIELD = {
    "create_secret_with_a_given_secret": {"auth"},
    "secret_key_without_a_brought_secret": {"auth"},
    "visibility_below_six_times_timeout": {"queue", "consumer"},
    "dlq_retention_shorter_than_main": {"queue"},
    "batch_size_over_10_without_window": {"consumer"},
    "ordering_guard_with_first_write_wins": {"consumer"},
    "ttl_attribute_without_days": {"table"},
    "ttl_days_negative": {"table"},
    "create_table_with_a_given_table": {"table"},
    "table_key_without_a_brought_table": {"table"},
    # The role's whole policy is checked once everything else about the module
    # is valid (any other wrong value leaves the policy unknown): a plan of its own.
    "extra_statement_reusing_a_sid": {"*"},
    "deprecated_alarm_toggle_contradicts_the_new_one": {"alarms"},
    "deprecated_mapping_toggle_contradicts_the_new_one": {"consumer"},
    # The consumer reads the bus's ARN from module _event_bus: a wrong ARN there leaves it unknown.
    "fan_out_source_prefix_of_aws": {"fan_out"},
    "claims_expiring_before_the_dead_letter_queue": {"payloads", "queue"},
    "payload_key_is_an_alias": {"payloads"},
    "payload_key_without_a_brought_bucket": {"payloads"},
    "consumer_memory_too_small_for_claim_checks": {"sources", "name", "auth", "api", "consumer"},
    # The consumer module's own rules on one source each (sources the root accepts): with
    # sources, auth's and api's single-source settings go unused; such sources share a plan.
    **{
        case: {f"sources.{case}", f"{UNTOUCHED}auth", f"{UNTOUCHED}api"}
        for case in ("source_splitting_a_raw_body", "source_with_an_unknown_signature_scheme", "source_hmac_without_a_header")
    },
    **{
        # With sources, auth's single-secret settings and api.route_key are not used:
        # a sources case shares no plan with cases of those.
        case: {"sources", "name", "auth", "api"}
        for case in (
            "source_name_upper_case",
            "source_name_too_long_for_the_function",
            "source_without_authentication",
            "source_key_header_with_upper_case",
            "source_raw_body_keyed_by_pointer",
            "two_sources_on_one_route",
            "source_carrying_too_many_headers",
            "source_with_an_unknown_delivery",
            "source_checking_at_the_edge_without_a_signature",
            "source_keyed_by_signed_content_without_a_signature",
            "source_detail_type_from_a_credential_header",
        )
    },
}


# Every function's settings are validated once, in modules/_function, whose
# messages say which function (the authorizer, the consumer, the front function)
# rejected the value.
FUNCTION_OF_CASE = {
    "authorizer_architecture_unknown": "the authorizer",
    "authorizer_timeout_over_ten": "the authorizer",
    "consumer_memory_too_small": "the consumer",
    "consumer_timeout_over_lambda_limit": "the consumer",
    "package_with_two_sources": "the consumer",
    "package_s3_without_key": "the authorizer",
    "front_memory_too_small_for_6_mb_bodies": "the front function",
    "front_timeout_over_api_gateway_limit": "the front function",
    "front_architecture_unknown": "the front function",
    "authorizer_memory_too_small": "the authorizer",
    "consumer_architecture_unknown": "the consumer",
}


def settings_written(case_id: str) -> set[str]:
    """What a case claims in a shared plan: the leaf settings it writes
    (api.route_key), or its whole top-level inputs for a cross-field rule."""
    inputs = CASES[case_id][0]
    if case_id in CROSS_FIELD:
        return CROSS_FIELD[case_id]
    if FUNCTION_OF_CASE.get(case_id) == "the consumer":
        # The consumer's settings object holds its package and a memory size resolved
        # from the sources, and the root passes its consumer object whole: a wrong
        # source or the root's own consumer rule (enabled) would leave it unknown.
        written = {f"{key}.{leaf}" for key, value in inputs.items() for leaf in value}
        # (sources.<case>: in no plan with a sources case, but with each other)
        return {f"sources.{case_id}", *written, *({"consumer.enabled"} if "packages.consumer" in written else set())}
    return {
        f"{key}.{leaf}" if isinstance(value, dict) else key
        for key, value in inputs.items()
        for leaf in (value if isinstance(value, dict) else [key])
    }


def overlaps(a: set[str], b: set[str]) -> bool:
    """Whether two cases' claims collide. "~auth" claims that auth is left as it is (a case whose
    rule assumes it unused): it collides with any case writing auth, not with another "~auth"."""
    if "*" in a or "*" in b:
        return True

    def collide(x: str, y: str) -> bool:
        if x.startswith(UNTOUCHED) and y.startswith(UNTOUCHED):
            return False
        x, y = x.removeprefix(UNTOUCHED), y.removeprefix(UNTOUCHED)
        return x == y or x.startswith(y + ".") or y.startswith(x + ".")

    return any(collide(x, y) for x in a for y in b)


def pack_into_plans(case_ids: list[str]) -> list[list[str]]:
    """Groups of case ids whose settings do not overlap, so one plan checks each group."""
    groups: list[tuple[list[str], set[str]]] = []
    for case_id in case_ids:
        claimed = settings_written(case_id)
        for ids, taken in groups:
            if not overlaps(claimed, taken):
                ids.append(case_id)
                taken.update(claimed)
                break
        else:
            groups.append(([case_id], set(claimed)))
    return [ids for ids, _ in groups]


def merged_inputs(case_ids: list[str]) -> dict:
    merged: dict = {"name": "root-validation"}
    for case_id in case_ids:
        for key, value in CASES[case_id][0].items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged


def plan_diagnostics(inputs: dict, workdir: Path, env: dict[str, str]) -> list[dict]:
    var_file = workdir / "inputs.tfvars.json"
    var_file.write_text(json.dumps(inputs))
    result = subprocess.run(
        ["terraform", "plan", "-input=false", "-json", "-lock=false", f"-var-file={var_file}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0, "a plan of wrong values succeeded"
    return [line["diagnostic"] for line in map(json.loads, result.stdout.splitlines()) if line.get("type") == "diagnostic"]


@pytest.fixture(scope="module")
def diagnostics_by_case(tmp_path_factory) -> dict[str, list[dict]]:
    workdir = tmp_path_factory.mktemp("root-validation")
    by_case: dict[str, list[dict]] = {}
    with running_moto_server(workdir / "moto.log") as endpoint:
        env = emulator_env(endpoint)
        subprocess.run(
            ["terraform", "init", "-backend=false", "-input=false"], cwd=ROOT, env=env, capture_output=True, check=True
        )
        for group in pack_into_plans(list(CASES)):
            found = plan_diagnostics(merged_inputs(group), workdir, env)
            for case_id in group:
                by_case[case_id] = found
    return by_case


def test_cases_share_few_plans() -> None:
    groups = pack_into_plans(list(CASES))
    assert sorted(case for group in groups for case in group) == sorted(CASES)
    assert len(groups) <= len(CASES) // 4


@pytest.mark.parametrize("case_id", list(CASES))
def test_wrong_root_input_is_rejected_by_the_rule_that_owns_it(diagnostics_by_case, case_id: str) -> None:
    _, message, rule_file = CASES[case_id]
    matching = [d for d in diagnostics_by_case[case_id] if d["severity"] == "error" and d.get("detail", "").startswith(message)]
    assert matching, f"no error starting {message!r}; got: {[d.get('detail', '')[:80] for d in diagnostics_by_case[case_id]]}"
    assert any(f"checked by the validation rule at {rule_file}" in d["detail"] for d in matching), [d["detail"] for d in matching]
    if case_id in FUNCTION_OF_CASE:
        assert any(f"({FUNCTION_OF_CASE[case_id]})" in d["detail"] for d in matching), [d["detail"] for d in matching]


def test_valid_root_inputs_plan_cleanly(tmp_path: Path) -> None:
    """The same defaults without the wrong values plan: a failure above is the wrong value's."""
    with running_moto_server(tmp_path / "moto.log") as endpoint:
        env = emulator_env(endpoint)
        subprocess.run(
            ["terraform", "init", "-backend=false", "-input=false"], cwd=ROOT, env=env, capture_output=True, check=True
        )
        var_file = tmp_path / "inputs.tfvars.json"
        var_file.write_text(json.dumps({"name": "root-validation", "role_path": "/platform/", "alarms": {"enabled": True}}))
        result = subprocess.run(
            ["terraform", "plan", "-input=false", "-lock=false", "-no-color", f"-var-file={var_file}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def module_sids(*files: str) -> set[str]:
    """The statement ids written in a module's Terraform (a numbered one as its first number)."""
    found = set()
    for file in files:
        for sid in re.findall(r'sid\s*=\s*"([A-Za-z0-9${}]+)"', (ROOT / file).read_text()):
            found.add(sid.replace("${index}", "0"))
    return found


def test_every_module_sid_is_refused_as_a_user_sid(tmp_path: Path) -> None:
    """Each statement id a module uses, given to it as a user's sid, is refused at plan:
    the reserved ids are the statements themselves (issue 20, item 13: ReadClaims,
    WriteArchive and ReadSigningSecrets once passed validation and collided)."""
    consumer_sids = module_sids("modules/consumer/main.tf", "modules/_function/main.tf")
    auth_sids = module_sids("modules/auth/main.tf", "modules/_function/main.tf")
    assert {"ReadClaims", "WriteArchive", "ReadSigningSecrets", "DecryptSigningSecret0", "WriteOwnLogs"} <= consumer_sids
    assert {"ReadCredentials", "DecryptCredentials", "DecryptEnvironment"} <= auth_sids

    def statements(sids: set[str]) -> list[dict]:
        return [{"sid": sid, "actions": ["s3:GetObject"], "resources": ["*"]} for sid in sorted(sids)]

    # Every feature on, so every one of the module's statements exists.
    inputs = {
        "name": "root-validation",
        "kms_key_arn": KEY,
        "sources": {
            "orders": {"auth": "basic"},
            "github": {
                "auth": "none",
                "event_key": "x-github-delivery",
                "delivery": "claim-check",
                "archive": True,
                "signature": {"scheme": "github"},
            },
        },
        "consumer": {"policy_statements": statements(consumer_sids)},
        "auth": {"policy_statements": statements(auth_sids)},
        "fan_out": {},
    }
    with running_moto_server(tmp_path / "moto.log") as endpoint:
        env = emulator_env(endpoint)
        subprocess.run(
            ["terraform", "init", "-backend=false", "-input=false"], cwd=ROOT, env=env, capture_output=True, check=True
        )
        found = plan_diagnostics(inputs, tmp_path, env)
    refused = {
        role: " ".join(
            d["detail"]
            for d in found
            if d["severity"] == "error" and "modules/_role/" in d.get("detail", "") and f"the {role} role's policy" in d["detail"]
        )
        for role in ("root-validation-consumer", "root-validation-orders-auth")
    }
    for role, sids in (("root-validation-consumer", consumer_sids), ("root-validation-orders-auth", auth_sids)):
        listed = set(re.findall(r"[A-Za-z0-9]+", refused[role].split("policy:", 1)[-1]))
        assert sids <= listed, (role, sids - listed, refused[role][:400])
