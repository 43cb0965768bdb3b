# The example planned against moto_server: this file's provider block replaces the
# example's own (which targets real AWS), so the example doubles as a test.

# Every AWS call goes to the moto_server that tests/test_terraform.py starts on
# 127.0.0.1 and names in AWS_ENDPOINT_URL. The guard: the provider refuses to act
# in any account but moto's.
provider "aws" {
  allowed_account_ids = ["123456789012"]
}

run "rules_route_by_source_and_detail_type_on_the_modules_bus" {
  command = plan

  assert {
    condition     = aws_cloudwatch_event_rule.github_pull_requests.event_bus_name == "webhooks-routing" && aws_cloudwatch_event_rule.stripe_payments.event_bus_name == "webhooks-routing"
    error_message = "The rules are on the bus the module creates (named after name)."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.github_pull_requests.event_pattern) == { source = ["webhook.github"], "detail-type" = ["pull_request"] }
    error_message = "GitHub's rule matches the module's source (prefix + source name) and X-GitHub-Event as the detail-type."
  }

  assert {
    condition     = aws_lambda_permission.github_pull_requests.principal == "events.amazonaws.com"
    error_message = "EventBridge may invoke the function, from this rule only."
  }
}
