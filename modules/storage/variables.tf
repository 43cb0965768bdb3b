################################################################################
# General
################################################################################

variable "create" {
  description = "Whether to create (or use) the bucket at all; false makes the module a no-op."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Prefix of the created bucket's name (<name>-payloads-<random>, lower-cased)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", var.name))
    error_message = "name must be 1-40 characters of letters, digits, '-' or '_', starting with a letter or digit."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Customer managed KMS key ARN for the created bucket's default encryption (SSE-KMS with a bucket key); null uses S3-managed keys (SSE-S3)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias: IAM policies and CloudWatch Logs need the key ARN."
  }
}

################################################################################
# Bucket
################################################################################

variable "bucket_name" {
  description = "Name of an existing bucket to use instead of creating one. Its owner configures it (encryption, public access block, TLS-only policy, lifecycle on claims/ and archive/)."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 lower-case letters, digits, '.' or '-'."
  }
}

variable "bucket_kms_key_arn" {
  description = "The customer managed KMS key a brought bucket (bucket_name) is encrypted with (SSE-KMS), so the functions' roles may use it through S3; null when the brought bucket uses SSE-S3. A created bucket is encrypted with kms_key_arn."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.bucket_kms_key_arn))
    error_message = "bucket_kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias: IAM policies and CloudWatch Logs need the key ARN."
  }

  validation {
    condition     = var.bucket_kms_key_arn == null || var.bucket_name != null
    error_message = "bucket_kms_key_arn is the key of a brought bucket (bucket_name); a bucket the module creates is encrypted with kms_key_arn."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy the created bucket with objects still in it (the archive and large item bodies are lost). Keep false in production."
  type        = bool
  default     = false
  nullable    = false
}

variable "versioning_enabled" {
  description = "Enable versioning on the created bucket (noncurrent versions expire after 7 days)."
  type        = bool
  default     = false
  nullable    = false
}

variable "claim_expiration_days" {
  description = "Days a claim-check body is kept under claims/. It must outlive its message in the queue and the dead-letter queue, or a late redrive finds it gone (dead-lettered as claim_check_missing)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.claim_expiration_days >= 1 && floor(var.claim_expiration_days) == var.claim_expiration_days
    error_message = "claim_expiration_days must be a whole number of days, at least 1."
  }
}

variable "archive_expiration_days" {
  description = "Days the raw archive (archive/) is kept."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = var.archive_expiration_days >= 1 && floor(var.archive_expiration_days) == var.archive_expiration_days
    error_message = "archive_expiration_days must be a whole number of days, at least 1."
  }
}

variable "item_body_expiration_days" {
  description = "Days the bodies of items too large for DynamoDB (items/) are kept; null keeps them as long as the items (set it to the table's ttl_days when that is set)."
  type        = number
  default     = null

  validation {
    condition     = var.item_body_expiration_days == null || try(var.item_body_expiration_days >= 1 && floor(var.item_body_expiration_days) == var.item_body_expiration_days, false)
    error_message = "item_body_expiration_days must be null or a whole number of days, at least 1."
  }
}
