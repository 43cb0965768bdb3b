# One CloudWatch dashboard for the whole pipeline, in the order a webhook
# travels: API, authorizers, queue, consumer and its outcomes, DLQ. The widgets
# are plain objects (title, metrics, and how to show them) turned into the
# dashboard's JSON in one place; each names the resources of this deployment.

data "aws_region" "current" {
  count = local.create_dashboard ? 1 : 0
}

locals {
  create_dashboard = var.create && var.create_dashboard

  dashboard_namespace = module.consumer.cloudwatch_metrics_namespace
  metric              = local.contract.metrics
  # "" with create = false (no dashboard then, but the templates are still evaluated).
  consumer_function = module.consumer.lambda_function_name != null ? module.consumer.lambda_function_name : ""
  edge_function     = module.front.lambda_function_name != null ? module.front.lambda_function_name : ""
  api_id            = module.api.apigatewayv2_api_id
  queue_name        = module.queue.sqs_queue_name
  dead_letter_queue = module.queue.sqs_dead_letter_queue_name
  # SEARCH keeps the widgets right as sources and reasons come and go.
  search_prefix = "{\"${local.dashboard_namespace}\""

  dashboard_widgets = [
    {
      title = "API requests and errors (sum per 5 min)"
      stat  = "Sum"
      metrics = [
        ["AWS/ApiGateway", "Count", "ApiId", local.api_id, { label = "requests" }],
        ["AWS/ApiGateway", "4xx", "ApiId", local.api_id, { label = "4xx" }],
        ["AWS/ApiGateway", "5xx", "ApiId", local.api_id, { label = "5xx" }],
      ]
    },
    {
      title = "API latency (ms)"
      stat  = "p50"
      metrics = [
        ["AWS/ApiGateway", "Latency", "ApiId", local.api_id, { stat = "p50", label = "latency p50" }],
        ["AWS/ApiGateway", "Latency", "ApiId", local.api_id, { stat = "p99", label = "latency p99" }],
        ["AWS/ApiGateway", "IntegrationLatency", "ApiId", local.api_id, { stat = "p99", label = "SQS p99" }],
      ]
    },
    {
      title = "Authorizer denials by source (not counting API Gateway's cached decisions)"
      stat  = "Sum"
      metrics = [
        [{ expression = "SEARCH('${local.search_prefix},Source} MetricName=\"${local.metric.authorizer_denials}\"', 'Sum', 300)", id = "denials", label = "" }],
      ]
    },
    {
      title = "Refused at the edge by source and reason (401/403, nothing kept)"
      stat  = "Sum"
      metrics = [
        [{ expression = "SEARCH('${local.search_prefix},FunctionName,Source} MetricName=\"${local.metric.signature_rejected}\" FunctionName=\"${local.edge_function}\"', 'Sum', 300)", id = "edgesources", label = "" }],
        [{ expression = "SEARCH('${local.search_prefix},FunctionName,Reason} MetricName=\"${local.metric.signature_rejected}\" FunctionName=\"${local.edge_function}\"', 'Sum', 300)", id = "edgereasons", label = "" }],
      ]
    },
    {
      title = "Queue: waiting messages and oldest message age (s)"
      stat  = "Maximum"
      metrics = [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", local.queue_name, { label = "waiting" }],
        ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", local.queue_name, { label = "oldest age (s)", yAxis = "right" }],
      ]
    },
    {
      title = "Delivery lag: received to stored (ms)"
      stat  = "p50"
      metrics = [
        [local.dashboard_namespace, local.metric.delivery_lag, "FunctionName", local.consumer_function, { stat = "p50", label = "p50" }],
        [local.dashboard_namespace, local.metric.delivery_lag, "FunctionName", local.consumer_function, { stat = "p99", label = "p99" }],
      ]
    },
    {
      title = "Consumer outcomes (sum per 5 min)"
      stat  = "Sum"
      metrics = [for outcome in [local.metric.stored, local.metric.duplicates, local.metric.poison, local.metric.retried] :
        [local.dashboard_namespace, outcome, "FunctionName", local.consumer_function, { label = lower(outcome) }]
      ]
    },
    {
      title = "Dead letters by reason"
      stat  = "Sum"
      metrics = [
        [{ expression = "SEARCH('${local.search_prefix},FunctionName,Reason} MetricName=\"${local.metric.dead_lettered}\" FunctionName=\"${local.consumer_function}\"', 'Sum', 300)", id = "reasons", label = "" }],
      ]
    },
    {
      title = "Dead letters and signature rejections by source"
      stat  = "Sum"
      metrics = [
        [{ expression = "SEARCH('${local.search_prefix},FunctionName,Source} MetricName=\"${local.metric.dead_lettered}\" FunctionName=\"${local.consumer_function}\"', 'Sum', 300)", id = "sources", label = "" }],
        [{ expression = "SEARCH('${local.search_prefix},FunctionName,Source} MetricName=\"${local.metric.signature_rejected}\" FunctionName=\"${local.consumer_function}\"', 'Sum', 300)", id = "signatures", label = "" }],
      ]
    },
    {
      title = "Dead-letter queue: waiting messages"
      stat  = "Maximum"
      metrics = [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", local.dead_letter_queue, { label = "dead letters" }],
      ]
    },
    {
      title = "Consumer errors and throttles (sum per 5 min)"
      stat  = "Sum"
      metrics = [
        ["AWS/Lambda", "Errors", "FunctionName", local.consumer_function, { label = "errors" }],
        ["AWS/Lambda", "Throttles", "FunctionName", local.consumer_function, { label = "throttles" }],
      ]
    },
    {
      title = "Consumer duration (ms)"
      stat  = "p50"
      metrics = [
        ["AWS/Lambda", "Duration", "FunctionName", local.consumer_function, { stat = "p50", label = "p50" }],
        ["AWS/Lambda", "Duration", "FunctionName", local.consumer_function, { stat = "p99", label = "p99" }],
        ["AWS/Lambda", "Duration", "FunctionName", local.consumer_function, { stat = "Maximum", label = "max" }],
      ]
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  count = local.create_dashboard ? 1 : 0

  dashboard_name = "${var.name}-webhooks"
  dashboard_body = jsonencode({
    widgets = [for index, widget in local.dashboard_widgets : {
      type   = "metric"
      x      = (index % 2) * 12
      y      = floor(index / 2) * 6
      width  = 12
      height = 6
      properties = {
        title   = widget.title
        region  = data.aws_region.current[0].name
        view    = "timeSeries"
        stacked = false
        period  = 300
        stat    = widget.stat
        metrics = widget.metrics
      }
    }]
  })
}
