output "lambda_function_name" {
  description = "Name of the front function."
  value       = module.function.lambda_function_name
}

output "lambda_function_arn" {
  description = "ARN of the front function."
  value       = module.function.lambda_function_arn
}

output "lambda_function_invoke_arn" {
  description = "Invoke ARN of the front function, for the API's Lambda proxy integrations."
  value       = module.function.lambda_function_invoke_arn
}

output "iam_role_arn" {
  description = "ARN of the front function's execution role."
  value       = module.function.iam_role_arn
}

output "iam_role_policy_json" {
  description = "The execution role's inline policy, for review and tests."
  value       = module.function.iam_role_policy_json
}
