output "apigatewayv2_route_url" {
  description = "POST webhooks here."
  value       = module.webhook_ingest.apigatewayv2_route_url
}

output "secretsmanager_secret_arn" {
  description = "The secret given to the module (unchanged by it)."
  value       = module.webhook_ingest.secretsmanager_secret_arn
}

output "dynamodb_table_name" {
  description = "The table given to the module."
  value       = module.webhook_ingest.dynamodb_table_name
}
