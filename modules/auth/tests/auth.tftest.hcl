# Plan-level tests of the auth module on its own. The create-secret path uses an
# ephemeral resource, which mock providers of terraform 1.11 reject: these runs
# use the real provider against moto_server instead.

variables {
  moto_endpoint     = trimspace(file(".moto-endpoint.auth"))
  name              = "unit-auth"
  api_execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234"
}

# Every AWS call goes to a moto_server on 127.0.0.1: tests/test_terraform.py starts
# one per test file and writes its URL to .moto-endpoint.<file> (gitignored). Without
# that file the run stops before any request, so these tests never reach real AWS.
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    apigatewayv2   = var.moto_endpoint
    cloudwatch     = var.moto_endpoint
    cloudwatchlogs = var.moto_endpoint
    dynamodb       = var.moto_endpoint
    iam            = var.moto_endpoint
    kms            = var.moto_endpoint
    lambda         = var.moto_endpoint
    s3             = var.moto_endpoint
    secretsmanager = var.moto_endpoint
    sns            = var.moto_endpoint
    sqs            = var.moto_endpoint
    sts            = var.moto_endpoint
  }
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
    condition = { for s in data.aws_iam_policy_document.this[0].statement : s.sid => toset(s.actions) } == {
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
    condition     = aws_lambda_function.this[0].timeout == 5 && aws_lambda_function.this[0].architectures == tolist(["arm64"]) && aws_lambda_function.this[0].runtime == "python3.13"
    error_message = "Authorizer defaults: 5 s timeout, arm64, python3.13."
  }

  assert {
    condition     = aws_lambda_function.this[0].source_code_hash == filebase64sha256("${path.module}/../../packages/authorizer.zip")
    error_message = "The function must deploy the committed reproducible package."
  }
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
    condition = { for s in data.aws_iam_policy_document.this[0].statement : s.sid => [toset(s.actions), toset(s.resources)] if s.sid != "WriteOwnLogs" && s.sid != "Tracing" } == {
      ReadCredentials    = [toset(["secretsmanager:GetSecretValue"]), toset([var.secret_arn])]
      DecryptEnvironment = [toset(["kms:Decrypt"]), toset([var.kms_key_arn])]
    }
    error_message = "Read only the given secret; the module key only decrypts the environment (a brought secret without secret_kms_key_arn uses an AWS managed key)."
  }

  assert {
    condition     = aws_lambda_function.this[0].environment[0].variables == tomap({ SECRET_ARN = var.secret_arn, SECRET_CACHE_TTL_SECONDS = "300", SECRET_MAX_STALENESS_SECONDS = "900" })
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
    condition = { for s in data.aws_iam_policy_document.this[0].statement : s.sid => [toset(s.actions), toset(s.resources), [for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"]] if startswith(s.sid, "Decrypt") } == {
      DecryptEnvironment = [toset(["kms:Decrypt"]), toset([var.kms_key_arn]), ["StringEquals kms:ViaService lambda.us-east-1.amazonaws.com"]]
      DecryptCredentials = [toset(["kms:Decrypt"]), toset([var.secret_kms_key_arn]), ["StringEquals kms:ViaService secretsmanager.us-east-1.amazonaws.com"]]
    }
    error_message = "The brought secret's key is decrypted through Secrets Manager only; the module key through Lambda only."
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.assume_role[0].statement : toset([for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"])] == [toset(["StringEquals aws:SourceAccount 123456789012", "ArnLike aws:SourceArn arn:aws:lambda:us-east-1:123456789012:function:unit-auth-authorizer"])]
    error_message = "Only Lambda acting for this account's authorizer function may assume the role."
  }
}

run "created_secret_is_decrypted_with_the_module_key" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.this[0].statement : [toset(s.resources), [for c in s.condition : c.values[0]]] if s.sid == "DecryptCredentials"] == [[toset([var.kms_key_arn]), ["secretsmanager.us-east-1.amazonaws.com"]]]
    error_message = "The secret the module creates is encrypted with the module key, which the authorizer may decrypt through Secrets Manager."
  }
}

run "prebuilt_package_from_s3" {
  command = plan

  variables {
    package = { s3_bucket = "artifacts", s3_key = "lambda/authorizer-abc.zip", source_code_hash = "AAAA" }
  }

  assert {
    condition     = aws_lambda_function.this[0].s3_bucket == "artifacts" && aws_lambda_function.this[0].filename == null && aws_lambda_function.this[0].source_code_hash == "AAAA"
    error_message = "An S3 package replaces the committed zip."
  }
}

run "create_false_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_lambda_function.this) + length(aws_secretsmanager_secret.this) + length(aws_iam_role.this) + length(aws_lambda_permission.api) == 0
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

run "authorizer_timeout_over_api_gateway_limit" {
  command = plan

  variables {
    timeout_seconds = 11
  }

  expect_failures = [var.timeout_seconds]
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

run "log_retention_not_accepted" {
  command = plan

  variables {
    log_retention_in_days = 2
  }

  expect_failures = [var.log_retention_in_days]
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

run "architecture_unknown" {
  command = plan

  variables {
    architecture = "arm"
  }

  expect_failures = [var.architecture]
}

run "memory_too_small" {
  command = plan

  variables {
    memory_size = 64
  }

  expect_failures = [var.memory_size]
}

run "package_s3_without_key" {
  command = plan

  variables {
    package = { s3_bucket = "b" }
  }

  expect_failures = [var.package]
}

run "create_secret_contradicts_a_given_secret" {
  command = plan

  variables {
    create_secret = true
    secret_arn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:existing-AbCdEf"
  }

  expect_failures = [var.create_secret]
}
