output "apigatewayv2_route_url" {
  description = "POST webhooks here."
  value       = module.webhook_ingest.apigatewayv2_route_url
}

output "secretsmanager_secret_arn" {
  description = "Read the generated credentials from this secret."
  value       = module.webhook_ingest.secretsmanager_secret_arn
}

output "cloudwatch_metric_alarm_arns" {
  description = "The alarms notifying the SNS topic."
  value       = module.webhook_ingest.cloudwatch_metric_alarm_arns
}

output "kms_key_arn" {
  description = "The key encrypting every part of the pipeline."
  value       = aws_kms_key.this.arn
}
