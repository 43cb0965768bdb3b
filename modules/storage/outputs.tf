output "s3_bucket_id" {
  description = "Name of the payload bucket (created or brought); null when create is false."
  value       = local.bucket_id
}

output "s3_bucket_arn" {
  description = "ARN of the payload bucket; null when create is false."
  value       = local.bucket_arn
}
