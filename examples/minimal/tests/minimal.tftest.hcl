# The example planned against moto_server: this file's provider block replaces the
# example's own (which targets real AWS), so the example doubles as a test.

# Every AWS call goes to the moto_server that tests/test_terraform.py starts on
# 127.0.0.1 and names in AWS_ENDPOINT_URL. The guard: the provider refuses to act
# in any account but moto's.
provider "aws" {
  allowed_account_ids = ["123456789012"]
}

run "plans_with_secure_defaults" {
  command = plan

  assert {
    condition     = alltrue([for purpose in ["dead_letter_not_empty", "oldest_message_age", "consumer_errors"] : contains(keys(module.webhook_ingest.cloudwatch_metric_alarm_arns), purpose)]) && module.webhook_ingest.cloudwatch_metric_alarm_arns.delivery_lag == null && length(module.webhook_ingest.cloudwatch_metric_alarm_arns.signature_rejections) == 0
    error_message = "The minimal example gets the three default alarms, and none of the optional ones."
  }
}
