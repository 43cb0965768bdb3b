# Validation of every function's settings, in the one place they are checked:
# the authorizer, the consumer and the front function all pass theirs here whole
# (tests/test_root_validation.py checks the same rules through the root's plan).
# Nothing reaches an API: the provider is mocked.

variables {
  function_name         = "unit-function"
  description           = "A function under test."
  default_package_path  = "../../packages/consumer.zip"
  environment_variables = {}
  policy_statements     = []
  limits                = { function = "the function under test" }
  settings = {
    architecture          = "arm64"
    memory_size           = 256
    timeout_seconds       = 30
    log_retention_in_days = 365
  }
}

mock_provider "aws" {
  # Resources validate the policy JSON they get: a random string would fail first.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

run "a_callers_whole_settings_object_is_taken" {
  command = plan

  variables {
    # As the root passes its consumer object: attributes this module does not take are dropped.
    settings = {
      architecture          = "x86_64"
      memory_size           = 1024
      timeout_seconds       = 60
      log_retention_in_days = 30
      write_mode            = "last-write-wins"
      policy_statements     = []
      package               = { s3_bucket = "artifacts", s3_key = "consumer.zip", source_code_hash = "AAAA" }
    }
  }

  assert {
    condition     = aws_lambda_function.this[0].architectures == tolist(["x86_64"]) && aws_lambda_function.this[0].memory_size == 1024 && aws_lambda_function.this[0].timeout == 60
    error_message = "architecture, memory_size and timeout_seconds reach the function."
  }

  assert {
    condition     = aws_lambda_function.this[0].s3_bucket == "artifacts" && aws_lambda_function.this[0].s3_key == "consumer.zip" && aws_lambda_function.this[0].filename == null
    error_message = "An S3 package replaces the committed zip."
  }

  assert {
    condition     = module.log_group.cloudwatch_log_group.retention_in_days == 30
    error_message = "log_retention_in_days reaches the log group."
  }

  assert {
    condition     = aws_lambda_function.this[0].tracing_config[0].mode == "Active" && coalesce(aws_lambda_function.this[0].reserved_concurrent_executions, -1) == -1
    error_message = "Left out, tracing stays Active and the function unreserved (the provider's -1), as before these settings existed (the mocked plan leaves the default null)."
  }
}

run "tracing_and_reserved_concurrency_reach_the_function" {
  command = plan

  variables {
    settings = { architecture = "arm64", memory_size = 256, timeout_seconds = 30, log_retention_in_days = 365, tracing_mode = "PassThrough", reserved_concurrent_executions = 5 }
  }

  assert {
    condition     = aws_lambda_function.this[0].tracing_config[0].mode == "PassThrough" && aws_lambda_function.this[0].reserved_concurrent_executions == 5
    error_message = "tracing_mode and reserved_concurrent_executions reach the function."
  }
}

run "provisioned_concurrency_keeps_a_published_version_warm_behind_an_alias" {
  command = plan

  variables {
    settings = { architecture = "arm64", memory_size = 512, timeout_seconds = 15, log_retention_in_days = 365, provisioned_concurrent_executions = 2 }
  }

  assert {
    condition     = aws_lambda_function.this[0].publish && aws_lambda_alias.live[0].name == "live" && aws_lambda_provisioned_concurrency_config.live[0].qualifier == "live"
    error_message = "With provisioned concurrency the function publishes versions and the alias live is what is kept warm."
  }

  assert {
    condition     = aws_lambda_provisioned_concurrency_config.live[0].provisioned_concurrent_executions == 2 && output.lambda_alias_name == "live"
    error_message = "The setting reaches the alias's provisioned concurrency, and callers are told to invoke the alias."
  }
}

run "without_provisioned_concurrency_nothing_is_published" {
  command = plan

  assert {
    condition     = !aws_lambda_function.this[0].publish && length(aws_lambda_alias.live) == 0 && length(aws_lambda_provisioned_concurrency_config.live) == 0 && output.lambda_alias_name == null
    error_message = "Off (the default), the function is as before: no version published, no alias, invoked unqualified."
  }
}

run "provisioned_concurrency_zero" {
  command = plan

  variables {
    settings = { architecture = "arm64", memory_size = 256, timeout_seconds = 30, log_retention_in_days = 365, provisioned_concurrent_executions = 0 }
  }

  expect_failures = [var.settings]
}

run "provisioned_concurrency_over_the_reserved" {
  command = plan

  variables {
    settings = { architecture = "arm64", memory_size = 256, timeout_seconds = 30, log_retention_in_days = 365, reserved_concurrent_executions = 2, provisioned_concurrent_executions = 3 }
  }

  expect_failures = [var.settings]
}

run "tracing_mode_unknown" {
  command = plan

  variables {
    settings = { architecture = "arm64", memory_size = 256, timeout_seconds = 30, log_retention_in_days = 365, tracing_mode = "Off" }
  }

  expect_failures = [var.settings]
}

run "reserved_concurrency_negative" {
  command = plan

  variables {
    settings = { architecture = "arm64", memory_size = 256, timeout_seconds = 30, log_retention_in_days = 365, reserved_concurrent_executions = -1 }
  }

  expect_failures = [var.settings]
}

run "architecture_unknown" {
  command = plan

  variables {
    settings = { architecture = "arm", memory_size = 256, timeout_seconds = 30, log_retention_in_days = 365 }
  }

  expect_failures = [var.settings]
}

run "memory_over_lambda_limit" {
  command = plan

  variables {
    settings = { architecture = "arm64", memory_size = 20000, timeout_seconds = 30, log_retention_in_days = 365 }
  }

  expect_failures = [var.settings]
}

run "memory_below_the_callers_floor" {
  command = plan

  variables {
    settings = { architecture = "arm64", memory_size = 128, timeout_seconds = 15, log_retention_in_days = 365 }
    limits   = { function = "the front function", min_memory_size = 256 }
  }

  expect_failures = [var.settings]
}

run "timeout_zero" {
  command = plan

  variables {
    settings = { architecture = "arm64", memory_size = 256, timeout_seconds = 0, log_retention_in_days = 365 }
  }

  expect_failures = [var.settings]
}

run "timeout_over_the_callers_ceiling" {
  command = plan

  variables {
    settings = { architecture = "arm64", memory_size = 256, timeout_seconds = 11, log_retention_in_days = 365 }
    limits   = { function = "the authorizer", max_timeout_seconds = 10 }
  }

  expect_failures = [var.settings]
}

run "log_retention_not_accepted_by_cloudwatch" {
  command = plan

  variables {
    settings = { architecture = "arm64", memory_size = 256, timeout_seconds = 30, log_retention_in_days = 42 }
  }

  expect_failures = [var.settings]
}

run "package_needs_one_source" {
  command = plan

  variables {
    settings = {
      architecture          = "arm64"
      memory_size           = 256
      timeout_seconds       = 30
      log_retention_in_days = 365
      package               = { local_path = "x.zip", s3_bucket = "b", s3_key = "k" }
    }
  }

  expect_failures = [var.settings]
}

run "an_environment_over_lambdas_4_kb_is_refused_with_the_functions_name" {
  command = plan

  variables {
    # SOURCES (7) + 4,084 + LEVEL (5) + 1 = 4,097 characters: one over what Lambda takes.
    environment_variables = { SOURCES = format("%04084d", 0), LEVEL = "a" }
  }

  expect_failures = [aws_lambda_function.this]
}

run "an_environment_of_exactly_4_kb_is_taken" {
  command = plan

  variables {
    environment_variables = { SOURCES = format("%04083d", 0), LEVEL = "a" }
  }

  assert {
    condition     = length(aws_lambda_function.this[0].environment[0].variables["SOURCES"]) == 4083
    error_message = "4,096 characters in all (names and values) fit."
  }
}
