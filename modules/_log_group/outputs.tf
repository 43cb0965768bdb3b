output "cloudwatch_log_group_name" {
  description = "Name of the log group."
  value       = try(aws_cloudwatch_log_group.this[0].name, null)
}

output "cloudwatch_log_group_arn" {
  description = "ARN of the log group."
  value       = try(aws_cloudwatch_log_group.this[0].arn, null)
}

# For the calling modules' plan-level tests.
output "cloudwatch_log_group" {
  description = "The log group resource."
  value       = one(aws_cloudwatch_log_group.this)
}
