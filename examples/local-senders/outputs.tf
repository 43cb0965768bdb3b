output "source_urls" {
  description = "URL of each sender's route, by preset name."
  value       = module.webhook_ingest.source_urls
}

output "source_signing_secret_arns" {
  description = "Signing secret of each sender, to put the sender's secret into."
  value       = module.webhook_ingest.source_signing_secret_arns
}

output "apigatewayv2_api_id" {
  description = "ID of the HTTP API."
  value       = module.webhook_ingest.apigatewayv2_api_id
}

output "sqs_queue_url" {
  description = "URL of the buffering queue."
  value       = module.webhook_ingest.sqs_queue_url
}

output "dynamodb_table_name" {
  description = "Name of the events table."
  value       = module.webhook_ingest.dynamodb_table_name
}

output "senders" {
  description = "The presets served, one source each (contract.json signatures.presets)."
  value       = local.presets
}
