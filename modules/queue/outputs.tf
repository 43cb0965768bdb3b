output "sqs_queue_url" {
  description = "URL of the buffering queue."
  value       = try(aws_sqs_queue.this[0].url, null)
}

output "sqs_queue_arn" {
  description = "ARN of the buffering queue."
  value       = try(aws_sqs_queue.this[0].arn, null)
}

output "sqs_queue_name" {
  description = "Name of the buffering queue."
  value       = try(aws_sqs_queue.this[0].name, null)
}

output "sqs_queue_visibility_timeout_seconds" {
  description = "Visibility timeout applied to the buffering queue."
  value       = try(aws_sqs_queue.this[0].visibility_timeout_seconds, null)
}

output "sqs_dead_letter_queue_url" {
  description = "URL of the dead-letter queue."
  value       = try(aws_sqs_queue.dead_letter[0].url, null)
}

output "sqs_dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue."
  value       = try(aws_sqs_queue.dead_letter[0].arn, null)
}

output "sqs_dead_letter_queue_name" {
  description = "Name of the dead-letter queue."
  value       = try(aws_sqs_queue.dead_letter[0].name, null)
}

output "cloudwatch_metric_alarm_arns" {
  description = "ARNs of the queue alarms, by purpose (dead_letter_not_empty, oldest_message_age)."
  value = {
    dead_letter_not_empty = try(aws_cloudwatch_metric_alarm.dead_letter_not_empty[0].arn, null)
    oldest_message_age    = try(aws_cloudwatch_metric_alarm.oldest_message_age[0].arn, null)
  }
}

################################################################################
# Deprecated names (removed in the next major version)
################################################################################

output "queue_url" {
  description = "Deprecated: use sqs_queue_url."
  value       = try(aws_sqs_queue.this[0].url, null)
}

output "queue_arn" {
  description = "Deprecated: use sqs_queue_arn."
  value       = try(aws_sqs_queue.this[0].arn, null)
}

output "queue_name" {
  description = "Deprecated: use sqs_queue_name."
  value       = try(aws_sqs_queue.this[0].name, null)
}

output "queue_visibility_timeout_seconds" {
  description = "Deprecated: use sqs_queue_visibility_timeout_seconds."
  value       = try(aws_sqs_queue.this[0].visibility_timeout_seconds, null)
}

output "dead_letter_queue_url" {
  description = "Deprecated: use sqs_dead_letter_queue_url."
  value       = try(aws_sqs_queue.dead_letter[0].url, null)
}

output "dead_letter_queue_arn" {
  description = "Deprecated: use sqs_dead_letter_queue_arn."
  value       = try(aws_sqs_queue.dead_letter[0].arn, null)
}

output "dead_letter_queue_name" {
  description = "Deprecated: use sqs_dead_letter_queue_name."
  value       = try(aws_sqs_queue.dead_letter[0].name, null)
}
