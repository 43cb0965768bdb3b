# Plan-level tests of the api module on its own.

variables {
  moto_endpoint                  = trimspace(file(".moto-endpoint.api"))
  name                           = "unit-api"
  authorizer_function_invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:unit-api-authorizer/invocations"
  queue_url                      = "https://sqs.us-east-1.amazonaws.com/123456789012/unit-api"
  queue_arn                      = "arn:aws:sqs:us-east-1:123456789012:unit-api"
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
    condition     = aws_apigatewayv2_route.this[0].route_key == "POST /submit" && aws_apigatewayv2_route.this[0].authorization_type == "CUSTOM"
    error_message = "The default route is POST /submit behind the custom authorizer."
  }

  assert {
    condition = (
      aws_apigatewayv2_authorizer.this[0].authorizer_type == "REQUEST" &&
      aws_apigatewayv2_authorizer.this[0].authorizer_payload_format_version == "2.0" &&
      aws_apigatewayv2_authorizer.this[0].enable_simple_responses &&
      aws_apigatewayv2_authorizer.this[0].identity_sources == toset(["$request.header.Authorization"]) &&
      aws_apigatewayv2_authorizer.this[0].authorizer_result_ttl_in_seconds == 300
    )
    error_message = "REQUEST authorizer, payload 2.0, simple responses, keyed on the Authorization header, cached 300 s."
  }

  assert {
    condition = (
      aws_apigatewayv2_integration.this[0].integration_subtype == "SQS-SendMessage" &&
      aws_apigatewayv2_integration.this[0].request_parameters["QueueUrl"] == var.queue_url &&
      aws_apigatewayv2_integration.this[0].request_parameters["MessageBody"] == "$request.body" &&
      jsondecode(aws_apigatewayv2_integration.this[0].request_parameters["MessageAttributes"]).principal.StringValue == "$${context.authorizer.principal}" &&
      jsondecode(aws_apigatewayv2_integration.this[0].request_parameters["MessageAttributes"]).requestId.StringValue == "$${context.requestId}"
    )
    error_message = "The integration sends the raw body to the queue with the principal and request id as attributes."
  }

  assert {
    condition     = { for s in data.aws_iam_policy_document.send[0].statement : s.sid => [toset(s.actions), toset(s.resources)] } == { SendToQueue = [toset(["sqs:SendMessage"]), toset([var.queue_arn])] }
    error_message = "The integration role may only send to this queue."
  }

  assert {
    condition = (
      aws_apigatewayv2_stage.this[0].name == "$default" && aws_apigatewayv2_stage.this[0].auto_deploy &&
      aws_apigatewayv2_stage.this[0].default_route_settings[0].throttling_burst_limit == 200 &&
      aws_apigatewayv2_stage.this[0].default_route_settings[0].throttling_rate_limit == 100 &&
      aws_cloudwatch_log_group.access[0].retention_in_days == 365
    )
    error_message = "$default stage, auto-deployed, throttled, with access logs kept a year."
  }

  assert {
    condition     = length(aws_apigatewayv2_api.this[0].cors_configuration) == 0
    error_message = "No CORS by default."
  }
}

run "cmk_cors_and_uncached_authorizer" {
  command = plan

  variables {
    kms_key_arn                      = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    cors                             = { allow_origins = ["https://dash.example.com"] }
    authorizer_result_ttl_in_seconds = 0
    route_key                        = "PUT /hooks/{source}"
  }

  assert {
    condition     = { for s in data.aws_iam_policy_document.send[0].statement : s.sid => toset(s.actions) } == { SendToQueue = toset(["sqs:SendMessage"]), EncryptForQueue = toset(["kms:GenerateDataKey", "kms:Decrypt"]) }
    error_message = "A CMK adds exactly GenerateDataKey and Decrypt."
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.send[0].statement : [for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"] if s.sid == "EncryptForQueue"] == [["StringEquals kms:ViaService sqs.us-east-1.amazonaws.com"]]
    error_message = "The key is usable through SQS only."
  }

  assert {
    condition     = aws_apigatewayv2_api.this[0].cors_configuration[0].allow_origins == toset(["https://dash.example.com"]) && aws_apigatewayv2_authorizer.this[0].authorizer_result_ttl_in_seconds == 0
    error_message = "CORS and TTL 0 are passed through."
  }
}

run "create_false_creates_nothing" {
  command = plan

  variables {
    create                         = false
    authorizer_function_invoke_arn = null
    queue_url                      = null
    queue_arn                      = null
  }

  assert {
    condition     = length(aws_apigatewayv2_api.this) + length(aws_apigatewayv2_route.this) + length(aws_iam_role.integration) == 0
    error_message = "create = false must create nothing."
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

run "integration_applied" {
  command = apply
}

run "changed_request_parameters_replace_the_integration" {
  command = apply

  variables {
    queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/unit-api-moved"
  }

  assert {
    condition     = output.apigatewayv2_integration_id != run.integration_applied.apigatewayv2_integration_id
    error_message = "A change of request parameters must replace the integration: the provider does not re-send them on update (terraform-provider-aws#22647)."
  }

  assert {
    condition     = aws_apigatewayv2_integration.this[0].request_parameters["QueueUrl"] == var.queue_url && aws_apigatewayv2_route.this[0].target == "integrations/${output.apigatewayv2_integration_id}"
    error_message = "The route targets the new integration, which carries the new mapping."
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.assume_role[0].statement : toset([for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"])] == [toset(["StringEquals aws:SourceAccount 123456789012", "ArnLike aws:SourceArn ${aws_apigatewayv2_api.this[0].execution_arn}/*"])]
    error_message = "Only API Gateway acting for this account's API may assume the integration role."
  }
}
