locals {
  # What the Terraform and the functions must agree on (scheme headers, attribute
  # names, bucket prefixes, metric names): one file, which the packages carry too.
  contract   = jsondecode(file("${path.module}/../../functions/shared/contract.json"))
  attributes = local.contract.message_attributes
  # One route per source; without var.routes, the one route of the first
  # releases under the key "default" (moved from count index 0).
  given_routes = var.routes != null ? var.routes : {
    default = {
      route_key                      = var.route_key
      authorizer_name                = "${var.name}-basic-auth"
      authorizer_function_invoke_arn = var.authorizer_function_invoke_arn
      identity_sources               = [local.contract.auth_modes.basic.identity_source]
      message_attributes             = {}
      throttling_burst_limit         = null
      throttling_rate_limit          = null
      integration                    = "sqs"
      claim_check                    = null
      handshake_route_key            = null
    }
  }
  # The integration kind as data: sqs (API Gateway's SendMessage) or function (the edge function).
  routes = {
    for name, route in local.given_routes : name => merge(route, {
      integration = route.integration != null ? route.integration : route.claim_check == true ? "function" : "sqs"
    })
  }
  route_instances = var.create ? local.routes : {}
  direct_routes   = { for name, route in local.route_instances : name => route if route.integration == "sqs" }
  function_routes = { for name, route in local.route_instances : name => route if route.integration == "function" }
  primary_route   = contains(keys(local.routes), "default") ? "default" : sort(keys(local.routes))[0]
  # Where senders reach the API: its custom domain (with the mapping's base path), else its execute-api address.
  base_url = local.domain != null ? "https://${local.domain.name}${local.domain.base_path == null ? "" : "/${local.domain.base_path}"}" : try(aws_apigatewayv2_api.this[0].api_endpoint, null)
  route_urls = var.create ? {
    for name, route in local.routes : name => "${local.base_url}${split(" ", route.route_key)[1]}"
  } : {}

  # SendMessage attributes carried with every message: who sent it (from the
  # authorizer's context) and API Gateway's request id, to trace a message back,
  # plus each route's own (its source, its key header). $${...} is HCL's escape
  # for a literal ${...} that API Gateway evaluates.
  request_parameters = {
    for name, route in local.routes : name => {
      QueueUrl    = var.queue_url
      MessageBody = "$request.body"
      MessageAttributes = jsonencode(merge(
        # A route without an authorizer has no principal: SQS refuses an empty attribute.
        length(route.identity_sources) == 0 ? {} : { (local.attributes.principal) = { DataType = "String", StringValue = "$${context.authorizer.principal}" } },
        { (local.attributes.request_id) = { DataType = "String", StringValue = "$${context.requestId}" } },
        { for attribute, value in route.message_attributes : attribute => { DataType = "String", StringValue = value } },
      ))
    }
  }
}

################################################################################
# HTTP API and stage
################################################################################

resource "aws_apigatewayv2_api" "this" {
  count = var.create ? 1 : 0

  name          = var.name
  description   = "Webhook ingest endpoint for ${var.name}: authorizes, then buffers each request body in SQS."
  protocol_type = "HTTP"
  # Only with a custom domain (domain.tf): senders then use the domain alone.
  disable_execute_api_endpoint = local.disable_execute_api_endpoint

  dynamic "cors_configuration" {
    for_each = var.cors == null ? [] : [var.cors]

    content {
      allow_origins     = cors_configuration.value.allow_origins
      allow_methods     = cors_configuration.value.allow_methods
      allow_headers     = cors_configuration.value.allow_headers
      max_age           = cors_configuration.value.max_age
      allow_credentials = cors_configuration.value.allow_credentials
    }
  }

  tags = var.tags
}

module "access_log" {
  source = "../_log_group"

  create            = var.create
  name              = "/aws/apigateway/${var.name}/access"
  retention_in_days = var.log_retention_in_days
  kms_key_arn       = var.kms_key_arn

  tags = var.tags
}

resource "aws_apigatewayv2_stage" "this" {
  count = var.create ? 1 : 0

  api_id      = aws_apigatewayv2_api.this[0].id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }

  # A route's own throttling, where a source sets one.
  dynamic "route_settings" {
    for_each = { for name, route in local.routes : name => route if route.throttling_burst_limit != null || route.throttling_rate_limit != null }

    content {
      route_key              = route_settings.value.route_key
      throttling_burst_limit = coalesce(route_settings.value.throttling_burst_limit, var.throttling_burst_limit)
      throttling_rate_limit  = coalesce(route_settings.value.throttling_rate_limit, var.throttling_rate_limit)
    }
  }

  access_log_settings {
    destination_arn = module.access_log.cloudwatch_log_group_arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationStatus  = "$context.integrationStatus"
      integrationError   = "$context.integrationErrorMessage"
      authorizerError    = "$context.authorizer.error"
      principal          = "$context.authorizer.principal"
      sourceIp           = "$context.identity.sourceIp"
      integrationLatency = "$context.integrationLatency"
      responseLatency    = "$context.responseLatency"
    })
  }

  tags = var.tags
}

################################################################################
# Authorizer
################################################################################

resource "aws_apigatewayv2_authorizer" "this" {
  # Decided by the identity sources, known at plan time (a new function's ARN is not).
  for_each = { for name, route in local.route_instances : name => route if length(route.identity_sources) > 0 }

  api_id                            = aws_apigatewayv2_api.this[0].id
  name                              = each.value.authorizer_name
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = each.value.authorizer_function_invoke_arn
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  # The cache key is the identity sources: a request without one gets a 401
  # from API Gateway without invoking (and paying for) the authorizer. One
  # authorizer per source, so one source's cached allow never opens another.
  identity_sources                 = each.value.identity_sources
  authorizer_result_ttl_in_seconds = var.authorizer_result_ttl_in_seconds
}

################################################################################
# SQS integration and its role
################################################################################

module "role" {
  source = "../_role"

  create               = var.create
  name                 = "${var.name}-api-to-sqs"
  path                 = var.role_path
  permissions_boundary = var.role_permissions_boundary
  service              = "apigateway"
  source_arn           = "${try(aws_apigatewayv2_api.this[0].execution_arn, "")}/*"
  policy_name          = "send-to-queue"
  statements = [
    {
      sid       = "SendToQueue"
      actions   = ["sqs:SendMessage"]
      resources = [var.queue_arn]
    },
  ]
  kms_grants = var.kms_key_arn == null ? [] : [
    { sid = "EncryptForQueue", key = var.kms_key_arn, service = "sqs", actions = ["kms:GenerateDataKey", "kms:Decrypt"] },
  ]

  tags = var.tags
}

resource "aws_apigatewayv2_integration" "this" {
  for_each = local.direct_routes

  api_id              = aws_apigatewayv2_api.this[0].id
  description         = "Send the request body to ${var.queue_url}"
  integration_type    = "AWS_PROXY"
  integration_subtype = "SQS-SendMessage"
  credentials_arn     = module.role.iam_role_arn
  # The caller gets SQS's answer directly: 200 with MessageId once the message is durable.
  payload_format_version = "1.0"
  timeout_milliseconds   = 10000

  request_parameters = local.request_parameters[each.key]

  lifecycle {
    # The provider does not re-send request_parameters on update
    # (hashicorp/terraform-provider-aws#22647, #50061): an in-place change would
    # keep the old mapping. A new integration is built first, the route moved
    # to it, then the old one deleted.
    create_before_destroy = true
    replace_triggered_by  = [terraform_data.integration_parameters[each.key]]
  }
}

# Changes whenever the mapping changes, and so replaces the integration.
resource "terraform_data" "integration_parameters" {
  for_each = local.direct_routes

  input = sha256(jsonencode(local.request_parameters[each.key]))
}

################################################################################
# Claim-check integration: the front function (modules/_front)
################################################################################

resource "aws_apigatewayv2_integration" "claim_check" {
  for_each = local.function_routes

  api_id                 = aws_apigatewayv2_api.this[0].id
  description            = "The edge function: handshakes, signatures checked at the edge, the body queued or kept in S3 as a claim check"
  integration_type       = "AWS_PROXY"
  integration_uri        = var.front_function_invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000

  lifecycle {
    precondition {
      condition     = var.front_function_invoke_arn != null
      error_message = "A route with integration = function needs front_function_invoke_arn."
    }
  }
}

################################################################################
# Routes
################################################################################

resource "aws_apigatewayv2_route" "this" {
  for_each = local.route_instances

  api_id             = aws_apigatewayv2_api.this[0].id
  route_key          = each.value.route_key
  authorization_type = length(each.value.identity_sources) > 0 ? "CUSTOM" : "NONE"
  authorizer_id      = try(aws_apigatewayv2_authorizer.this[each.key].id, null)
  target             = "integrations/${each.value.integration == "function" ? aws_apigatewayv2_integration.claim_check[each.key].id : aws_apigatewayv2_integration.this[each.key].id}"
}

# A sender's GET handshake (Meta, X, Dropbox, Okta) on the same path, answered by the edge function.
resource "aws_apigatewayv2_route" "handshake" {
  for_each = { for name, route in local.function_routes : name => route if route.handshake_route_key != null }

  api_id             = aws_apigatewayv2_api.this[0].id
  route_key          = each.value.handshake_route_key
  authorization_type = length(each.value.identity_sources) > 0 ? "CUSTOM" : "NONE"
  authorizer_id      = try(aws_apigatewayv2_authorizer.this[each.key].id, null)
  target             = "integrations/${aws_apigatewayv2_integration.claim_check[each.key].id}"
}
