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
    condition     = output.cloudwatch_metric_alarm_arns != null && length(keys(output.cloudwatch_metric_alarm_arns)) == 3
    error_message = "Three alarms by default: DLQ not empty, oldest message age, consumer errors."
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
    condition     = alltrue([for arn in values(output.cloudwatch_metric_alarm_arns) : arn == null])
    error_message = "create = false must create no alarms."
  }
}

run "alarms_off" {
  command = plan

  variables {
    alarms = { enabled = false }
  }

  assert {
    condition     = alltrue([for arn in values(output.cloudwatch_metric_alarm_arns) : arn == null])
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

