locals {
  # Deprecated inputs win when set, so an upgrade changes nothing.
  maximum_batching_window_in_seconds = coalesce(var.batching_window_seconds, var.maximum_batching_window_in_seconds)
  create_alarms                      = coalesce(var.alarms_enabled, var.create_alarms)

  visibility_timeout_seconds = coalesce(var.visibility_timeout_seconds, 6 * var.consumer_timeout_seconds + local.maximum_batching_window_in_seconds)
  sqs_managed_sse            = var.kms_key_arn == null
}

################################################################################
# Dead-letter queue
################################################################################

resource "aws_sqs_queue" "dead_letter" {
  count = var.create ? 1 : 0

  name                              = "${var.name}-dlq"
  message_retention_seconds         = var.dead_letter_message_retention_seconds
  max_message_size                  = var.max_message_size
  sqs_managed_sse_enabled           = local.sqs_managed_sse ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sqs_managed_sse ? null : 3600

  tags = var.tags
}

# A separate resource, not an inline attribute: the DLQ would otherwise need the
# main queue's ARN while the main queue needs the DLQ's (a dependency cycle).
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  count = var.create && var.redrive_allow_policy_enabled ? 1 : 0

  queue_url = aws_sqs_queue.dead_letter[0].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this[0].arn]
  })
}

################################################################################
# Buffering queue
################################################################################

resource "aws_sqs_queue" "this" {
  count = var.create ? 1 : 0

  name                              = var.name
  visibility_timeout_seconds        = local.visibility_timeout_seconds
  message_retention_seconds         = var.message_retention_seconds
  max_message_size                  = var.max_message_size
  receive_wait_time_seconds         = 20 # long polling: fewer empty receives, fewer requests billed
  sqs_managed_sse_enabled           = local.sqs_managed_sse ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sqs_managed_sse ? null : 3600

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter[0].arn
    maxReceiveCount     = var.max_receive_count
  })

  tags = var.tags
}

################################################################################
# Queue policies: TLS only
################################################################################

data "aws_iam_policy_document" "tls_only" {
  for_each = var.create ? { main = aws_sqs_queue.this[0].arn, dead_letter = aws_sqs_queue.dead_letter[0].arn } : {}

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"] # a Deny: the broader, the safer
    resources = [each.value]

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

resource "aws_sqs_queue_policy" "this" {
  for_each = data.aws_iam_policy_document.tls_only

  queue_url = each.key == "main" ? aws_sqs_queue.this[0].id : aws_sqs_queue.dead_letter[0].id
  policy    = each.value.json
}

################################################################################
# Alarms
################################################################################

resource "aws_cloudwatch_metric_alarm" "dead_letter_not_empty" {
  count = var.create && local.create_alarms ? 1 : 0

  alarm_name          = "${var.name}-dlq-not-empty"
  alarm_description   = "Messages are waiting in ${var.name}-dlq: they failed processing. Inspect them, fix the cause, then redrive (scripts/redrive.py)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letter[0].name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "oldest_message_age" {
  count = var.create && local.create_alarms ? 1 : 0

  alarm_name          = "${var.name}-oldest-message-age"
  alarm_description   = "The oldest message on ${var.name} is older than ${var.oldest_message_age_alarm_seconds} s: the consumer is paused, failing or too slow."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.this[0].name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.oldest_message_age_alarm_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = var.tags
}
