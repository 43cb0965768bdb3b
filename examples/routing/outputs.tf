output "source_urls" {
  description = "URL of each source: give it to the sender."
  value       = module.webhook_ingest.source_urls
}

output "cloudwatch_event_bus_name" {
  description = "The bus the stored events are published to."
  value       = module.webhook_ingest.cloudwatch_event_bus_name
}

output "cloudwatch_event_rule_arns" {
  description = "The routing rules, by purpose."
  value = {
    github_pull_requests = aws_cloudwatch_event_rule.github_pull_requests.arn
    stripe_payments      = aws_cloudwatch_event_rule.stripe_payments.arn
  }
}
