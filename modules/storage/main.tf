# The payload bucket: claim-check bodies (claims/), bodies of items too large
# for DynamoDB (items/) and the raw archive (archive/). Created here with
# encryption, public access blocked, a TLS-only policy and lifecycle rules, or
# brought by name (then its owner configures it; this module touches nothing).

locals {
  # What the Terraform and the functions must agree on (scheme headers, attribute
  # names, bucket prefixes, metric names): one file, which the packages carry too.
  contract      = jsondecode(file("${path.module}/../../functions/shared/contract.json"))
  create_bucket = var.create && var.bucket_name == null
  bucket_id     = local.create_bucket ? aws_s3_bucket.this[0].id : var.bucket_name
  # Decided by what is known at plan (not by the created bucket's name): a
  # template is known not to be null, so the functions' statements are too.
  bucket_arn = local.create_bucket || (var.create && var.bucket_name != null) ? "arn:${data.aws_partition.current.partition}:s3:::${local.bucket_id}" : null
  # Bucket names are lower-case, and a prefix at most 37 characters.
  bucket_prefix = "${trim(substr(replace(lower(var.name), "_", "-"), 0, 27), "-")}-payloads-"
}

data "aws_partition" "current" {}

################################################################################
# Bucket
################################################################################

resource "aws_s3_bucket" "this" {
  count = local.create_bucket ? 1 : 0

  #checkov:skip=CKV_AWS_18:Access logging needs a second bucket the user owns; every write is by the module's own functions, whose calls CloudTrail data events can record.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice for the user (it needs a second bucket in another region); the table holds the items, this bucket their large bodies and an archive.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object-created events: the queue already carries a pointer to every claim.
  #checkov:skip=CKV_AWS_21:Versioning is optional (versioning_enabled): claims and archive objects are written once under unique keys and never overwritten.
  #checkov:skip=CKV_AWS_145:Encrypted with the module's KMS key when one is given, otherwise with S3-managed keys (SSE-S3), like the rest of the module without a key.
  bucket_prefix = local.bucket_prefix
  force_destroy = var.force_destroy

  tags = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    object_ownership = "BucketOwnerEnforced" # no ACLs: the policy alone decides
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  count = local.create_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.this[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # One KMS request per bucket key period instead of one per object.
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_versioning" "this" {
  count = local.create_bucket && var.versioning_enabled ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  # Whole bucket: uploads never completed, and old versions when versioned.
  rule {
    id     = "clean-up"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }
  }

  # A claim is read once its message is consumed; it must outlive the message
  # in both queues (a redrive resolves it again).
  rule {
    id     = "expire-claims"
    status = "Enabled"

    filter {
      prefix = local.contract.bucket_prefixes.claims
    }

    expiration {
      days = var.claim_expiration_days
    }
  }

  rule {
    id     = "expire-archive"
    status = "Enabled"

    filter {
      prefix = local.contract.bucket_prefixes.archive
    }

    expiration {
      days = var.archive_expiration_days
    }
  }

  # Always present, disabled while item bodies are kept (a dynamic block would
  # hide the clean-up rule from checkov's CKV_AWS_300).
  rule {
    id     = "expire-item-bodies"
    status = var.item_body_expiration_days == null ? "Disabled" : "Enabled"

    filter {
      prefix = local.contract.bucket_prefixes.items
    }

    expiration {
      days = coalesce(var.item_body_expiration_days, 36500)
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

################################################################################
# Policy: TLS only
################################################################################

data "aws_iam_policy_document" "tls_only" {
  count = local.create_bucket ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"] # a Deny: the broader, the safer
    resources = [aws_s3_bucket.this[0].arn, "${aws_s3_bucket.this[0].arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  policy = data.aws_iam_policy_document.tls_only[0].json

  # S3 refuses a policy while the public access block is being written.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
