# Routing the stored events with EventBridge rules kept outside the module: one
# source's events to a Lambda function, another's to a queue another team owns,
# and every event into an EventBridge archive that can be replayed onto the bus.
# The module only publishes (fan_out); who receives what is this file's business.

provider "aws" {
  region = var.region
}

module "webhook_ingest" {
  source = "../.."

  name = var.name
  sources = {
    github = { auth = "none", event_key = "x-github-delivery", detail_type = "x-github-event", signature = { scheme = "github" } }
    stripe = { auth = "none", event_key = "/id", detail_type = "/type", signature = { scheme = "stripe" } }
  }
  # First write wins: each event is stored, and published, once per key.
  consumer = { write_mode = "first-write-wins" }
  fan_out  = {}
}

locals {
  bus = module.webhook_ingest.cloudwatch_event_bus_name
}

# GitHub's pull requests to a function of this stack.
resource "aws_cloudwatch_event_rule" "github_pull_requests" {
  name           = "${var.name}-github-pull-requests"
  event_bus_name = local.bus
  event_pattern  = jsonencode({ source = ["webhook.github"], "detail-type" = ["pull_request"] })
}

resource "aws_cloudwatch_event_target" "github_pull_requests" {
  rule           = aws_cloudwatch_event_rule.github_pull_requests.name
  event_bus_name = local.bus
  arn            = var.pull_request_function_arn
}

resource "aws_lambda_permission" "github_pull_requests" {
  statement_id  = "AllowWebhookBus"
  action        = "lambda:InvokeFunction"
  function_name = var.pull_request_function_arn
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.github_pull_requests.arn
}

# Stripe's payment events to the payments team's queue (its policy must let
# events.amazonaws.com send from this rule's ARN: theirs to grant).
resource "aws_cloudwatch_event_rule" "stripe_payments" {
  name           = "${var.name}-stripe-payments"
  event_bus_name = local.bus
  event_pattern  = jsonencode({ source = ["webhook.stripe"], "detail-type" = [{ prefix = "payment_intent." }, { prefix = "charge." }] })
}

resource "aws_cloudwatch_event_target" "stripe_payments" {
  rule           = aws_cloudwatch_event_rule.stripe_payments.name
  event_bus_name = local.bus
  arn            = var.payments_queue_arn
}

# Everything, kept 90 days in an EventBridge archive (replayable onto the bus).
resource "aws_cloudwatch_event_archive" "everything" {
  name             = "${var.name}-all-webhooks"
  event_source_arn = module.webhook_ingest.cloudwatch_event_bus_arn
  event_pattern    = jsonencode({ source = [{ prefix = "webhook." }] })
  retention_days   = 90
}
