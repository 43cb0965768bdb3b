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
  description = "Full URL webhooks are sent to (the route's method is in apigatewayv2_route_key); with several routes, the one named default, else the first by name."
  value       = lookup(local.route_urls, local.primary_route, null)
}

output "apigatewayv2_route_key" {
  description = "Route key of the webhook route."
  value       = try(aws_apigatewayv2_route.this[local.primary_route].route_key, null)
}

output "apigatewayv2_authorizer_id" {
  description = "ID of the REQUEST authorizer."
  value       = try(aws_apigatewayv2_authorizer.this[local.primary_route].id, null)
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
  value       = try(aws_apigatewayv2_integration.this[local.primary_route].id, null)
}

output "apigatewayv2_route_urls" {
  description = "URL of each route, by route name (source)."
  value       = local.route_urls
}

output "apigatewayv2_authorizer_ids" {
  description = "ID of each route's REQUEST authorizer, by route name (routes without one are left out)."
  value       = { for name, authorizer in aws_apigatewayv2_authorizer.this : name => authorizer.id }
}

output "apigatewayv2_route_integrations" {
  description = "Each route's integration kind, by route name: sqs (API Gateway's SQS-SendMessage) or function (the edge function)."
  value       = { for name, route in local.routes : name => route.integration }
}
