# Root module: every validation block rejects a wrong value (plan level).

variables {
  moto_endpoint = trimspace(file(".moto-endpoint.root_validation"))
  name          = "root-validation"
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

run "name_too_long" {
  command = plan

  variables {
    name = "a-name-that-is-far-too-long-for-derived-names-x"
  }

  expect_failures = [var.name]
}

run "name_with_slash" {
  command = plan

  variables {
    name = "team/orders"
  }

  expect_failures = [var.name]
}

run "kms_key_is_an_alias" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:alias/mine"
  }

  expect_failures = [var.kms_key_arn]
}

run "log_retention_not_accepted" {
  command = plan

  variables {
    log_retention_in_days = 10
  }

  expect_failures = [var.log_retention_in_days]
}

run "route_with_get" {
  command = plan

  variables {
    api = { route_key = "GET /submit" }
  }

  expect_failures = [var.api]
}

run "route_without_slash" {
  command = plan

  variables {
    api = { route_key = "POST submit" }
  }

  expect_failures = [var.api]
}

run "authorizer_ttl_negative" {
  command = plan

  variables {
    api = { authorizer_result_ttl_in_seconds = -1 }
  }

  expect_failures = [var.api]
}

run "authorizer_ttl_over_an_hour" {
  command = plan

  variables {
    api = { authorizer_result_ttl_in_seconds = 3601 }
  }

  expect_failures = [var.api]
}

run "throttle_rate_zero" {
  command = plan

  variables {
    api = { throttling_rate_limit = 0 }
  }

  expect_failures = [var.api]
}

run "throttle_burst_fractional" {
  command = plan

  variables {
    api = { throttling_burst_limit = 1.5 }
  }

  expect_failures = [var.api]
}

run "cors_without_origins" {
  command = plan

  variables {
    api = { cors = { allow_origins = [] } }
  }

  expect_failures = [var.api]
}

run "secret_arn_not_a_secret" {
  command = plan

  variables {
    auth = { secret_arn = "arn:aws:s3:::bucket" }
  }

  expect_failures = [var.auth]
}

run "username_with_colon" {
  command = plan

  variables {
    auth = { username = "a:b" }
  }

  expect_failures = [var.auth]
}

run "password_too_short" {
  command = plan

  variables {
    auth = { password_length = 12 }
  }

  expect_failures = [var.auth]
}

run "secret_version_zero" {
  command = plan

  variables {
    auth = { secret_version = 0 }
  }

  expect_failures = [var.auth]
}

run "recovery_window_three_days" {
  command = plan

  variables {
    auth = { secret_recovery_window_in_days = 3 }
  }

  expect_failures = [var.auth]
}

run "secret_cache_ttl_negative" {
  command = plan

  variables {
    auth = { secret_cache_ttl_seconds = -5 }
  }

  expect_failures = [var.auth]
}

run "authorizer_architecture_unknown" {
  command = plan

  variables {
    auth = { architecture = "riscv" }
  }

  expect_failures = [var.auth]
}

run "authorizer_timeout_over_ten" {
  command = plan

  variables {
    auth = { timeout_seconds = 15 }
  }

  expect_failures = [var.auth]
}

run "visibility_below_six_times_timeout" {
  command = plan

  variables {
    queue = { visibility_timeout_seconds = 179 }
  }

  expect_failures = [var.queue]
}

run "retention_over_14_days" {
  command = plan

  variables {
    queue = { message_retention_seconds = 1209601 }
  }

  expect_failures = [var.queue]
}

run "dlq_retention_shorter_than_main" {
  command = plan

  variables {
    queue = { message_retention_seconds = 600000, dead_letter_message_retention_seconds = 500000 }
  }

  expect_failures = [var.queue]
}

run "max_receive_count_zero" {
  command = plan

  variables {
    queue = { max_receive_count = 0 }
  }

  expect_failures = [var.queue]
}

run "consumer_memory_too_small" {
  command = plan

  variables {
    consumer = { memory_size = 64 }
  }

  expect_failures = [var.consumer]
}

run "consumer_timeout_over_lambda_limit" {
  command = plan

  variables {
    consumer = { timeout_seconds = 901 }
  }

  expect_failures = [var.consumer]
}

run "write_mode_unknown" {
  command = plan

  variables {
    consumer = { write_mode = "append" }
  }

  expect_failures = [var.consumer]
}

run "batch_size_zero" {
  command = plan

  variables {
    consumer = { batch_size = 0 }
  }

  expect_failures = [var.consumer]
}

run "batch_size_over_10_without_window" {
  command = plan

  variables {
    consumer = { batch_size = 50 }
  }

  expect_failures = [var.consumer]
}

run "batching_window_over_300" {
  command = plan

  variables {
    consumer = { maximum_batching_window_in_seconds = 301 }
  }

  expect_failures = [var.consumer]
}

run "maximum_concurrency_one" {
  command = plan

  variables {
    consumer = { maximum_concurrency = 1 }
  }

  expect_failures = [var.consumer]
}

run "table_name_too_short" {
  command = plan

  variables {
    table = { name = "ab" }
  }

  expect_failures = [var.table]
}

run "partition_key_empty" {
  command = plan

  variables {
    table = { partition_key = "" }
  }

  expect_failures = [var.table]
}

run "ttl_attribute_without_days" {
  command = plan

  variables {
    table = { ttl_attribute = "expiresAt" }
  }

  expect_failures = [var.table]
}

run "ttl_days_negative" {
  command = plan

  variables {
    table = { ttl_attribute = "expiresAt", ttl_days = -1 }
  }

  expect_failures = [var.table]
}

run "alarm_action_not_an_arn" {
  command = plan

  variables {
    alarms = { alarm_actions = ["ops@example.com"] }
  }

  expect_failures = [var.alarms]
}

run "age_alarm_under_a_minute" {
  command = plan

  variables {
    alarms = { oldest_message_age_alarm_seconds = 30 }
  }

  expect_failures = [var.alarms]
}

run "package_with_two_sources" {
  command = plan

  variables {
    packages = { consumer = { local_path = "c.zip", s3_bucket = "b", s3_key = "k" } }
  }

  expect_failures = [var.packages]
}

run "package_s3_without_key" {
  command = plan

  variables {
    packages = { authorizer = { s3_bucket = "b" } }
  }

  expect_failures = [var.packages]
}

run "create_secret_with_a_given_secret" {
  command = plan

  variables {
    auth = { create_secret = true, secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:x" }
  }

  expect_failures = [var.auth]
}

run "create_table_with_a_given_table" {
  command = plan

  variables {
    table = { create = true, name = "existing-table" }
  }

  expect_failures = [var.table]
}

run "username_with_quote" {
  command = plan

  variables {
    auth = { username = "a\"b" }
  }

  expect_failures = [var.auth]
}

run "secret_max_staleness_negative" {
  command = plan

  variables {
    auth = { secret_max_staleness_seconds = -1 }
  }

  expect_failures = [var.auth]
}

run "secret_key_without_a_brought_secret" {
  command = plan

  variables {
    auth = { secret_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555" }
  }

  expect_failures = [var.auth]
}

run "table_key_without_a_brought_table" {
  command = plan

  variables {
    table = { kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555" }
  }

  expect_failures = [var.table]
}

run "ordering_guard_with_first_write_wins" {
  command = plan

  variables {
    consumer = { write_mode = "first-write-wins", ordering_attribute = "updatedAt" }
  }

  expect_failures = [var.consumer]
}
