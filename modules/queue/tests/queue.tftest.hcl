# Plan-level tests of the queue module on its own.

variables {
  moto_endpoint = trimspace(file(".moto-endpoint.queue"))
  name          = "unit-queue"
}

# Every AWS call goes to a moto_server on 127.0.0.1: tests/test_terraform.py starts
# one per test file and writes its URL to .moto-endpoint.<file> (gitignored). Without
# that file the run stops before any request, so these tests never reach real AWS.
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    apigatewayv2   = var.moto_endpoint
    cloudwatch     = var.moto_endpoint
    cloudwatchlogs = var.moto_endpoint
    dynamodb       = var.moto_endpoint
    iam            = var.moto_endpoint
    kms            = var.moto_endpoint
    lambda         = var.moto_endpoint
    s3             = var.moto_endpoint
    secretsmanager = var.moto_endpoint
    sns            = var.moto_endpoint
    sqs            = var.moto_endpoint
    sts            = var.moto_endpoint
  }
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
    consumer_timeout_seconds = 60
    batching_window_seconds  = 20
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
    alarms_enabled               = false
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

run "visibility_timeout_below_six_times_the_consumer_timeout" {
  command = plan

  variables {
    visibility_timeout_seconds = 100
  }

  expect_failures = [var.visibility_timeout_seconds]
}

run "dlq_retention_shorter_than_main" {
  command = plan

  variables {
    message_retention_seconds             = 864000
    dead_letter_message_retention_seconds = 86400
  }

  expect_failures = [var.dead_letter_message_retention_seconds]
}

run "max_receive_count_zero" {
  command = plan

  variables {
    max_receive_count = 0
  }

  expect_failures = [var.max_receive_count]
}

run "name_with_spaces" {
  command = plan

  variables {
    name = "my queue"
  }

  expect_failures = [var.name]
}

run "alarm_action_not_an_arn" {
  command = plan

  variables {
    alarm_actions = ["ops@example.com"]
  }

  expect_failures = [var.alarm_actions]
}

run "kms_key_not_an_arn" {
  command = plan

  variables {
    kms_key_arn = "my-key"
  }

  expect_failures = [var.kms_key_arn]
}

run "consumer_timeout_zero" {
  command = plan

  variables {
    consumer_timeout_seconds = 0
  }

  expect_failures = [var.consumer_timeout_seconds]
}

run "batching_window_over_300" {
  command = plan

  variables {
    batching_window_seconds = 301
  }

  expect_failures = [var.batching_window_seconds]
}

run "retention_under_a_minute" {
  command = plan

  variables {
    message_retention_seconds = 30
  }

  expect_failures = [var.message_retention_seconds]
}

run "age_alarm_under_a_minute" {
  command = plan

  variables {
    oldest_message_age_alarm_seconds = 10
  }

  expect_failures = [var.oldest_message_age_alarm_seconds]
}
