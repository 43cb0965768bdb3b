# Plan-level tests of the api module on its own.

variables {
  name                           = "unit-api"
  authorizer_function_invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:unit-api-authorizer/invocations"
  queue_url                      = "https://sqs.us-east-1.amazonaws.com/123456789012/unit-api"
  queue_arn                      = "arn:aws:sqs:us-east-1:123456789012:unit-api"
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
    condition     = aws_apigatewayv2_route.this["default"].route_key == "POST /submit" && aws_apigatewayv2_route.this["default"].authorization_type == "CUSTOM"
    error_message = "The default route is POST /submit behind the custom authorizer."
  }

  assert {
    condition = (
      aws_apigatewayv2_authorizer.this["default"].authorizer_type == "REQUEST" &&
      aws_apigatewayv2_authorizer.this["default"].authorizer_payload_format_version == "2.0" &&
      aws_apigatewayv2_authorizer.this["default"].enable_simple_responses &&
      aws_apigatewayv2_authorizer.this["default"].identity_sources == toset(["$request.header.Authorization"]) &&
      aws_apigatewayv2_authorizer.this["default"].authorizer_result_ttl_in_seconds == 300
    )
    error_message = "REQUEST authorizer, payload 2.0, simple responses, keyed on the Authorization header, cached 300 s."
  }

  assert {
    condition = (
      aws_apigatewayv2_integration.this["default"].integration_subtype == "SQS-SendMessage" &&
      aws_apigatewayv2_integration.this["default"].request_parameters["QueueUrl"] == var.queue_url &&
      aws_apigatewayv2_integration.this["default"].request_parameters["MessageBody"] == "$request.body" &&
      jsondecode(aws_apigatewayv2_integration.this["default"].request_parameters["MessageAttributes"]).principal.StringValue == "$${context.authorizer.principal}" &&
      jsondecode(aws_apigatewayv2_integration.this["default"].request_parameters["MessageAttributes"]).requestId.StringValue == "$${context.requestId}"
    )
    error_message = "The integration sends the raw body to the queue with the principal and request id as attributes."
  }

  assert {
    condition     = { for s in module.role.iam_role_policy_statements : s.sid => [toset(s.actions), toset(s.resources)] } == { SendToQueue = [toset(["sqs:SendMessage"]), toset([var.queue_arn])] }
    error_message = "The integration role may only send to this queue."
  }

  assert {
    condition = (
      aws_apigatewayv2_stage.this[0].name == "$default" && aws_apigatewayv2_stage.this[0].auto_deploy &&
      aws_apigatewayv2_stage.this[0].default_route_settings[0].throttling_burst_limit == 200 &&
      aws_apigatewayv2_stage.this[0].default_route_settings[0].throttling_rate_limit == 100 &&
      module.access_log.cloudwatch_log_group.retention_in_days == 365
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
    condition     = { for s in module.role.iam_role_policy_statements : s.sid => toset(s.actions) } == { SendToQueue = toset(["sqs:SendMessage"]), EncryptForQueue = toset(["kms:GenerateDataKey", "kms:Decrypt"]) }
    error_message = "A CMK adds exactly GenerateDataKey and Decrypt."
  }

  assert {
    condition     = [for s in module.role.iam_role_policy_statements : [for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"] if s.sid == "EncryptForQueue"] == [["StringEquals kms:ViaService sqs.us-east-1.amazonaws.com"]]
    error_message = "The key is usable through SQS only."
  }

  assert {
    condition     = aws_apigatewayv2_api.this[0].cors_configuration[0].allow_origins == toset(["https://dash.example.com"]) && aws_apigatewayv2_authorizer.this["default"].authorizer_result_ttl_in_seconds == 0
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
    condition     = length(aws_apigatewayv2_api.this) + length(aws_apigatewayv2_route.this) + length(module.role.iam_role[*]) == 0
    error_message = "create = false must create nothing."
  }
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
    condition     = aws_apigatewayv2_integration.this["default"].request_parameters["QueueUrl"] == var.queue_url && aws_apigatewayv2_route.this["default"].target == "integrations/${output.apigatewayv2_integration_id}"
    error_message = "The route targets the new integration, which carries the new mapping."
  }

  assert {
    condition     = [for s in module.role.assume_role_policy_statements : toset([for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"])] == [toset(["StringEquals aws:SourceAccount 123456789012", "ArnLike aws:SourceArn ${aws_apigatewayv2_api.this[0].execution_arn}/*"])]
    error_message = "Only API Gateway acting for this account's API may assume the integration role."
  }
}

run "custom_domain_with_mutual_tls" {
  command = apply

  variables {
    domain = {
      name            = "hooks.example.com"
      certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
      base_path       = "hooks"
      mutual_tls      = { truststore_uri = "s3://unit-api-trust/clients.pem", truststore_version = "v2" }
    }
  }

  assert {
    condition = (
      aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].endpoint_type == "REGIONAL" &&
      aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].security_policy == "TLS_1_2" &&
      aws_apigatewayv2_domain_name.this[0].mutual_tls_authentication[0].truststore_uri == "s3://unit-api-trust/clients.pem" &&
      aws_apigatewayv2_domain_name.this[0].mutual_tls_authentication[0].truststore_version == "v2"
    )
    error_message = "A regional domain, TLS 1.2 at least, with the truststore asked for."
  }

  assert {
    condition     = aws_apigatewayv2_api_mapping.this[0].api_mapping_key == "hooks" && aws_apigatewayv2_api_mapping.this[0].stage == "$default" && aws_apigatewayv2_api_mapping.this[0].api_id == output.apigatewayv2_api_id
    error_message = "The base path maps the domain to the API's stage."
  }

  assert {
    condition     = aws_apigatewayv2_api.this[0].disable_execute_api_endpoint
    error_message = "With mutual TLS the execute-api address is closed by default: it would skip the certificate check."
  }

  assert {
    condition     = output.apigatewayv2_route_urls["default"] == "https://hooks.example.com/hooks/submit" && output.apigatewayv2_route_url == "https://hooks.example.com/hooks/submit" && output.apigatewayv2_api_base_url == "https://hooks.example.com/hooks"
    error_message = "Every URL output is derived from the domain and its base path."
  }

  assert {
    condition     = endswith(output.apigatewayv2_domain_name_target_domain_name, ".execute-api.us-east-1.amazonaws.com") && output.apigatewayv2_domain_name_hosted_zone_id != null && output.route53_record_fqdn == null
    error_message = "Without a zone, the outputs give what a DNS record must point to, and no record is made."
  }
}

run "another_domain_keeps_the_api" {
  command = apply

  variables {
    domain = {
      name            = "events.example.com"
      certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    }
  }

  assert {
    condition     = output.apigatewayv2_api_id == run.custom_domain_with_mutual_tls.apigatewayv2_api_id && output.apigatewayv2_api_execution_arn == run.custom_domain_with_mutual_tls.apigatewayv2_api_execution_arn
    error_message = "Changing the domain must not replace the API (its id, so its execution ARN and permissions, stay)."
  }

  assert {
    condition     = output.apigatewayv2_route_url == "https://events.example.com/submit"
    error_message = "Without a base path the domain's root maps the API."
  }

  assert {
    condition     = !aws_apigatewayv2_api.this[0].disable_execute_api_endpoint
    error_message = "Without mutual TLS the execute-api address stays open unless asked."
  }

  assert {
    condition     = length(aws_apigatewayv2_domain_name.this[0].mutual_tls_authentication) == 0
    error_message = "No mutual TLS unless asked."
  }
}

run "mutual_tls_with_the_execute_api_endpoint_kept_open_when_asked" {
  command = plan

  variables {
    domain = {
      name                         = "hooks.example.com"
      certificate_arn              = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
      disable_execute_api_endpoint = false
      mutual_tls                   = { truststore_uri = "s3://trust/clients.pem" }
    }
  }

  assert {
    condition     = !aws_apigatewayv2_api.this[0].disable_execute_api_endpoint
    error_message = "An explicit false keeps the execute-api address open beside mutual TLS (a migration)."
  }
}

run "alias_record_in_the_given_zone" {
  command = plan

  variables {
    domain = {
      name                         = "hooks.example.com"
      certificate_arn              = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
      route53_zone_id              = "Z0123456789ABCDEFGHIJ"
      disable_execute_api_endpoint = true
    }
  }

  assert {
    condition     = aws_route53_record.this[0].type == "A" && aws_route53_record.this[0].name == "hooks.example.com" && aws_route53_record.this[0].zone_id == "Z0123456789ABCDEFGHIJ" && aws_apigatewayv2_api.this[0].disable_execute_api_endpoint
    error_message = "An alias A record in the given zone; the execute-api address closed when asked."
  }
}

run "platform_role_settings" {
  command = plan

  variables {
    role_path                 = "/platform/"
    role_permissions_boundary = "arn:aws:iam::123456789012:policy/platform-boundary"
  }

  assert {
    condition     = module.role.iam_role.path == "/platform/" && module.role.iam_role.permissions_boundary == var.role_permissions_boundary && module.role.iam_role.name == "${var.name}-api-to-sqs"
    error_message = "The integration role takes the platform's path and permissions boundary and keeps its name."
  }
}

run "one_route_per_source_with_its_own_authorizer_and_mapping" {
  command = plan

  variables {
    routes = {
      github = {
        route_key                      = "POST /hooks/github"
        authorizer_name                = "unit-api-github"
        authorizer_function_invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:unit-github-auth/invocations"
        identity_sources               = ["$request.querystring.token", "$context.routeKey"]
        message_attributes             = { source = "github", receivedAt = "$${context.requestTimeEpoch}" }
        throttling_burst_limit         = 20
      }
      stripe = {
        route_key                      = "POST /hooks/stripe"
        authorizer_name                = "unit-api-stripe"
        authorizer_function_invoke_arn = null
        identity_sources               = []
        message_attributes             = { source = "stripe" }
      }
      orders = {
        route_key                      = "POST /submit"
        authorizer_name                = "unit-api-orders"
        authorizer_function_invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:unit-orders-auth/invocations"
        identity_sources               = ["$request.header.Authorization", "$context.routeKey"]
        message_attributes             = { source = "orders" }
      }
    }
  }

  assert {
    condition     = { for name, route in aws_apigatewayv2_route.this : name => route.route_key } == { github = "POST /hooks/github", orders = "POST /submit", stripe = "POST /hooks/stripe" }
    error_message = "One route per source, each with its own route key."
  }

  assert {
    condition = { for name, authorizer in aws_apigatewayv2_authorizer.this : name => [authorizer.name, authorizer.identity_sources] } == {
      github = ["unit-api-github", toset(["$request.querystring.token", "$context.routeKey"])]
      orders = ["unit-api-orders", toset(["$request.header.Authorization", "$context.routeKey"])]
    }
    error_message = "Each source has its own authorizer, whose cache key includes the route: one source's allow never opens another."
  }

  assert {
    condition = { for name, integration in aws_apigatewayv2_integration.this : name => jsondecode(integration.request_parameters["MessageAttributes"]) } == {
      github = {
        principal  = { DataType = "String", StringValue = "$${context.authorizer.principal}" }
        requestId  = { DataType = "String", StringValue = "$${context.requestId}" }
        source     = { DataType = "String", StringValue = "github" }
        receivedAt = { DataType = "String", StringValue = "$${context.requestTimeEpoch}" }
      }
      stripe = {
        requestId = { DataType = "String", StringValue = "$${context.requestId}" }
        source    = { DataType = "String", StringValue = "stripe" }
      }
      orders = {
        principal = { DataType = "String", StringValue = "$${context.authorizer.principal}" }
        requestId = { DataType = "String", StringValue = "$${context.requestId}" }
        source    = { DataType = "String", StringValue = "orders" }
      }
    }
    error_message = "Each route's mapping sets its source statically (a sender cannot choose it) and API Gateway's context values; a route without an authorizer has no principal (SQS refuses an empty attribute)."
  }

  assert {
    condition     = keys(aws_apigatewayv2_authorizer.this) == ["github", "orders"] && aws_apigatewayv2_route.this["stripe"].authorization_type == "NONE"
    error_message = "A route without identity sources (a signed source with auth none) has no authorizer."
  }

  assert {
    condition     = [for setting in aws_apigatewayv2_stage.this[0].route_settings : [setting.route_key, setting.throttling_burst_limit, setting.throttling_rate_limit]] == [["POST /hooks/github", 20, 100]]
    error_message = "A source's own throttling applies to its route only, the rest from the stage defaults."
  }
}

run "function_route_invokes_the_edge_function" {
  command = plan

  variables {
    routes = {
      orders = {
        route_key        = "POST /submit"
        authorizer_name  = "unit-api-basic-auth"
        identity_sources = []
      }
      big = {
        route_key        = "POST /hooks/big"
        authorizer_name  = "unit-api-big"
        identity_sources = []
        integration      = "function"
      }
      # claim_check = true: the deprecated spelling of integration = "function".
      old = {
        route_key        = "POST /hooks/old"
        authorizer_name  = "unit-api-old"
        identity_sources = []
        claim_check      = true
      }
    }
    front_function_invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:unit-api-front/invocations"
  }

  assert {
    condition = (
      aws_apigatewayv2_integration.claim_check["big"].integration_type == "AWS_PROXY" &&
      aws_apigatewayv2_integration.claim_check["big"].integration_uri == var.front_function_invoke_arn &&
      aws_apigatewayv2_integration.claim_check["big"].payload_format_version == "2.0"
    )
    error_message = "A function route is a Lambda proxy integration (payload 2.0) of the edge function."
  }

  assert {
    condition     = aws_apigatewayv2_integration.claim_check["old"].integration_uri == var.front_function_invoke_arn
    error_message = "claim_check = true still means integration = function."
  }

  assert {
    condition     = jsonencode(sort(keys(aws_apigatewayv2_integration.this))) == jsonencode(["orders"]) && jsonencode(sort(keys(terraform_data.integration_parameters))) == jsonencode(["orders"])
    error_message = "Only direct routes have an SQS integration (and its replacement trigger)."
  }
}

# The trust boundary: what API Gateway does with a quote in a sender's value
# inside the MessageAttributes JSON is undocumented, so no route may put one there.
run "a_sender_value_in_the_message_attributes_is_refused" {
  command = plan

  variables {
    routes = {
      github = {
        route_key          = "POST /hooks/github"
        authorizer_name    = "unit-api-github"
        identity_sources   = []
        message_attributes = { source = "github", "header.x-github-delivery" = "h:$${request.header.x-github-delivery}" }
      }
      query = {
        route_key          = "POST /hooks/query"
        authorizer_name    = "unit-api-query"
        identity_sources   = []
        message_attributes = { source = "query", from = "$request.querystring.from" }
      }
    }
  }

  expect_failures = [var.routes]
}

run "a_get_handshake_route_shares_the_edge_integration" {
  command = plan

  variables {
    routes = {
      meta = {
        route_key           = "POST /hooks/meta"
        authorizer_name     = "unit-api-meta"
        identity_sources    = []
        integration         = "function"
        handshake_route_key = "GET /hooks/meta"
      }
    }
    front_function_invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:unit-api-front/invocations"
  }

  assert {
    condition     = aws_apigatewayv2_route.handshake["meta"].route_key == "GET /hooks/meta" && aws_apigatewayv2_route.handshake["meta"].authorization_type == "NONE" && aws_apigatewayv2_route.this["meta"].route_key == "POST /hooks/meta"
    error_message = "A GET handshake gets its own route on the same path, authorized as the source's route."
  }
}

run "a_handshake_route_needs_the_edge_function" {
  command = plan

  variables {
    routes = {
      meta = {
        route_key           = "POST /hooks/meta"
        authorizer_name     = "unit-api-meta"
        identity_sources    = []
        handshake_route_key = "GET /hooks/meta"
      }
    }
  }

  expect_failures = [var.routes]
}

run "an_unknown_integration_is_refused" {
  command = plan

  variables {
    routes = {
      big = {
        route_key        = "POST /hooks/big"
        authorizer_name  = "unit-api-big"
        identity_sources = []
        integration      = "http"
      }
    }
  }

  expect_failures = [var.routes]
}

run "claim_check_route_without_a_front_function_is_refused" {
  command = plan

  variables {
    routes = {
      big = {
        route_key        = "POST /hooks/big"
        authorizer_name  = "unit-api-big"
        identity_sources = []
        claim_check      = true
      }
    }
  }

  expect_failures = [aws_apigatewayv2_integration.claim_check]
}
