# Plan-level tests of the auth module on its own. The create-secret path uses an
# ephemeral resource, which mock providers of terraform 1.11 reject: these runs
# use the real provider against moto_server instead.

variables {
  name              = "unit-auth"
  api_execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234"
}

# Every AWS call goes to the moto_server that tests/test_terraform.py starts on
# 127.0.0.1 and names in AWS_ENDPOINT_URL. The guard: the provider refuses to act
# in any account but moto's.
provider "aws" {
  allowed_account_ids = ["123456789012"]
}

run "creates_a_secret_whose_password_stays_out_of_state" {
  command = plan

  assert {
    condition     = length(aws_secretsmanager_secret.this) == 1 && aws_secretsmanager_secret_version.this[0].secret_string_wo_version == 1
    error_message = "A secret is created and written through the write-only attribute."
  }

  assert {
    condition     = aws_secretsmanager_secret_version.this[0].secret_string == null && aws_secretsmanager_secret_version.this[0].secret_string_wo == null
    error_message = "Neither the secret string nor its write-only twin may be stored in the plan."
  }

  assert {
    condition = { for s in module.function.iam_role_policy_statements : s.sid => toset(s.actions) } == {
      ReadCredentials = toset(["secretsmanager:GetSecretValue"])
      WriteOwnLogs    = toset(["logs:CreateLogStream", "logs:PutLogEvents"])
      Tracing         = toset(["xray:PutTraceSegments", "xray:PutTelemetryRecords"])
    }
    error_message = "The authorizer may read its secret, write its logs and traces, nothing else."
  }

  assert {
    condition     = aws_lambda_permission.api[0].source_arn == "${var.api_execution_arn}/authorizers/*" && aws_lambda_permission.api[0].principal == "apigateway.amazonaws.com"
    error_message = "The invoke permission is scoped to this API's authorizers."
  }

  assert {
    condition     = module.function.lambda_function.timeout == 5 && module.function.lambda_function.architectures == tolist(["arm64"]) && module.function.lambda_function.runtime == "python3.13"
    error_message = "Authorizer defaults: 5 s timeout, arm64, python3.13."
  }

  assert {
    condition     = module.function.lambda_function.source_code_hash == filebase64sha256("${path.module}/../../packages/authorizer.zip")
    error_message = "The function must deploy the committed reproducible package."
  }
}

run "descriptions_name_the_mode_as_the_contract_says" {
  command = plan

  assert {
    condition     = aws_secretsmanager_secret.this[0].description == "HTTP Basic credentials accepted by the unit-auth webhook endpoint." && module.function.lambda_function.description == "HTTP Basic authorizer for the unit-auth webhook endpoint."
    error_message = "The single Basic source's secret and function keep the descriptions of the first releases."
  }
}

run "a_token_sources_descriptions" {
  command = plan

  variables {
    mode        = "token"
    source_name = "github"
  }

  assert {
    condition     = aws_secretsmanager_secret.this[0].description == "Token accepted on the github route of the unit-auth webhook endpoint." && module.function.lambda_function.description == "Token authorizer of the github source of the unit-auth webhook endpoint."
    error_message = "A token source's secret and function are described from contract.json's auth_modes.token, as before."
  }
}

run "a_token_authorizer_guards_a_named_source" {
  command = plan

  variables {
    mode = "token"
  }

  expect_failures = [var.mode]
}

run "bring_your_own_secret_with_cmk" {
  command = plan

  variables {
    secret_arn  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:existing-AbCdEf"
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = length(aws_secretsmanager_secret.this) == 0 && length(aws_secretsmanager_secret_version.this) == 0
    error_message = "A given secret means no secret is created."
  }

  assert {
    condition = { for s in module.function.iam_role_policy_statements : s.sid => [toset(s.actions), toset(s.resources)] if s.sid != "WriteOwnLogs" && s.sid != "Tracing" } == {
      ReadCredentials    = [toset(["secretsmanager:GetSecretValue"]), toset([var.secret_arn])]
      DecryptEnvironment = [toset(["kms:Decrypt"]), toset([var.kms_key_arn])]
    }
    error_message = "Read only the given secret; the module key only decrypts the environment (a brought secret without secret_kms_key_arn uses an AWS managed key)."
  }

  assert {
    condition     = module.function.lambda_function.environment[0].variables == tomap({ SECRET_ARN = var.secret_arn, SECRET_CACHE_TTL_SECONDS = "300", SECRET_MAX_STALENESS_SECONDS = "900" })
    error_message = "The function reads the given secret, caches it 300 s and serves it stale at most 900 s more (the contract with functions/authorizer/app.py)."
  }
}

run "bring_your_own_secret_with_its_own_key" {
  command = plan

  variables {
    secret_arn         = "arn:aws:secretsmanager:us-east-1:123456789012:secret:existing-AbCdEf"
    secret_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    kms_key_arn        = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = { for s in module.function.iam_role_policy_statements : s.sid => [toset(s.actions), toset(s.resources), [for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"]] if startswith(s.sid, "Decrypt") } == {
      DecryptEnvironment = [toset(["kms:Decrypt"]), toset([var.kms_key_arn]), ["StringEquals kms:ViaService lambda.us-east-1.amazonaws.com"]]
      DecryptCredentials = [toset(["kms:Decrypt"]), toset([var.secret_kms_key_arn]), ["StringEquals kms:ViaService secretsmanager.us-east-1.amazonaws.com"]]
    }
    error_message = "The brought secret's key is decrypted through Secrets Manager only; the module key through Lambda only."
  }

  assert {
    condition     = [for s in module.function.assume_role_policy_statements : toset([for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"])] == [toset(["StringEquals aws:SourceAccount 123456789012", "ArnLike aws:SourceArn arn:aws:lambda:us-east-1:123456789012:function:unit-auth-authorizer"])]
    error_message = "Only Lambda acting for this account's authorizer function may assume the role."
  }
}

run "created_secret_is_decrypted_with_the_module_key" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = [for s in module.function.iam_role_policy_statements : [toset(s.resources), [for c in s.condition : c.values[0]]] if s.sid == "DecryptCredentials"] == [[toset([var.kms_key_arn]), ["secretsmanager.us-east-1.amazonaws.com"]]]
    error_message = "The secret the module creates is encrypted with the module key, which the authorizer may decrypt through Secrets Manager."
  }
}

run "prebuilt_package_from_s3" {
  command = plan

  variables {
    package = { s3_bucket = "artifacts", s3_key = "lambda/authorizer-abc.zip", source_code_hash = "AAAA" }
  }

  assert {
    condition     = module.function.lambda_function.s3_bucket == "artifacts" && module.function.lambda_function.filename == null && module.function.lambda_function.source_code_hash == "AAAA"
    error_message = "An S3 package replaces the committed zip."
  }
}

run "further_function_settings_reach_the_function" {
  command = plan

  variables {
    function = { tracing_mode = "PassThrough", reserved_concurrent_executions = 3 }
  }

  assert {
    condition     = module.function.lambda_function.tracing_config[0].mode == "PassThrough" && module.function.lambda_function.reserved_concurrent_executions == 3
    error_message = "The function object's settings reach the function, beside the module's own variables."
  }
}

run "create_false_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(module.function.lambda_function[*]) + length(aws_secretsmanager_secret.this) + length(module.function.iam_role[*]) + length(aws_lambda_permission.api) == 0
    error_message = "create = false must create nothing."
  }
}

run "username_with_colon" {
  command = plan

  variables {
    username = "a:b"
  }

  expect_failures = [var.username]
}

run "username_with_quote" {
  command = plan

  variables {
    username = "a\"b"
  }

  expect_failures = [var.username]
}

run "username_with_backslash" {
  command = plan

  variables {
    username = "a\\b"
  }

  expect_failures = [var.username]
}

run "username_with_space" {
  command = plan

  variables {
    username = "a b"
  }

  expect_failures = [var.username]
}

run "username_with_non_ascii" {
  command = plan

  variables {
    username = "zoë"
  }

  expect_failures = [var.username]
}

run "username_with_template" {
  command = plan

  variables {
    username = "$${x}"
  }

  expect_failures = [var.username]
}

run "max_staleness_negative" {
  command = plan

  variables {
    secret_max_staleness_seconds = -1
  }

  expect_failures = [var.secret_max_staleness_seconds]
}

run "short_password" {
  command = plan

  variables {
    password_length = 8
  }

  expect_failures = [var.password_length]
}

run "secret_arn_not_a_secret" {
  command = plan

  variables {
    secret_arn = "arn:aws:ssm:us-east-1:123456789012:parameter/x"
  }

  expect_failures = [var.secret_arn]
}

run "recovery_window_of_three_days" {
  command = plan

  variables {
    secret_recovery_window_in_days = 3
  }

  expect_failures = [var.secret_recovery_window_in_days]
}

run "name_with_spaces" {
  command = plan

  variables {
    name = "bad name"
  }

  expect_failures = [var.name]
}

run "kms_key_alias" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:alias/x"
  }

  expect_failures = [var.kms_key_arn]
}

run "secret_version_zero" {
  command = plan

  variables {
    secret_version = 0
  }

  expect_failures = [var.secret_version]
}

run "secret_cache_ttl_negative" {
  command = plan

  variables {
    secret_cache_ttl_seconds = -1
  }

  expect_failures = [var.secret_cache_ttl_seconds]
}

run "create_secret_contradicts_a_given_secret" {
  command = plan

  variables {
    create_secret = true
    secret_arn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:existing-AbCdEf"
  }

  expect_failures = [var.create_secret]
}

run "platform_role_settings_and_extra_statements" {
  command = plan

  variables {
    role_path                 = "/platform/"
    role_permissions_boundary = "arn:aws:iam::aws:policy/PowerUserAccess"
    policy_statements = [{
      sid       = "DenyEverythingElse"
      effect    = "Deny"
      actions   = ["secretsmanager:PutSecretValue"]
      resources = ["*"]
    }]
  }

  assert {
    condition     = module.function.iam_role.path == "/platform/" && module.function.iam_role.permissions_boundary == var.role_permissions_boundary
    error_message = "The authorizer's role takes the platform's path and permissions boundary."
  }

  assert {
    condition     = [for s in module.function.iam_role_policy_statements : s.effect if s.sid == "DenyEverythingElse"] == ["Deny"]
    error_message = "An extra Deny statement is kept as a Deny."
  }
}

run "extra_statement_without_resources" {
  command = plan

  variables {
    policy_statements = [{ actions = ["s3:GetObject"], resources = [] }]
  }

  expect_failures = [var.policy_statements]
}

run "token_source_has_its_own_names_and_mode" {
  command = plan

  variables {
    mode        = "token"
    source_name = "github"
  }

  assert {
    condition     = module.function.lambda_function.function_name == "unit-auth-github-auth" && startswith(aws_secretsmanager_secret.this[0].name_prefix, "unit-auth-github-credentials-")
    error_message = "A source's authorizer and secret are named after it, so several sources coexist."
  }
}

run "token_source_reads_only_its_own_secret" {
  command = plan

  variables {
    mode        = "token"
    source_name = "github"
    secret_arn  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:github-token-AbCdEf"
  }

  assert {
    condition     = module.function.lambda_function.environment[0].variables["AUTH_MODE"] == "token" && module.function.lambda_function.environment[0].variables["SOURCE_NAME"] == "github"
    error_message = "The function knows its mode and its source (the contract with functions/authorizer/app.py)."
  }

  assert {
    condition     = [for s in module.function.iam_role_policy_statements : s.resources if s.sid == "ReadCredentials"] == [toset([var.secret_arn])]
    error_message = "A source's authorizer may read its own secret and no other."
  }
}

run "single_basic_source_keeps_its_environment" {
  command = plan

  variables {
    secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:existing-AbCdEf"
  }

  assert {
    condition     = !contains(keys(module.function.lambda_function.environment[0].variables), "AUTH_MODE") && !contains(keys(module.function.lambda_function.environment[0].variables), "SOURCE_NAME")
    error_message = "Without sources the authorizer's environment is what earlier releases deployed (no update on upgrade)."
  }
}

run "denials_are_counted_per_source_and_alarmed_when_asked" {
  command = plan

  variables {
    mode                   = "token"
    source_name            = "stripe"
    denial_alarm_threshold = 25
    alarm_actions          = ["arn:aws:sns:us-east-1:123456789012:oncall"]
  }

  assert {
    condition = aws_cloudwatch_log_metric_filter.denials[0].log_group_name == "/aws/lambda/unit-auth-stripe-auth" && aws_cloudwatch_log_metric_filter.denials[0].pattern == "{ $.decision = \"deny\" }" && jsonencode([for t in aws_cloudwatch_log_metric_filter.denials[0].metric_transformation : [t.name, t.namespace, t.value, t.dimensions]]) == jsonencode([
      ["AuthorizerDenials", "WebhookIngest/unit-auth", "1", { Source = "$.source" }],
    ])
    error_message = "The authorizer's deny decisions become AuthorizerDenials by Source, in the namespace the consumer's metrics use."
  }

  assert {
    condition     = jsonencode(aws_cloudwatch_metric_alarm.denials[0].dimensions) == jsonencode({ Source = "stripe" }) && aws_cloudwatch_metric_alarm.denials[0].threshold == 25 && aws_cloudwatch_metric_alarm.denials[0].alarm_actions == toset(var.alarm_actions)
    error_message = "The denial alarm watches this source only and notifies the given actions."
  }
}

run "no_denial_alarm_by_default" {
  command = plan

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.denials) == 0 && length(aws_cloudwatch_log_metric_filter.denials) == 1 && output.cloudwatch_metric_alarm_arn == null
    error_message = "The metric is always there; the alarm only with a threshold."
  }
}

run "denial_alarm_threshold_fractional" {
  command = plan

  variables {
    denial_alarm_threshold = 2.5
  }

  expect_failures = [var.denial_alarm_threshold]
}
