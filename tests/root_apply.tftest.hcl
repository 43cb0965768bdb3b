# Root module applied for real (against moto): the create-secret path with its
# ephemeral password, two instances side by side in one account and region, and
# fan-out and a custom domain with mutual TLS turned on for one of them.

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

run "fan_out_and_a_domain_on_one_instance" {
  command = apply

  module {
    source = "./tests/fixtures/two_instances"
  }

  variables {
    names   = ["apply-orders", "apply-payments"]
    fan_out = { "apply-payments" = {} }
    domain = {
      "apply-payments" = {
        name            = "payments.hooks.example.com"
        certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
        base_path       = "v1"
        mutual_tls      = { truststore_uri = "s3://apply-payments-trust/clients.pem" }
      }
    }
  }

  assert {
    condition     = output.instances["apply-payments"].apigatewayv2_route_url == "https://payments.hooks.example.com/v1/submit" && output.instances["apply-payments"].source_urls["default"] == "https://payments.hooks.example.com/v1/submit"
    error_message = "With a domain, every URL output is on it (and its base path)."
  }

  assert {
    condition     = endswith(output.instances["apply-payments"].apigatewayv2_domain_name_target_domain_name, ".execute-api.us-east-1.amazonaws.com") && output.instances["apply-orders"].apigatewayv2_domain_name_target_domain_name == null
    error_message = "The domain's target is given for the DNS record; an instance without a domain has none."
  }

  assert {
    condition     = startswith(output.instances["apply-orders"].apigatewayv2_route_url, output.instances["apply-orders"].apigatewayv2_api_endpoint)
    error_message = "Without a domain the URLs stay on the execute-api address."
  }

  assert {
    condition     = output.instances["apply-payments"].cloudwatch_event_bus_name == "apply-payments" && can(regex("^arn:aws:events:us-east-1:123456789012:event-bus/apply-payments$", output.instances["apply-payments"].cloudwatch_event_bus_arn))
    error_message = "fan_out without a bus_arn creates a bus named after the instance."
  }

  assert {
    condition     = output.instances["apply-orders"].cloudwatch_event_bus_arn == null && output.instances["apply-orders"].cloudwatch_event_bus_name == null
    error_message = "An instance without fan_out has no bus."
  }

  assert {
    condition     = output.instances["apply-payments"].apigatewayv2_api_id == run.two_instances_apply_side_by_side.instances["apply-payments"].apigatewayv2_api_id && output.instances["apply-payments"].dynamodb_table_arn == run.two_instances_apply_side_by_side.instances["apply-payments"].dynamodb_table_arn
    error_message = "Turning fan-out and a domain on replaces neither the API nor the table."
  }
}
