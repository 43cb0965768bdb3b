output "secretsmanager_secret_arn" {
  description = "ARN of the credentials secret (created or given)."
  value       = var.create ? local.secret_arn : null
}

output "secretsmanager_secret_created" {
  description = "Whether this module created the secret (false when secret_arn was given)."
  value       = local.create_secret
}

output "lambda_function_name" {
  description = "Name of the authorizer function."
  value       = module.function.lambda_function_name
}

output "lambda_function_arn" {
  description = "ARN of the authorizer function."
  value       = module.function.lambda_function_arn
}

output "lambda_function_invoke_arn" {
  description = "Invoke ARN of the authorizer function, for API Gateway."
  value       = module.function.lambda_function_invoke_arn
}

output "iam_role_arn" {
  description = "ARN of the authorizer's execution role."
  value       = module.function.iam_role_arn
}

output "iam_role_name" {
  description = "Name of the authorizer's execution role."
  value       = module.function.iam_role_name
}

output "iam_role_policy_json" {
  description = "The execution role's inline policy, for review and tests."
  value       = module.function.iam_role_policy_json
}

output "cloudwatch_log_group_name" {
  description = "Log group of the authorizer function."
  value       = module.function.cloudwatch_log_group_name
}

################################################################################
# Deprecated names (removed in the next major version)
################################################################################

output "secret_arn" {
  description = "Deprecated: use secretsmanager_secret_arn."
  value       = var.create ? local.secret_arn : null
}

output "secret_created" {
  description = "Deprecated: use secretsmanager_secret_created."
  value       = local.create_secret
}

output "cloudwatch_metric_alarm_arn" {
  description = "ARN of the denials alarm (null without denial_alarm_threshold)."
  value       = try(aws_cloudwatch_metric_alarm.denials[0].arn, null)
}
