# Root module applied for real (against moto): the create-secret path with its
# ephemeral password, and two instances side by side in one account and region.

# Every AWS call goes to the moto_server that tests/test_terraform.py starts on
# 127.0.0.1 and names in AWS_ENDPOINT_URL. The guard: the provider refuses to act
# in any account but moto's.
provider "aws" {
  allowed_account_ids = ["123456789012"]
}

run "two_instances_apply_side_by_side" {
  command = apply

  module {
    source = "./tests/fixtures/two_instances"
  }

  variables {
    names = ["apply-orders", "apply-payments"]
  }

  assert {
    condition = length(distinct(flatten([for instance in values(output.instances) : concat([
      instance.sqs_queue_url, instance.sqs_dead_letter_queue_url, instance.dynamodb_table_name, instance.secretsmanager_secret_arn,
      instance.consumer_lambda_function_name, instance.authorizer_lambda_function_name, instance.apigatewayv2_api_id,
      instance.cloudwatch_dashboard_arn, instance.cloudwatch_metric_alarm_arns.dead_letter_not_empty,
      instance.cloudwatch_metric_alarm_arns.oldest_message_age, instance.cloudwatch_metric_alarm_arns.consumer_errors,
      instance.cloudwatch_metric_alarm_arns.delivery_lag, instance.cloudwatch_metric_alarm_arns.authorizer_denials["default"],
    ])]))) == 2 * 13
    error_message = "Every named resource of the two instances must be distinct (the dashboard and the optional alarms included)."
  }

  assert {
    condition     = alltrue([for name, instance in output.instances : startswith(instance.dynamodb_table_name, name) && endswith(instance.apigatewayv2_route_url, "/submit")])
    error_message = "Names derive from `name`; the route URL ends in the default route."
  }

  assert {
    condition     = alltrue([for instance in values(output.instances) : can(regex(":secret:apply-[a-z]+-credentials-", instance.secretsmanager_secret_arn))])
    error_message = "Each instance creates its own credentials secret."
  }
}
