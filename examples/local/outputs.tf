output "apigatewayv2_api_id" {
  description = "ID of the emulated HTTP API (the local runner reads its routes from moto)."
  value       = module.webhook_ingest.apigatewayv2_api_id
}

output "secretsmanager_secret_arn" {
  description = "The generated credentials live here, in moto."
  value       = module.webhook_ingest.secretsmanager_secret_arn
}

output "sqs_queue_url" {
  description = "Buffering queue."
  value       = module.webhook_ingest.sqs_queue_url
}

output "sqs_dead_letter_queue_url" {
  description = "Dead-letter queue."
  value       = module.webhook_ingest.sqs_dead_letter_queue_url
}

output "dynamodb_table_name" {
  description = "Events table."
  value       = module.webhook_ingest.dynamodb_table_name
}

output "authorizer_lambda_function_name" {
  description = "Authorizer function (run in-process by the local runner)."
  value       = module.webhook_ingest.authorizer_lambda_function_name
}

output "consumer_lambda_function_name" {
  description = "Consumer function (run in-process by the local runner)."
  value       = module.webhook_ingest.consumer_lambda_function_name
}
