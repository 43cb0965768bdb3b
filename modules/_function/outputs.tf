output "lambda_function_name" {
  description = "Name of the function."
  value       = try(aws_lambda_function.this[0].function_name, null)
}

output "lambda_function_arn" {
  description = "ARN of the function."
  value       = try(aws_lambda_function.this[0].arn, null)
}

output "lambda_function_invoke_arn" {
  description = "Invoke ARN callers use: the alias live's with provisioned concurrency, else the function's."
  value       = local.provisioned ? try(aws_lambda_alias.live[0].invoke_arn, null) : try(aws_lambda_function.this[0].invoke_arn, null)
}

output "lambda_alias_name" {
  description = "The alias callers invoke (live) with provisioned concurrency; null without."
  value       = try(aws_lambda_alias.live[0].name, null)
}

output "iam_role_arn" {
  description = "ARN of the execution role."
  value       = module.role.iam_role_arn
}

output "iam_role_name" {
  description = "Name of the execution role."
  value       = module.role.iam_role_name
}

output "iam_role_policy_json" {
  description = "The execution role's inline policy."
  value       = module.role.iam_role_policy_json
}

output "cloudwatch_log_group_name" {
  description = "Log group of the function."
  value       = module.log_group.cloudwatch_log_group_name
}

output "region" {
  description = "The provider's region (empty when create is false)."
  value       = module.role.region
}

# For the calling modules' plan-level tests (terraform test reads a child module
# only through its outputs).
output "lambda_function" {
  description = "The function resource."
  value       = one(aws_lambda_function.this)
}

output "cloudwatch_log_group" {
  description = "The log group resource."
  value       = module.log_group.cloudwatch_log_group
}

output "iam_role" {
  description = "The role resource."
  value       = module.role.iam_role
}

output "iam_role_policy_statements" {
  description = "The inline policy's statements."
  value       = module.role.iam_role_policy_statements
}

output "assume_role_policy_statements" {
  description = "The trust policy's statements."
  value       = module.role.assume_role_policy_statements
}
