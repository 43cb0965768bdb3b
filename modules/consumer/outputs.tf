output "dynamodb_table_name" {
  description = "Name of the events table (created or given)."
  value       = var.create ? local.table_name : null
}

output "dynamodb_table_arn" {
  description = "ARN of the events table."
  value       = var.create ? local.table_arn : null
}

output "lambda_function_name" {
  description = "Name of the consumer function."
  value       = module.function.lambda_function_name
}

output "lambda_function_arn" {
  description = "ARN of the consumer function."
  value       = module.function.lambda_function_arn
}

output "lambda_event_source_mapping_uuid" {
  description = "UUID of the SQS event source mapping."
  value       = try(aws_lambda_event_source_mapping.this[0].uuid, null)
}

output "iam_role_arn" {
  description = "ARN of the consumer's execution role."
  value       = module.function.iam_role_arn
}

output "iam_role_name" {
  description = "Name of the consumer's execution role."
  value       = module.function.iam_role_name
}

output "iam_role_policy_json" {
  description = "The execution role's inline policy, for review and tests."
  value       = module.function.iam_role_policy_json
}

output "cloudwatch_log_group_name" {
  description = "Log group of the consumer function."
  value       = module.function.cloudwatch_log_group_name
}

output "cloudwatch_metric_alarm_arn" {
  description = "ARN of the function error alarm."
  value       = try(aws_cloudwatch_metric_alarm.errors[0].arn, null)
}

output "secretsmanager_secret_arns" {
  description = "Signing secret ARN of each signed source, created or brought (empty without signed sources). Put the sender's signing secret into the created ones."
  value       = local.signing_secret_arns
}

output "cloudwatch_metrics_namespace" {
  description = "CloudWatch namespace of the consumer's metrics (EMF: Received, Stored, Duplicates, Poison, Retried, BatchDurationMs, DeliveryLagMs, DeadLettered, SignatureRejected) and of the authorizers' AuthorizerDenials."
  value       = local.metrics_namespace
}

output "cloudwatch_metric_alarm_arns" {
  description = "ARNs of the consumer's optional alarms: delivery_lag (null when off) and signature_rejections by source."
  value = {
    delivery_lag         = try(aws_cloudwatch_metric_alarm.delivery_lag[0].arn, null)
    signature_rejections = { for name, alarm in aws_cloudwatch_metric_alarm.signature_rejections : name => alarm.arn }
  }
}

output "lambda_function_memory_size" {
  description = "Memory of the consumer function in MB, as resolved: memory_size, or its default (256, or 1024 with a claim-check source)."
  value       = local.memory_size
}
