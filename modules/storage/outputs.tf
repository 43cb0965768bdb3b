output "s3_bucket_id" {
  description = "Name of the payload bucket (created or brought); null when create is false."
  value       = local.bucket_id
}

output "s3_bucket_arn" {
  description = "ARN of the payload bucket; null when create is false."
  value       = local.bucket_arn
}

output "s3_bucket_kms_key_arn" {
  description = "The customer managed KMS key that encrypts the payload bucket: kms_key_arn for a created bucket, bucket_kms_key_arn for a brought one; null for SSE-S3 or when create is false."
  value       = !var.create ? null : local.create_bucket ? var.kms_key_arn : var.bucket_kms_key_arn
}
