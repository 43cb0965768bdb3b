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

output "lambda_function_memory_size" {
  description = "Memory of the front function in MB."
  value       = try(module.function.lambda_function.memory_size, null)
}

output "edge_verified_sources" {
  description = "The sources whose signature the function checks before keeping anything (verify_at_edge), sorted."
  value       = sort(distinct([for route in values(var.routes) : route.source if route.signature != null]))
}

output "route_headers" {
  description = "The request headers each source's pointers carry to the consumer (its signature's and its key's), by source."
  # A source with a GET handshake has two routes, with the same headers.
  value = { for source, headers in { for route in values(var.routes) : route.source => route.headers... } : source => headers[0] }
}

output "handshake_secret_arns" {
  description = "The secret each handshake source's edge answers with (a verify token created empty for meta unless brought, or the signing secret), by source."
  value       = { for source, arns in local.handshake_secret_arns : source => arns[0] }
}

output "routes" {
  description = "What the function reads (its ROUTES setting): each route's source, headers, delivery, signature, handshake and edge steps' settings (a fixed response), nulls left out; for review and tests."
  value       = local.routes_setting
}

output "lambda_alias_name" {
  description = "The alias the routes invoke when the function is kept warm (front.provisioned_concurrent_executions); null otherwise."
  value       = module.function.lambda_alias_name
}
