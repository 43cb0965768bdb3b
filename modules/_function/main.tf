# Internal building block (not for use outside this repository): one Lambda
# function with its log group and its execution role, as modules/auth,
# modules/consumer and modules/_front all need it. What differs comes in as inputs:
# the policy statements, the environment, sizing and the package.

locals {
  package         = var.settings.package
  package_path    = local.package == null ? var.default_package_path : local.package.local_path
  package_from_s3 = try(local.package.s3_bucket != null, false)
  provisioned     = var.settings.provisioned_concurrent_executions != null

  # Every function writes its own logs and traces; what else it may do comes from the caller.
  own_statements = [
    {
      sid       = "WriteOwnLogs"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = ["${coalesce(module.log_group.cloudwatch_log_group_arn, "none")}:*"]
    },
    {
      sid = "Tracing"
      # X-Ray trace ingestion has no resource-level permissions: AWS requires "*".
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    },
  ]

  # Lambda decrypts the function's environment with the execution role.
  environment_grant = var.kms_key_arn == null ? [] : [
    { sid = "DecryptEnvironment", key = var.kms_key_arn, service = "lambda", actions = ["kms:Decrypt"] },
  ]
}

module "log_group" {
  source = "../_log_group"

  create            = var.create
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.settings.log_retention_in_days
  kms_key_arn       = var.kms_key_arn

  tags = var.tags
}

module "role" {
  source = "../_role"

  create               = var.create
  name                 = var.function_name
  path                 = var.role_path
  permissions_boundary = var.role_permissions_boundary
  service              = "lambda"
  # The function's ARN is known before it exists: the role must exist first.
  source_arn  = "arn:${module.role.partition}:lambda:${module.role.region}:${module.role.account_id}:function:${var.function_name}"
  policy_name = "least-privilege"
  statements  = concat(var.policy_statements, local.own_statements)
  kms_grants  = concat(local.environment_grant, var.kms_grants)

  tags = var.tags
}

resource "aws_lambda_function" "this" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_116:Every function is invoked synchronously (the authorizers and the front function by API Gateway, the consumer by an SQS event source mapping whose queue has its own DLQ); a function DLQ only applies to asynchronous invocations.
  #checkov:skip=CKV_AWS_117:The functions call only AWS APIs (Secrets Manager, SQS, DynamoDB, S3, CloudWatch); a VPC would add NAT or endpoint costs and latency for no isolation gain.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile the caller owns; packages are byte-reproducible and verified by source_code_hash instead.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the caller: the API stage throttle for the authorizers and the front function, the event source mapping's maximum_concurrency for the consumer.
  function_name = var.function_name
  description   = var.description
  role          = module.role.iam_role_arn
  runtime       = "python3.13"
  handler       = "app.handler"
  architectures = [var.settings.architecture]
  layers        = var.layers
  memory_size   = var.settings.memory_size
  timeout       = var.settings.timeout_seconds
  # null leaves the function unreserved (the provider's -1).
  reserved_concurrent_executions = var.settings.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn

  # A version to keep warm (provisioned concurrency needs a version or an alias, never $LATEST).
  publish = local.provisioned

  filename          = local.package_from_s3 ? null : local.package_path
  s3_bucket         = local.package_from_s3 ? local.package.s3_bucket : null
  s3_key            = local.package_from_s3 ? local.package.s3_key : null
  s3_object_version = local.package_from_s3 ? local.package.s3_object_version : null
  source_code_hash  = local.package_from_s3 ? local.package.source_code_hash : filebase64sha256(local.package_path)

  environment {
    variables = var.environment_variables
  }

  tracing_config {
    mode = var.settings.tracing_mode
  }

  tags = var.tags

  # The role's policy and the log group first: a function that starts before
  # them cannot log its first invocations.
  depends_on = [module.role, module.log_group]

  lifecycle {
    precondition {
      # Lambda refuses an environment over 4 KB (names and values together): say
      # which function and why at plan (or apply, where an ARN is not yet known),
      # not as Lambda's error halfway through an apply.
      # (UTF-8 bytes, from the base64 length: a non-ASCII fixed response counts as Lambda counts it)
      condition     = sum(concat([0], [for name, value in var.environment_variables : length(name) + floor(length(textencodebase64(value, "UTF-8")) * 3 / 4) - length(regexall("=", textencodebase64(value, "UTF-8")))])) <= 4096
      error_message = "The environment of ${var.function_name} exceeds Lambda's 4 KB: it holds each source's settings (SOURCES, ROUTES); split the sources over two deployments or shorten their settings."
    }
  }
}

# Kept warm: every code or configuration change publishes a version, the alias
# follows it and Lambda initialises that many environments before the alias
# serves them (callers invoke the alias, see output lambda_function_invoke_arn).
resource "aws_lambda_alias" "live" {
  count = var.create && local.provisioned ? 1 : 0

  name             = "live"
  description      = "The version callers invoke, with provisioned concurrency."
  function_name    = aws_lambda_function.this[0].function_name
  function_version = aws_lambda_function.this[0].version
}

resource "aws_lambda_provisioned_concurrency_config" "live" {
  count = var.create && local.provisioned ? 1 : 0

  function_name                     = aws_lambda_function.this[0].function_name
  qualifier                         = aws_lambda_alias.live[0].name
  provisioned_concurrent_executions = var.settings.provisioned_concurrent_executions
}
