# Every feature on: a customer managed KMS key for everything, alarms notifying an
# SNS topic, item expiry, a custom route, first-write-wins, larger batches, CORS.

provider "aws" {
  region = var.region
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
}

################################################################################
# Customer managed key (SQS, DynamoDB, Secrets Manager, CloudWatch Logs, SNS)
################################################################################

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_111:A key policy's Resource "*" means the key itself; write access is limited to the account root and two services.
  #checkov:skip=CKV_AWS_356:A key policy's Resource "*" means the key itself, not every resource.
  #checkov:skip=CKV_AWS_109:Key administration by the account root is AWS's default key policy; without it the key becomes unmanageable.
  statement {
    sid       = "AccountAdministersKey"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsUseKey"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }

    # Confused-deputy guard: only for this account's log groups.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "AlarmsPublishToEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    # Confused-deputy guard: only this account's alarms.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name} webhook ingest data"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# Alarm notifications
################################################################################

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.this.arn
}

################################################################################
# The pipeline
################################################################################

module "webhook_ingest" {
  source = "../.."

  name        = var.name
  kms_key_arn = aws_kms_key.this.arn
  tags        = { Project = "webhooks", Environment = "example" }

  log_retention_in_days = 400

  api = {
    route_key                        = "POST /hooks/orders"
    authorizer_result_ttl_in_seconds = 600
    throttling_burst_limit           = 500
    throttling_rate_limit            = 250
    cors                             = { allow_origins = ["https://dashboard.example.com"] }
  }

  auth = {
    username                 = "orders-sender"
    password_length          = 64
    secret_cache_ttl_seconds = 600
  }

  queue = {
    max_receive_count = 8
  }

  consumer = {
    write_mode                         = "first-write-wins"
    batch_size                         = 100
    maximum_batching_window_in_seconds = 5
    maximum_concurrency                = 20
    memory_size                        = 512
  }

  table = {
    ttl_attribute = "expiresAt"
    ttl_days      = 90
  }

  alarms = {
    alarm_actions                    = [aws_sns_topic.alarms.arn]
    oldest_message_age_alarm_seconds = 300
  }
}
