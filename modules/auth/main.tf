locals {
  # What the Terraform and the functions must agree on (scheme headers, attribute
  # names, bucket prefixes, metric names): one file, which the packages carry too.
  contract = jsondecode(file("${path.module}/../../functions/shared/contract.json"))
  # A conditional, not coalesce(): with create_secret given, the answer is known
  # at plan time even when secret_arn is not.
  create_secret = var.create && (var.create_secret != null ? var.create_secret : var.secret_arn == null)
  secret_arn    = local.create_secret ? aws_secretsmanager_secret.this[0].arn : var.secret_arn
  function_name = var.source_name == null ? "${var.name}-authorizer" : "${var.name}-${var.source_name}-auth"
  secret_prefix = var.source_name == null ? "${var.name}-credentials-" : "${var.name}-${var.source_name}-credentials-"

  # What contract.json says of the mode: its label, the secret's description, the generated secret's fields.
  mode = local.contract.auth_modes[var.mode]

  # The key that encrypts the secret: ours for a created secret, the owner's for a brought one.
  secret_kms_key_arn = local.create_secret ? var.kms_key_arn : var.secret_kms_key_arn

}

################################################################################
# Credentials secret
################################################################################

resource "aws_secretsmanager_secret" "this" {
  count = local.create_secret ? 1 : 0

  #checkov:skip=CKV2_AWS_57:Rotation is by secret_version: bump it and apply to write a new generated password. Automatic rotation would need a rotation Lambda and would break senders that cannot be told the new password.
  name_prefix             = local.secret_prefix
  description             = replace(replace(local.mode.secret_description, "{name}", var.name), "{source}", var.source_name == null ? "" : var.source_name)
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
    for field, value in local.mode.generated_secret : field => replace(
      replace(value, "{username}", var.username), "{password}", ephemeral.aws_secretsmanager_random_password.this[0].random_password
    )
  })
  secret_string_wo_version = var.secret_version
}

################################################################################
# Authorizer function
################################################################################

module "function" {
  source = "../_function"

  create        = var.create
  function_name = local.function_name
  description   = var.source_name == null ? "${local.contract.auth_modes.basic.label} authorizer for the ${var.name} webhook endpoint." : "${local.mode.label} authorizer of the ${var.source_name} source of the ${var.name} webhook endpoint."
  # One settings object, validated by modules/_function.
  settings = merge(var.function, {
    architecture          = var.architecture
    memory_size           = var.memory_size
    timeout_seconds       = var.timeout_seconds
    package               = var.package
    log_retention_in_days = var.log_retention_in_days
  })
  limits               = { function = "the authorizer", max_timeout_seconds = 10, timeout_reason = " (API Gateway waits at most 10 s for an authorizer)" }
  default_package_path = "${path.module}/../../packages/authorizer.zip"
  kms_key_arn          = var.kms_key_arn

  role_path                 = var.role_path
  role_permissions_boundary = var.role_permissions_boundary

  environment_variables = merge(
    {
      SECRET_ARN                   = local.secret_arn
      SECRET_CACHE_TTL_SECONDS     = tostring(var.secret_cache_ttl_seconds)
      SECRET_MAX_STALENESS_SECONDS = tostring(var.secret_max_staleness_seconds)
    },
    # Only what differs from the single Basic source, so its function is unchanged.
    var.mode == "basic" ? {} : { AUTH_MODE = var.mode },
    var.token_header == null ? {} : { TOKEN_HEADER = var.token_header },
    var.source_name == null ? {} : { SOURCE_NAME = var.source_name },
  )

  policy_statements = concat([
    {
      sid       = "ReadCredentials"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [local.secret_arn]
    },
  ], var.policy_statements)

  # GetSecretValue needs kms:Decrypt on the secret's key.
  kms_grants = local.secret_kms_key_arn == null ? [] : [
    { sid = "DecryptCredentials", key = local.secret_kms_key_arn, service = "secretsmanager", actions = ["kms:Decrypt"] },
  ]

  tags = var.tags
}

resource "aws_lambda_permission" "api" {
  count = var.create && var.create_api_permission ? 1 : 0

  statement_id  = "AllowApiGatewayAuthorizers"
  action        = "lambda:InvokeFunction"
  function_name = module.function.lambda_function_name
  principal     = "apigateway.amazonaws.com"
  # Only this API's authorizers, not any API in the account.
  source_arn = "${var.api_execution_arn}/authorizers/*"
}

################################################################################
# Denials: a metric per source, and an optional alarm
################################################################################

# Counted from the function's own decision log lines (no code, no API call).
# Decisions API Gateway serves from its cache, and its own 401s for a missing
# identity source, never reach the function and are not counted here.
resource "aws_cloudwatch_log_metric_filter" "denials" {
  count = var.create ? 1 : 0

  name           = "${local.function_name}-denials"
  log_group_name = module.function.cloudwatch_log_group_name
  pattern        = "{ $.decision = \"deny\" }"

  metric_transformation {
    name       = local.contract.metrics.authorizer_denials
    namespace  = "${local.contract.metrics.namespace_prefix}/${var.name}"
    value      = "1"
    unit       = "Count"
    dimensions = { Source = "$.source" }
  }
}

resource "aws_cloudwatch_metric_alarm" "denials" {
  count = var.create && var.denial_alarm_threshold != null ? 1 : 0

  alarm_name          = "${local.function_name}-denials"
  alarm_description   = "The ${coalesce(var.source_name, "default")} source's authorizer denied more than ${var.denial_alarm_threshold} requests in 5 minutes: a sender with a stale secret, or someone guessing."
  namespace           = "${local.contract.metrics.namespace_prefix}/${var.name}"
  metric_name         = local.contract.metrics.authorizer_denials
  dimensions          = { Source = coalesce(var.source_name, "default") }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.denial_alarm_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = var.tags

  depends_on = [aws_cloudwatch_log_metric_filter.denials]
}
