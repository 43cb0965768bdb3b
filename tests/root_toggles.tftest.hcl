# Root module: toggles and bring-your-own paths (plan level, against moto).

variables {
  name = "root-toggles"
}

# Every AWS call goes to the moto_server that tests/test_terraform.py starts on
# 127.0.0.1 and names in AWS_ENDPOINT_URL. The guard: the provider refuses to act
# in any account but moto's.
provider "aws" {
  allowed_account_ids = ["123456789012"]
}

run "defaults_wire_the_parts_together" {
  command = plan

  assert {
    condition = output.cloudwatch_metric_alarm_arns.delivery_lag == null && length(output.cloudwatch_metric_alarm_arns.signature_rejections) == 0 && length(output.cloudwatch_metric_alarm_arns.authorizer_denials) == 0 && jsonencode(sort(keys(output.cloudwatch_metric_alarm_arns))) == jsonencode(sort([
      "dead_letter_not_empty", "oldest_message_age", "consumer_errors", "delivery_lag", "signature_rejections", "authorizer_denials",
    ]))
    error_message = "Three alarms by default: DLQ not empty, oldest message age, consumer errors; the optional ones are off."
  }
  assert {
    condition     = output.consumer_lambda_memory_size == 256 && output.front_lambda_function_name == null
    error_message = "Without claim-check sources the consumer keeps 256 MB and there is no front function."
  }
}

run "dashboard_names_this_deployment" {
  command = plan

  # The API's id is only known after apply: give it one so the widgets can be compared.
  override_module {
    target          = module.api
    override_during = plan
    outputs = {
      apigatewayv2_api_id            = "a1b2c3d4e5"
      apigatewayv2_api_execution_arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5"
      apigatewayv2_route_urls        = {}
    }
  }

  assert {
    condition     = aws_cloudwatch_dashboard.this[0].dashboard_name == "root-toggles-webhooks"
    error_message = "The dashboard is created by default and named after the deployment."
  }

  assert {
    condition = jsonencode([for widget in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : widget.properties.title]) == jsonencode([
      "API requests and errors (sum per 5 min)",
      "API latency (ms)",
      "Authorizer denials by source (not counting API Gateway's cached decisions)",
      "Refused at the edge by source and reason (401/403, nothing kept)",
      "Queue: waiting messages and oldest message age (s)",
      "Delivery lag: received to stored (ms)",
      "Consumer outcomes (sum per 5 min)",
      "Dead letters by reason",
      "Dead letters and signature rejections by source",
      "Dead-letter queue: waiting messages",
      "Consumer errors and throttles (sum per 5 min)",
      "Consumer duration (ms)",
    ])
    error_message = "The widgets follow a webhook's path: API, authorizers, edge, queue, lag, outcomes, dead letters, DLQ, consumer health."
  }

  assert {
    # Each metric's dimension value, by widget: [namespace, metric, dimension, value].
    # jsonencode on both sides: a list and a tuple of the same strings are not == in HCL.
    condition = jsonencode({ for widget in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : widget.properties.title => distinct([for metric in widget.properties.metrics : "${metric[0]} ${metric[2]}=${metric[3]}" if length(metric) >= 4]) if length([for metric in widget.properties.metrics : metric if length(metric) >= 4]) > 0 }) == jsonencode({
      "API requests and errors (sum per 5 min)"            = ["AWS/ApiGateway ApiId=a1b2c3d4e5"]
      "API latency (ms)"                                   = ["AWS/ApiGateway ApiId=a1b2c3d4e5"]
      "Queue: waiting messages and oldest message age (s)" = ["AWS/SQS QueueName=${module.queue.sqs_queue_name}"]
      "Delivery lag: received to stored (ms)"              = ["WebhookIngest/root-toggles FunctionName=${output.consumer_lambda_function_name}"]
      "Consumer outcomes (sum per 5 min)"                  = ["WebhookIngest/root-toggles FunctionName=${output.consumer_lambda_function_name}"]
      "Dead-letter queue: waiting messages"                = ["AWS/SQS QueueName=${module.queue.sqs_dead_letter_queue_name}"]
      "Consumer errors and throttles (sum per 5 min)"      = ["AWS/Lambda FunctionName=${output.consumer_lambda_function_name}"]
      "Consumer duration (ms)"                             = ["AWS/Lambda FunctionName=${output.consumer_lambda_function_name}"]
    })
    error_message = "Every widget's metrics name this deployment's API, queues and consumer, in the namespace the consumer writes to."
  }

  assert {
    condition = jsonencode([for widget in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : [for metric in widget.properties.metrics : metric[0].expression if length(metric) == 1] if widget.properties.title == "Dead letters by reason"]) == jsonencode([[
      "SEARCH('{\"WebhookIngest/root-toggles\",FunctionName,Reason} MetricName=\"DeadLettered\" FunctionName=\"root-toggles-consumer\"', 'Sum', 300)",
    ]])
    error_message = "Dead letters by reason come from the consumer's DeadLettered metric, whatever reasons appear."
  }
}

run "dashboard_off" {
  command = plan

  variables {
    create_dashboard = false
  }

  assert {
    condition     = length(aws_cloudwatch_dashboard.this) == 0 && output.cloudwatch_dashboard_arn == null
    error_message = "create_dashboard = false creates no dashboard."
  }
}

run "optional_alarms_on" {
  command = plan

  variables {
    sources = {
      orders = { auth = "basic", route_key = "POST /submit" }
      stripe = { auth = "none", event_key = "/id", signature = { scheme = "stripe" } }
    }
    alarms = {
      delivery_lag_alarm_seconds          = 120
      signature_rejection_alarm_threshold = 5
      authorizer_denial_alarm_threshold   = 50
      alarm_actions                       = ["arn:aws:sns:us-east-1:123456789012:oncall"]
    }
  }

  assert {
    condition     = module.consumer.cloudwatch_metrics_namespace == "WebhookIngest/root-toggles"
    error_message = "The consumer's metrics live in WebhookIngest/<name>."
  }

  assert {
    condition     = jsonencode(keys(output.cloudwatch_metric_alarm_arns.signature_rejections)) == jsonencode(["stripe"]) && jsonencode(keys(output.cloudwatch_metric_alarm_arns.authorizer_denials)) == jsonencode(["orders"])
    error_message = "One signature alarm per signed source, one denial alarm per source with an authorizer."
  }
}

run "create_false_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition = alltrue([for value in [
      output.apigatewayv2_route_url, output.secretsmanager_secret_arn, output.sqs_queue_url, output.sqs_dead_letter_queue_url,
      output.dynamodb_table_name, output.consumer_lambda_function_name, output.authorizer_lambda_function_name,
    ] : value == null])
    error_message = "create = false must leave every output null (nothing created)."
  }

  assert {
    condition     = alltrue([for name, arn in output.cloudwatch_metric_alarm_arns : arn == null ? true : length(arn) == 0])
    error_message = "create = false must create no alarms."
  }
}

run "alarms_off" {
  command = plan

  variables {
    alarms = { enabled = false }
  }

  assert {
    condition     = alltrue([for name, arn in output.cloudwatch_metric_alarm_arns : arn == null ? true : length(arn) == 0])
    error_message = "alarms.enabled = false must remove every alarm."
  }
}

run "existing_secret_and_table" {
  command = apply

  module {
    source = "./tests/fixtures/existing"
  }

  variables {
    name = "root-toggles"
  }
}

run "bring_your_own_secret_and_table" {
  command = plan

  variables {
    auth  = { secret_arn = run.existing_secret_and_table.secret_arn }
    table = { name = run.existing_secret_and_table.table_name, partition_key = "deliveryId" }
  }

  assert {
    condition     = output.secretsmanager_secret_arn == run.existing_secret_and_table.secret_arn
    error_message = "A given secret is used as is."
  }

  assert {
    condition     = output.dynamodb_table_name == run.existing_secret_and_table.table_name && output.dynamodb_table_arn == "arn:aws:dynamodb:us-east-1:123456789012:table/${run.existing_secret_and_table.table_name}"
    error_message = "A given table is used as is (its ARN looked up)."
  }
}


run "no_claim_check_no_archive_no_bucket" {
  command = plan

  assert {
    condition     = output.s3_bucket_id == null && output.front_lambda_function_name == null
    error_message = "Without a claim-check or archived source, no bucket and no front function."
  }
}

run "claim_check_source_gets_a_front_function_a_bucket_and_least_privilege" {
  command = plan

  variables {
    sources = {
      orders = { auth = "basic", route_key = "POST /submit" }
      # A claim-check source without a signature next to one checked at the edge
      # (open and signed: verify_at_edge by default), one that opts out, and an
      # authenticated signed one (the authorizer already keeps strangers out).
      large = { auth = "token", delivery = "claim-check" }
      github = {
        auth      = "none"
        event_key = "x-github-delivery"
        delivery  = "claim-check"
        archive   = true
        signature = { scheme = "github" }
      }
      optout       = { auth = "none", event_key = "x-github-delivery", delivery = "claim-check", verify_at_edge = false, signature = { scheme = "github" } }
      token-stripe = { auth = "token", event_key = "/id", delivery = "claim-check", signature = { scheme = "stripe" } }
    }
  }

  # The bucket's name is random until apply: give it one so the statements can be compared.
  override_module {
    target          = module.storage
    override_during = plan
    outputs = {
      s3_bucket_id  = "root-toggles-payloads-x"
      s3_bucket_arn = "arn:aws:s3:::root-toggles-payloads-x"
    }
  }

  assert {
    condition     = output.front_lambda_function_name == "root-toggles-front" && output.consumer_lambda_memory_size == 1024 && module.front.lambda_function_memory_size == 512
    error_message = "The front function is created for the claim-check sources, with 512 MB, and the consumer's memory defaults to 1024 MB to hold 6 MB bodies."
  }

  assert {
    # The open signed source checks at the edge by default; the token source without a signature cannot.
    condition     = jsonencode(module.front.edge_verified_sources) == jsonencode(["github"])
    error_message = "Only the open signed claim-check source verifies at the edge."
  }
}

run "a_source_whose_headers_do_not_fit_a_direct_message_is_a_claim_check" {
  command = plan

  variables {
    sources = {
      # PayPal signs four headers; a direct message has room for three.
      paypal = { auth = "none", event_key = "/id", signature = { scheme = "paypal" } }
      github = { auth = "none", event_key = "x-github-delivery", signature = { scheme = "github" } }
    }
  }

  override_module {
    target          = module.storage
    override_during = plan
    outputs = {
      s3_bucket_id  = "root-toggles-payloads-x"
      s3_bucket_arn = "arn:aws:s3:::root-toggles-payloads-x"
    }
  }

  assert {
    condition     = module.front.routes["POST /hooks/paypal"].delivery == "claim-check" && module.front.routes["POST /hooks/github"].delivery == "direct"
    error_message = "delivery unset: the PayPal source is a claim check (its four headers travel in the pointer), the GitHub one stays direct."
  }

  assert {
    condition     = jsonencode(sort(module.front.route_headers["paypal"])) == jsonencode(sort(["paypal-transmission-id", "paypal-transmission-time", "paypal-transmission-sig", "paypal-cert-url"]))
    error_message = "The PayPal source carries its four signed headers to the consumer."
  }
}

run "the_single_valued_outputs_describe_one_source" {
  command = plan

  variables {
    sources = {
      # Open and signed: no authorizer, no secret; first by name.
      a = { auth = "none", event_key = "/id", signature = { scheme = "stripe" } }
      b = { auth = "basic" }
    }
  }

  # The URLs are known only after apply: give them so the outputs can be compared.
  override_module {
    target          = module.api
    override_during = plan
    outputs = {
      apigatewayv2_api_id            = "a1b2c3d4e5"
      apigatewayv2_api_execution_arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5"
      # The api module's own pick is not used: the root chooses the source once, for every output.
      apigatewayv2_route_url = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/not-chosen-by-the-root"
      apigatewayv2_route_urls = {
        a = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/hooks/a"
        b = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/hooks/b"
      }
    }
  }

  assert {
    # a is the first by name: its URL, and the secret and authorizer it has (none), not b's.
    condition     = output.apigatewayv2_route_url == output.source_urls["a"] && output.secretsmanager_secret_arn == null && output.authorizer_lambda_function_name == null && output.authorizer_iam_role_arn == null
    error_message = "The URL, the secret and the authorizer outputs must describe the same source (here a, which is open)."
  }
}

run "signed_content_key_is_not_a_header" {
  command = plan

  variables {
    sources = {
      # Standard Webhooks signs with three headers (webhook-id, webhook-timestamp,
      # webhook-signature: the spec); keyed by the signed content, none more is carried.
      webhooks = { auth = "none", event_key = "@signed-content", delivery = "claim-check", signature = { scheme = "standard-webhooks" } }
    }
  }

  assert {
    condition     = jsonencode(sort(module.front.route_headers["webhooks"])) == jsonencode(["webhook-id", "webhook-signature", "webhook-timestamp"])
    error_message = "@signed-content is neither a header to carry nor counted against the 3-header budget."
  }
}

run "memory_set_by_the_user_is_kept" {
  command = plan

  variables {
    sources  = { big = { auth = "token", delivery = "claim-check" } }
    consumer = { memory_size = 768 }
    front    = { memory_size = 1024, timeout_seconds = 20, architecture = "x86_64", provisioned_concurrent_executions = 1 }
  }

  assert {
    condition     = output.consumer_lambda_memory_size == 768 && module.front.lambda_function_memory_size == 1024
    error_message = "Memory the user sets for the consumer and the front function is used, not the defaults."
  }

  assert {
    condition     = module.front.lambda_alias_name == "live"
    error_message = "A warm edge is invoked through its alias live (the routes' integration and API Gateway's permission name it)."
  }
}

# The trust boundary and the edge (issue 22): a route that carries a request
# header, checks a signature, answers a handshake or gives a fixed response is
# the edge function's; only the rest is API Gateway's SQS integration, which
# then interpolates nothing a sender controls.
run "routes_that_need_the_edge_go_through_it" {
  command = plan

  variables {
    sources = {
      orders = { auth = "basic", route_key = "POST /submit" }
      keyed  = { auth = "token", event_key = "x-delivery-id" }
      github = { auth = "none", event_key = "x-github-delivery", signature = { scheme = "github" } }
      meta   = { auth = "none", event_key = "/entry/0/id", signature = { scheme = "hmac", header = "x-hub-signature-256", prefix = "sha256=" }, handshake = { preset = "meta" } }
      twilio = { auth = "token", event_key = "/id", response = { content_type = "text/xml", body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>" } }
    }
  }

  assert {
    condition     = module.api.apigatewayv2_route_integrations == { orders = "sqs", keyed = "function", github = "function", meta = "function", twilio = "function" }
    error_message = "Only the source that carries no header, checks nothing at the edge and answers nothing special stays on SQS's integration."
  }

  assert {
    condition     = jsonencode(sort(keys(module.front.routes))) == jsonencode(["GET /hooks/meta", "POST /hooks/github", "POST /hooks/keyed", "POST /hooks/meta", "POST /hooks/twilio"])
    error_message = "The edge function serves the four other sources' routes, and Meta's GET handshake route."
  }

  assert {
    condition = (
      module.front.routes["POST /hooks/github"].delivery == "direct" &&
      module.front.routes["POST /hooks/github"].signature.scheme == "github" &&
      !can(module.front.routes["POST /hooks/keyed"].signature) &&
      jsonencode(module.front.routes["POST /hooks/keyed"].headers) == jsonencode(["x-delivery-id"]) &&
      module.front.routes["POST /hooks/twilio"].response.status == 200 &&
      module.front.routes["GET /hooks/meta"].handshake.preset == "meta"
    )
    error_message = "An open signed source is verified at the edge by default; each route's headers, handshake and fixed response reach the function."
  }

  # Exactly what earlier releases wrote (the function's ROUTES and the SQS integration's attributes):
  # the edge step's settings and the contract's direct-route attributes change neither.
  assert {
    condition = jsonencode(module.front.routes["POST /hooks/twilio"]) == jsonencode({
      source   = "twilio", headers = [], delivery = "direct",
      response = { status = 200, content_type = "text/xml", body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>" }
    })
    error_message = "A fixed response reaches the function's ROUTES exactly as before the edge steps were modules."
  }

  assert {
    condition = module.api.apigatewayv2_integration_message_attributes["orders"] == {
      principal  = { DataType = "String", StringValue = "$${context.authorizer.principal}" }
      requestId  = { DataType = "String", StringValue = "$${context.requestId}" }
      source     = { DataType = "String", StringValue = "orders" }
      receivedAt = { DataType = "String", StringValue = "$${context.requestTimeEpoch}" }
    }
    error_message = "A direct route writes exactly principal, requestId, its source and API Gateway's receive time."
  }

  assert {
    condition     = output.front_lambda_function_name == "root-toggles-front" && output.s3_bucket_id == null && module.consumer.lambda_function_memory_size == 256
    error_message = "Without claim checks, the edge function needs no bucket and the consumer keeps 256 MB."
  }
}

run "a_handshake_that_answers_with_the_signing_secret_needs_a_signature" {
  command = plan

  variables {
    sources = {
      zoom = { auth = "token", event_key = "/payload/object/id", handshake = { preset = "zoom" } }
    }
  }

  expect_failures = [var.sources]
}

run "a_fixed_response_is_a_success" {
  command = plan

  variables {
    sources = {
      adyen = { auth = "basic", event_key = "/id", response = { status = 302, body = "[accepted]" } }
    }
  }

  expect_failures = [var.sources]
}

run "a_signed_handshake_is_answered_only_once_checked_at_the_edge" {
  command = plan

  variables {
    sources = {
      slack = { auth = "none", event_key = "/event_id", verify_at_edge = false, signature = { scheme = "slack" }, handshake = { preset = "slack" } }
    }
  }

  expect_failures = [var.sources]
}

run "an_unknown_handshake_is_refused" {
  command = plan

  variables {
    sources = {
      pigeon = { auth = "token", event_key = "/id", handshake = { preset = "carrier-pigeon" } }
    }
  }

  expect_failures = [var.sources]
}

run "a_get_handshake_without_an_authorization_header_cannot_be_basic" {
  command = plan

  variables {
    sources = {
      meta = { auth = "basic", event_key = "/entry/0/id", signature = { scheme = "meta" }, handshake = { preset = "meta" } }
    }
  }

  expect_failures = [var.sources]
}

run "a_token_header_needs_token_auth" {
  command = plan

  variables {
    sources = {
      gitlab = { auth = "basic", token_header = "x-gitlab-token" }
    }
  }

  expect_failures = [var.sources]
}

run "a_signed_url_cannot_hold_the_sources_token" {
  command = plan

  variables {
    sources = {
      square = { auth = "token", event_key = "/event_id", signature = { scheme = "square" } }
    }
  }

  expect_failures = [var.sources]
}

run "a_signed_form_is_stored_raw" {
  command = plan

  variables {
    sources = {
      twilio = { auth = "none", event_key = "i-twilio-idempotency-token", signature = { scheme = "twilio" } }
    }
  }

  expect_failures = [var.sources]
}

run "googles_token_in_authorization_needs_an_open_route" {
  command = plan

  variables {
    sources = {
      pubsub = { auth = "basic", event_key = "/message/messageId", signature = { scheme = "google-pubsub-push" } }
    }
  }

  expect_failures = [var.sources]
}
