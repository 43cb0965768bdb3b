# Root module applied for real (against moto): the create-secret path with its
# ephemeral password, and two instances side by side in one account and region.

variables {
  moto_endpoint = trimspace(file(".moto-endpoint.root_apply"))
}

# Every AWS call goes to a moto_server on 127.0.0.1: tests/test_terraform.py starts
# one per test file and writes its URL to .moto-endpoint.<file> (gitignored). Without
# that file the run stops before any request, so these tests never reach real AWS.
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    apigatewayv2   = var.moto_endpoint
    cloudwatch     = var.moto_endpoint
    cloudwatchlogs = var.moto_endpoint
    dynamodb       = var.moto_endpoint
    iam            = var.moto_endpoint
    kms            = var.moto_endpoint
    lambda         = var.moto_endpoint
    s3             = var.moto_endpoint
    secretsmanager = var.moto_endpoint
    sns            = var.moto_endpoint
    sqs            = var.moto_endpoint
    sts            = var.moto_endpoint
  }
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
    ], values(instance.cloudwatch_metric_alarm_arns))]))) == 2 * 10
    error_message = "Every named resource of the two instances must be distinct."
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
