output "source_urls" {
  description = "URL of each source's route."
  value       = module.webhook_ingest.source_urls
}

output "source_secret_arns" {
  description = "Secret of each source (credentials or token)."
  value       = module.webhook_ingest.source_secret_arns
}

output "source_signing_secret_arns" {
  description = "Signing secret of each signed source, to put the sender's secret into."
  value       = module.webhook_ingest.source_signing_secret_arns
}

output "source_handshake_secret_arns" {
  description = "The secret each handshake source answers with (Meta's verify token, created empty here)."
  value       = module.webhook_ingest.source_handshake_secret_arns
}

output "apigatewayv2_api_id" {
  description = "ID of the HTTP API."
  value       = module.webhook_ingest.apigatewayv2_api_id
}

output "sqs_queue_url" {
  description = "URL of the buffering queue."
  value       = module.webhook_ingest.sqs_queue_url
}

output "sqs_dead_letter_queue_url" {
  description = "URL of the dead-letter queue."
  value       = module.webhook_ingest.sqs_dead_letter_queue_url
}

output "dynamodb_table_name" {
  description = "Name of the events table."
  value       = module.webhook_ingest.dynamodb_table_name
}

output "s3_bucket_id" {
  description = "Name of the payload bucket (claim checks, archive, large item bodies)."
  value       = module.webhook_ingest.s3_bucket_id
}

output "cloudwatch_event_bus_name" {
  description = "The bus every stored event is published to: route its events with EventBridge rules."
  value       = module.webhook_ingest.cloudwatch_event_bus_name
}
