output "apigatewayv2_route_url" {
  description = "POST webhooks here."
  value       = module.webhook_ingest.apigatewayv2_route_url
}

output "secretsmanager_secret_arn" {
  description = "Read the generated credentials from this secret."
  value       = module.webhook_ingest.secretsmanager_secret_arn
}
