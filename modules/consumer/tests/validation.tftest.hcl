# Validation of the consumer module's inputs: each run gives one wrong value and
# expects its variable's rule to reject it. Nothing reaches an API: the provider
# is mocked (mock_provider: no emulator, no credentials).

variables {
  name                  = "unit-consumer"
  queue_arn             = "arn:aws:sqs:us-east-1:123456789012:unit"
  dead_letter_queue_arn = "arn:aws:sqs:us-east-1:123456789012:unit-dlq"
  dead_letter_queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/unit-dlq"
}

mock_provider "aws" {
  # Resources validate the policy JSON they get: a random string would fail first.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

run "batch_over_10_needs_a_window" {
  command = plan

  variables {
    batch_size = 100
  }

  expect_failures = [var.maximum_batching_window_in_seconds]
}

run "batch_size_out_of_range" {
  command = plan

  variables {
    batch_size                         = 10001
    maximum_batching_window_in_seconds = 1
  }

  expect_failures = [var.batch_size]
}

run "concurrency_below_two" {
  command = plan

  variables {
    maximum_concurrency = 1
  }

  expect_failures = [var.maximum_concurrency]
}

run "unknown_write_mode" {
  command = plan

  variables {
    write_mode = "append"
  }

  expect_failures = [var.write_mode]
}

run "ttl_days_without_attribute" {
  command = plan

  variables {
    ttl_days = 7
  }

  expect_failures = [var.ttl_days]
}

run "queue_arn_not_sqs" {
  command = plan

  variables {
    queue_arn = "arn:aws:sns:us-east-1:123456789012:topic"
  }

  expect_failures = [var.queue_arn]
}

run "ordering_guard_with_first_write_wins" {
  command = plan

  variables {
    write_mode         = "first-write-wins"
    ordering_attribute = "updatedAt"
  }

  expect_failures = [var.ordering_attribute]
}

run "table_key_not_an_arn" {
  command = plan

  variables {
    table_kms_key_arn = "alias/mine"
  }

  expect_failures = [var.table_kms_key_arn]
}

run "name_with_slash" {
  command = plan

  variables {
    name = "x/y"
  }

  expect_failures = [var.name]
}

run "kms_key_not_an_arn" {
  command = plan

  variables {
    kms_key_arn = "x"
  }

  expect_failures = [var.kms_key_arn]
}

run "dead_letter_queue_arn_not_sqs" {
  command = plan

  variables {
    dead_letter_queue_arn = "arn:aws:sns:us-east-1:123456789012:t"
  }

  expect_failures = [var.dead_letter_queue_arn]
}

run "dead_letter_queue_url_not_http" {
  command = plan

  variables {
    dead_letter_queue_url = "sqs://x"
  }

  expect_failures = [var.dead_letter_queue_url]
}

run "batching_window_over_300" {
  command = plan

  variables {
    maximum_batching_window_in_seconds = 301
  }

  expect_failures = [var.maximum_batching_window_in_seconds]
}

run "table_name_with_space" {
  command = plan

  variables {
    table_name = "a b"
  }

  expect_failures = [var.table_name]
}

run "partition_key_empty" {
  command = plan

  variables {
    partition_key = ""
  }

  expect_failures = [var.partition_key]
}

run "alarm_action_not_an_arn" {
  command = plan

  variables {
    alarm_actions = ["x"]
  }

  expect_failures = [var.alarm_actions]
}

run "create_table_contradicts_a_given_table" {
  command = plan

  variables {
    create_table = true
    table_name   = "existing-table"
  }

  expect_failures = [var.create_table]
}

# A user's sid that the module's own statements use is refused by modules/_role,
# where the whole policy is known (a child module's rule: terraform test cannot
# expect it, so tests/test_root_validation.py checks it through terraform plan).

run "memory_below_512_with_a_claim_check_source" {
  command = plan

  variables {
    sources     = { big = { event_key = "/id", delivery = "claim-check" } }
    memory_size = 256
  }

  expect_failures = [var.memory_size]
}

run "unknown_delivery" {
  command = plan

  variables {
    sources = { big = { event_key = "/id", delivery = "s3" } }
  }

  expect_failures = [var.sources]
}

run "signed_content_key_without_a_signature" {
  command = plan

  variables {
    sources = { plain = { event_key = "@signed-content" } }
  }

  expect_failures = [var.sources]
}

run "payload_key_not_an_arn" {
  command = plan

  variables {
    payload_bucket_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:alias/payloads"
  }

  expect_failures = [var.payload_bucket_kms_key_arn]
}

run "raw_body_source_keyed_by_a_pointer" {
  command = plan

  variables {
    sources = { twilio = { event_key = "/id", body = "raw" } }
  }

  expect_failures = [var.sources]
}

run "unknown_signature_scheme" {
  command = plan

  variables {
    sources = { mailchimp = { event_key = "/id", signature = { scheme = "mailchimp" } } }
  }

  expect_failures = [var.sources]
}

run "signature_tolerance_of_zero" {
  command = plan

  variables {
    sources = { stripe = { event_key = "/id", signature = { scheme = "stripe", tolerance_seconds = 0 } } }
  }

  expect_failures = [var.sources]
}

run "signing_secret_that_is_not_a_secret_arn" {
  command = plan

  variables {
    sources = { stripe = { event_key = "/id", signature = { scheme = "stripe", secret_arn = "stripe-signing" } } }
  }

  expect_failures = [var.sources]
}

run "hmac_without_a_header" {
  command = plan

  variables {
    sources = { custom = { event_key = "/id", signature = { scheme = "hmac" } } }
  }

  expect_failures = [var.sources]
}

run "hmac_timestamp_placeholder_without_its_header" {
  command = plan

  variables {
    sources = { custom = { event_key = "/id", signature = { scheme = "hmac", header = "x-signature", signed_content = "{timestamp}.{body}" } } }
  }

  expect_failures = [var.sources]
}

run "hmac_signed_content_without_the_body" {
  command = plan

  variables {
    sources = { custom = { event_key = "/id", signature = { scheme = "hmac", header = "x-signature", signed_content = "{id}", id_header = "x-id" } } }
  }

  expect_failures = [var.sources]
}

run "signing_secret_cache_ttl_over_an_hour" {
  command = plan

  variables {
    signing_secret_cache_ttl_seconds = 3601
  }

  expect_failures = [var.signing_secret_cache_ttl_seconds]
}

run "delivery_lag_alarm_of_zero_seconds" {
  command = plan

  variables {
    delivery_lag_alarm_seconds = 0
  }

  expect_failures = [var.delivery_lag_alarm_seconds]
}

run "detail_type_neither_a_pointer_nor_a_header" {
  command = plan

  variables {
    sources = { stripe = { event_key = "/id", detail_type = "Type" } }
  }

  expect_failures = [var.sources]
}

run "fan_out_without_a_bus" {
  command = plan

  variables {
    fan_out = { bus_arn = null }
  }

  expect_failures = [var.fan_out]
}

run "fan_out_with_a_queue_for_a_bus" {
  command = plan

  variables {
    fan_out = { bus_arn = "arn:aws:sqs:us-east-1:123456789012:events" }
  }

  expect_failures = [var.fan_out]
}
