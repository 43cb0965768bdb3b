# The payload bucket applied to moto: secure settings asserted on what was
# created; a brought bucket creates nothing.

variables {
  name = "Unit_Storage"
}

provider "aws" {
  allowed_account_ids = ["123456789012"]
}

run "created_bucket_is_private_encrypted_tls_only_and_expires_what_it_should" {
  command = apply

  variables {
    force_destroy = true
  }

  assert {
    condition     = startswith(aws_s3_bucket.this[0].bucket, "unit-storage-payloads-") && output.s3_bucket_arn == "arn:aws:s3:::${output.s3_bucket_id}"
    error_message = "The bucket is <name>-payloads-<random>, lower-cased, and its ARN is output."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this[0].block_public_acls,
      aws_s3_bucket_public_access_block.this[0].block_public_policy,
      aws_s3_bucket_public_access_block.this[0].ignore_public_acls,
      aws_s3_bucket_public_access_block.this[0].restrict_public_buckets,
    ]) && one(aws_s3_bucket_ownership_controls.this[0].rule).object_ownership == "BucketOwnerEnforced"
    error_message = "Public access is blocked four ways and ACLs are disabled."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Without a KMS key the bucket is encrypted with S3-managed keys."
  }

  assert {
    condition = (
      one(jsondecode(aws_s3_bucket_policy.this[0].policy).Statement).Effect == "Deny" &&
      one(jsondecode(aws_s3_bucket_policy.this[0].policy).Statement).Condition.Bool["aws:SecureTransport"] == "false" &&
      jsonencode(sort(one(jsondecode(aws_s3_bucket_policy.this[0].policy).Statement).Resource)) == jsonencode(sort([output.s3_bucket_arn, "${output.s3_bucket_arn}/*"]))
    )
    error_message = "The policy denies every request without TLS, on the bucket and its objects."
  }

  assert {
    condition = jsonencode({ for rule in aws_s3_bucket_lifecycle_configuration.this[0].rule : rule.id => try(one(rule.expiration).days, null) if rule.status == "Enabled" }) == jsonencode({
      "clean-up" = null, "expire-archive" = 365, "expire-claims" = 30
    })
    error_message = "Claims expire after 30 days, the archive after 365; item bodies are kept; incomplete uploads are cleaned up."
  }

  assert {
    condition     = length(aws_s3_bucket_versioning.this) == 0
    error_message = "Versioning is off unless asked for."
  }
}

run "kms_key_and_versioning" {
  command = plan

  variables {
    kms_key_arn               = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    versioning_enabled        = true
    item_body_expiration_days = 90
  }

  assert {
    condition = (
      one(one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms" &&
      one(one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).apply_server_side_encryption_by_default).kms_master_key_id == var.kms_key_arn &&
      one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).bucket_key_enabled
    )
    error_message = "With a key: SSE-KMS with that key and a bucket key."
  }

  assert {
    condition     = one(aws_s3_bucket_versioning.this[0].versioning_configuration).status == "Enabled" && [for rule in aws_s3_bucket_lifecycle_configuration.this[0].rule : one(rule.expiration).days if rule.id == "expire-item-bodies" && rule.status == "Enabled"] == [90]
    error_message = "Versioning and the item-body expiry are created when asked for."
  }
}

run "brought_bucket_creates_nothing" {
  command = plan

  variables {
    bucket_name = "their-bucket"
  }

  assert {
    condition     = length(aws_s3_bucket.this) == 0 && length(aws_s3_bucket_policy.this) == 0 && length(aws_s3_bucket_lifecycle_configuration.this) == 0
    error_message = "A brought bucket is its owner's to configure."
  }

  assert {
    # The ARN is built from the partition moto reports, not given.
    condition     = output.s3_bucket_arn == "arn:aws:s3:::${var.bucket_name}" && output.s3_bucket_kms_key_arn == null
    error_message = "The brought bucket's ARN is derived in the aws partition; without bucket_kms_key_arn it is taken as SSE-S3."
  }
}

run "brought_bucket_key_must_be_a_key_arn" {
  command = plan

  variables {
    bucket_name        = "their-bucket"
    bucket_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:alias/their-key"
  }

  expect_failures = [var.bucket_kms_key_arn]
}

run "brought_bucket_key_without_a_brought_bucket" {
  command = plan

  variables {
    bucket_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  expect_failures = [var.bucket_kms_key_arn]
}

run "claim_expiration_must_be_whole_days" {
  command = plan

  variables {
    claim_expiration_days = 0
  }

  expect_failures = [var.claim_expiration_days]
}
