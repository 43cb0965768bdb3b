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

output "apigatewayv2_api_base_url" {
  description = "Where senders reach the API: https://<domain>[/<base path>] with a custom domain, else the execute-api address. Every route URL starts with it."
  value       = var.create ? local.base_url : null
}

output "apigatewayv2_domain_name_id" {
  description = "The custom domain name (domain.name); null without one."
  value       = try(aws_apigatewayv2_domain_name.this[0].id, null)
}

output "apigatewayv2_domain_name_target_domain_name" {
  description = "The domain's API Gateway target (d-....execute-api.<region>.amazonaws.com): the alias or CNAME your DNS record points to; null without a domain."
  value       = try(aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].target_domain_name, null)
}

output "apigatewayv2_domain_name_hosted_zone_id" {
  description = "The Route 53 hosted zone of that target (for an alias record); null without a domain."
  value       = try(aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].hosted_zone_id, null)
}

output "apigatewayv2_api_mapping_id" {
  description = "ID of the mapping of the domain (and base path) to the API's stage; null without a domain."
  value       = try(aws_apigatewayv2_api_mapping.this[0].id, null)
}

output "route53_record_fqdn" {
  description = "The alias record created in domain.route53_zone_id; null when none was asked."
  value       = try(aws_route53_record.this[0].fqdn, null)
}

output "apigatewayv2_integration_message_attributes" {
  description = "The SendMessage attributes each route on SQS's integration writes, by route name (API Gateway's $${context...} templates as configured): what the consumer's trust check allows, for review and tests."
  value       = { for name in keys(local.direct_routes) : name => jsondecode(local.request_parameters[name].MessageAttributes) }
}
