# Validation of the api module's inputs: each run gives one wrong value and
# expects its variable's rule to reject it. Nothing reaches an API: the provider
# is mocked (mock_provider: no emulator, no credentials).

variables {
  name                           = "unit-api"
  authorizer_function_invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:unit-api-authorizer/invocations"
  queue_url                      = "https://sqs.us-east-1.amazonaws.com/123456789012/unit-api"
  queue_arn                      = "arn:aws:sqs:us-east-1:123456789012:unit-api"
}

mock_provider "aws" {
  # Resources validate the policy JSON they get: a random string would fail first.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

run "route_with_get" {
  command = plan

  variables {
    route_key = "GET /submit"
  }

  expect_failures = [var.route_key]
}

run "authorizer_ttl_over_an_hour" {
  command = plan

  variables {
    authorizer_result_ttl_in_seconds = 3601
  }

  expect_failures = [var.authorizer_result_ttl_in_seconds]
}

run "zero_burst" {
  command = plan

  variables {
    throttling_burst_limit = 0
  }

  expect_failures = [var.throttling_burst_limit]
}

run "cors_without_origins" {
  command = plan

  variables {
    cors = { allow_origins = [] }
  }

  expect_failures = [var.cors]
}

run "name_empty" {
  command = plan

  variables {
    name = ""
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

run "log_retention_not_accepted" {
  command = plan

  variables {
    log_retention_in_days = 0
  }

  expect_failures = [var.log_retention_in_days]
}

run "authorizer_uri_is_a_function_arn" {
  command = plan

  variables {
    authorizer_function_invoke_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
  }

  expect_failures = [var.authorizer_function_invoke_arn]
}

run "rate_limit_zero" {
  command = plan

  variables {
    throttling_rate_limit = 0
  }

  expect_failures = [var.throttling_rate_limit]
}

run "queue_url_not_http" {
  command = plan

  variables {
    queue_url = "ftp://x"
  }

  expect_failures = [var.queue_url]
}

run "queue_arn_not_sqs" {
  command = plan

  variables {
    queue_arn = "arn:aws:sns:us-east-1:123456789012:t"
  }

  expect_failures = [var.queue_arn]
}

run "two_routes_with_one_route_key" {
  command = plan

  variables {
    routes = {
      a = { route_key = "POST /hooks/x", authorizer_name = "a", identity_sources = [] }
      b = { route_key = "POST /hooks/x", authorizer_name = "b", identity_sources = [] }
    }
  }

  expect_failures = [var.routes]
}

run "a_route_taking_a_reserved_attribute" {
  command = plan

  variables {
    routes = {
      a = { route_key = "POST /hooks/a", authorizer_name = "a", identity_sources = [], message_attributes = { principal = "me" } }
    }
  }

  expect_failures = [var.routes]
}

run "domain_with_a_url_for_a_name" {
  command = plan

  variables {
    domain = {
      name            = "https://hooks.example.com/"
      certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    }
  }

  expect_failures = [var.domain]
}

run "domain_base_path_climbing_out" {
  command = plan

  variables {
    domain = {
      name            = "hooks.example.com"
      certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
      base_path       = "v1/../hooks"
    }
  }

  expect_failures = [var.domain]
}

run "domain_base_path_with_a_slash" {
  command = plan

  variables {
    domain = {
      name            = "hooks.example.com"
      certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
      base_path       = "/hooks"
    }
  }

  expect_failures = [var.domain]
}
