output "apigatewayv2_api_id" {
  description = "ID of the HTTP API."
  value       = try(aws_apigatewayv2_api.this[0].id, null)
}

output "apigatewayv2_api_endpoint" {
  description = "Base URL of the HTTP API."
  value       = try(aws_apigatewayv2_api.this[0].api_endpoint, null)
}

output "apigatewayv2_api_execution_arn" {
  description = "Execution ARN of the HTTP API (for Lambda permissions)."
  value       = try(aws_apigatewayv2_api.this[0].execution_arn, null)
}

output "apigatewayv2_route_url" {
  description = "Full URL webhooks are sent to (the route's method is in apigatewayv2_route_key)."
  value       = var.create ? "${aws_apigatewayv2_api.this[0].api_endpoint}${local.route_path}" : null
}

output "apigatewayv2_route_key" {
  description = "Route key of the webhook route."
  value       = try(aws_apigatewayv2_route.this[0].route_key, null)
}

output "apigatewayv2_authorizer_id" {
  description = "ID of the REQUEST authorizer."
  value       = try(aws_apigatewayv2_authorizer.this[0].id, null)
}

output "iam_role_arn" {
  description = "ARN of the role API Gateway assumes to send to SQS."
  value       = module.role.iam_role_arn
}

output "iam_role_policy_json" {
  description = "The integration role's inline policy, for review and tests."
  value       = module.role.iam_role_policy_json
}

output "cloudwatch_log_group_name" {
  description = "Access log group of the stage."
  value       = module.access_log.cloudwatch_log_group_name
}

output "apigatewayv2_integration_id" {
  description = "ID of the SQS-SendMessage integration (replaced whenever its request parameters change)."
  value       = try(aws_apigatewayv2_integration.this[0].id, null)
}
