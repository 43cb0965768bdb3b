locals {
  # A conditional, not coalesce(): with create_secret given, the answer is known
  # at plan time even when secret_arn is not.
  create_secret = var.create && (var.create_secret != null ? var.create_secret : var.secret_arn == null)
  secret_arn    = local.create_secret ? aws_secretsmanager_secret.this[0].arn : var.secret_arn
  function_name = "${var.name}-authorizer"

  # The key that encrypts the secret: ours for a created secret, the owner's for a brought one.
  secret_kms_key_arn = local.create_secret ? var.kms_key_arn : var.secret_kms_key_arn

  default_package_path = "${path.module}/../../packages/authorizer.zip"
  package_path         = var.package == null ? local.default_package_path : var.package.local_path
  package_from_s3      = try(var.package.s3_bucket != null, false)
}

################################################################################
# Credentials secret
################################################################################

resource "aws_secretsmanager_secret" "this" {
  count = local.create_secret ? 1 : 0

  #checkov:skip=CKV2_AWS_57:Rotation is by secret_version: bump it and apply to write a new generated password. Automatic rotation would need a rotation Lambda and would break senders that cannot be told the new password.
  name_prefix             = "${var.name}-credentials-"
  description             = "HTTP Basic credentials accepted by the ${var.name} webhook endpoint."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_in_days

  tags = var.tags
}

# Ephemeral: the password exists only while Terraform runs and is sent through a
# write-only attribute, so it is never stored in state or shown in a plan.
ephemeral "aws_secretsmanager_random_password" "this" {
  count = local.create_secret ? 1 : 0

  password_length     = var.password_length
  exclude_punctuation = true
  include_space       = false
}

resource "aws_secretsmanager_secret_version" "this" {
  count = local.create_secret ? 1 : 0

  secret_id = aws_secretsmanager_secret.this[0].id
  secret_string_wo = jsonencode({
    username = var.username
    password = ephemeral.aws_secretsmanager_random_password.this[0].random_password
  })
  secret_string_wo_version = var.secret_version
}

################################################################################
# Authorizer function
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  count = var.create ? 1 : 0

  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

data "aws_caller_identity" "current" {
  count = var.create ? 1 : 0
}

data "aws_partition" "current" {
  count = var.create ? 1 : 0
}

data "aws_region" "current" {
  count = var.create ? 1 : 0
}

locals {
  account_id   = try(data.aws_caller_identity.current[0].account_id, "")
  partition    = try(data.aws_partition.current[0].partition, "aws")
  region       = try(data.aws_region.current[0].name, "")
  function_arn = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${local.function_name}"

  # kms:Decrypt on each customer managed key, only through the service that uses it.
  kms_grants = [for grant in [
    # Lambda decrypts the function's environment with the execution role.
    { sid = "DecryptEnvironment", key = var.kms_key_arn, service = "lambda" },
    # GetSecretValue needs kms:Decrypt on the secret's key.
    { sid = "DecryptCredentials", key = local.secret_kms_key_arn, service = "secretsmanager" },
  ] : grant if grant.key != null]
}

data "aws_iam_policy_document" "assume_role" {
  count = var.create ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    # Confused-deputy guard: only Lambda acting for this account's function.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.function_arn]
    }
  }
}

data "aws_iam_policy_document" "this" {
  count = var.create ? 1 : 0

  statement {
    sid       = "ReadCredentials"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.secret_arn]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this[0].arn}:*"]
  }

  statement {
    sid = "Tracing"
    # X-Ray trace ingestion has no resource-level permissions: AWS requires "*".
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = local.kms_grants

    content {
      sid       = statement.value.sid
      actions   = ["kms:Decrypt"]
      resources = [statement.value.key]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["${statement.value.service}.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name               = local.function_name
  assume_role_policy = data.aws_iam_policy_document.assume_role[0].json

  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  count = var.create ? 1 : 0

  name   = "least-privilege"
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.this[0].json
}

resource "aws_lambda_function" "this" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_116:An authorizer is invoked synchronously by API Gateway; a function DLQ only applies to asynchronous invocations.
  #checkov:skip=CKV_AWS_117:The function calls only Secrets Manager and CloudWatch; a VPC would add NAT or endpoint costs and cold-start latency for no isolation gain.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile the caller owns; packages are byte-reproducible and verified by source_code_hash instead.
  #checkov:skip=CKV_AWS_115:Reserved concurrency would cap authorizations below API Gateway's throttle and cause 500s; the stage throttle bounds load instead.
  function_name = local.function_name
  description   = "HTTP Basic authorizer for the ${var.name} webhook endpoint."
  role          = aws_iam_role.this[0].arn
  runtime       = "python3.13"
  handler       = "app.handler"
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout_seconds
  kms_key_arn   = var.kms_key_arn

  filename          = local.package_from_s3 ? null : local.package_path
  s3_bucket         = local.package_from_s3 ? var.package.s3_bucket : null
  s3_key            = local.package_from_s3 ? var.package.s3_key : null
  s3_object_version = local.package_from_s3 ? var.package.s3_object_version : null
  source_code_hash  = local.package_from_s3 ? var.package.source_code_hash : filebase64sha256(local.package_path)

  environment {
    variables = {
      SECRET_ARN                   = local.secret_arn
      SECRET_CACHE_TTL_SECONDS     = tostring(var.secret_cache_ttl_seconds)
      SECRET_MAX_STALENESS_SECONDS = tostring(var.secret_max_staleness_seconds)
    }
  }

  tracing_config {
    mode = "Active"
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this, aws_cloudwatch_log_group.this]
}

resource "aws_lambda_permission" "api" {
  count = var.create && var.create_api_permission ? 1 : 0

  statement_id  = "AllowApiGatewayAuthorizers"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[0].function_name
  principal     = "apigateway.amazonaws.com"
  # Only this API's authorizers, not any API in the account.
  source_arn = "${var.api_execution_arn}/authorizers/*"
}
