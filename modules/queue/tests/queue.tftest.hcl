# Plan-level tests of the queue module on its own.

variables {
  name = "unit-queue"
}

# Every AWS call goes to the moto_server that tests/test_terraform.py starts on
# 127.0.0.1 and names in AWS_ENDPOINT_URL. The guard: the provider refuses to act
# in any account but moto's.
provider "aws" {
  allowed_account_ids = ["123456789012"]
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_sqs_queue.this[0].visibility_timeout_seconds == 180 && aws_sqs_queue.this[0].receive_wait_time_seconds == 20
    error_message = "Visibility timeout defaults to 6 x 30 s + 0 s; long polling is on."
  }

  assert {
    condition     = aws_sqs_queue.this[0].sqs_managed_sse_enabled && aws_sqs_queue.dead_letter[0].sqs_managed_sse_enabled && aws_sqs_queue.this[0].kms_master_key_id == null
    error_message = "Both queues use SQS-managed SSE without a CMK."
  }

  assert {
    condition     = aws_sqs_queue.this[0].message_retention_seconds == 345600 && aws_sqs_queue.dead_letter[0].message_retention_seconds == 1209600
    error_message = "Retention: 4 days on the main queue, 14 on the DLQ."
  }

  assert {
    condition     = length(aws_sqs_queue_redrive_allow_policy.dead_letter) == 1 && length(aws_sqs_queue_policy.this) == 2
    error_message = "Redrive-allow policy and TLS-only policies on both queues by default."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.dead_letter_not_empty) == 1 && aws_cloudwatch_metric_alarm.oldest_message_age[0].threshold == 600
    error_message = "Alarms exist by default; the age threshold defaults to 600 s."
  }
}

run "derived_visibility_timeout_follows_the_consumer" {
  command = plan

  variables {
    consumer_timeout_seconds           = 60
    maximum_batching_window_in_seconds = 20
  }

  assert {
    condition     = aws_sqs_queue.this[0].visibility_timeout_seconds == 380
    error_message = "6 x 60 + 20 = 380."
  }
}

run "cmk_no_alarms_no_redrive_allow" {
  command = plan

  variables {
    kms_key_arn                  = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    create_alarms                = false
    redrive_allow_policy_enabled = false
    max_receive_count            = 3
  }

  assert {
    condition     = aws_sqs_queue.this[0].kms_master_key_id == var.kms_key_arn && aws_sqs_queue.dead_letter[0].kms_master_key_id == var.kms_key_arn
    error_message = "The CMK encrypts both queues."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.dead_letter_not_empty) + length(aws_cloudwatch_metric_alarm.oldest_message_age) + length(aws_sqs_queue_redrive_allow_policy.dead_letter) == 0
    error_message = "Toggles remove the alarms and the redrive-allow policy."
  }
}

run "deprecated_input_names_still_apply" {
  command = plan

  variables {
    batching_window_seconds = 20
    alarms_enabled          = false
  }

  assert {
    condition     = aws_sqs_queue.this[0].visibility_timeout_seconds == 6 * 30 + 20 && length(aws_cloudwatch_metric_alarm.oldest_message_age) == 0
    error_message = "The deprecated batching_window_seconds and alarms_enabled still act as their new names do."
  }
}

run "tls_only_policy" {
  command = plan

  variables {
    name = "unit-queue-tls"
  }

  assert {
    condition = alltrue([for doc in data.aws_iam_policy_document.tls_only : alltrue([
      for s in doc.statement : s.effect == "Deny" && anytrue([for c in s.condition : c.variable == "aws:SecureTransport" && c.values == tolist(["false"])])
    ])])
    error_message = "Queue policies only deny non-TLS access."
  }
}

run "create_false_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_sqs_queue.this) + length(aws_sqs_queue.dead_letter) + length(aws_sqs_queue_policy.this) + length(aws_cloudwatch_metric_alarm.dead_letter_not_empty) == 0
    error_message = "create = false must create nothing."
  }
}
