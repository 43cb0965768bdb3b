# Validation of the queue module's inputs: each run gives one wrong value and
# expects its variable's rule to reject it. Nothing reaches an API: the provider
# is mocked (mock_provider: no emulator, no credentials).

variables {
  name = "unit-queue"
}

mock_provider "aws" {
  # Resources validate the policy JSON they get: a random string would fail first.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
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
    maximum_batching_window_in_seconds = 301
  }

  expect_failures = [var.maximum_batching_window_in_seconds]
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
