output "secret_arn" {
  description = "ARN of the credentials secret (created or given)."
  value       = var.create ? local.secret_arn : null
}

output "secret_created" {
  description = "Whether this module created the secret (false when secret_arn was given)."
  value       = local.create_secret
}

output "lambda_function_name" {
  description = "Name of the authorizer function."
  value       = try(aws_lambda_function.this[0].function_name, null)
}

output "lambda_function_arn" {
  description = "ARN of the authorizer function."
  value       = try(aws_lambda_function.this[0].arn, null)
}

output "lambda_function_invoke_arn" {
  description = "Invoke ARN of the authorizer function, for API Gateway."
  value       = try(aws_lambda_function.this[0].invoke_arn, null)
}

output "iam_role_arn" {
  description = "ARN of the authorizer's execution role."
  value       = try(aws_iam_role.this[0].arn, null)
}

output "iam_role_policy_json" {
  description = "The execution role's inline policy, for review and tests."
  value       = try(data.aws_iam_policy_document.this[0].json, null)
}

output "cloudwatch_log_group_name" {
  description = "Log group of the authorizer function."
  value       = try(aws_cloudwatch_log_group.this[0].name, null)
}
