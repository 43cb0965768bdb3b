# Plan-level tests of the consumer module on its own: least-privilege IAM as
# exact action lists, the event source mapping, the table, and validations.

variables {
  moto_endpoint         = trimspace(file(".moto-endpoint.consumer"))
  name                  = "unit-consumer"
  queue_arn             = "arn:aws:sqs:us-east-1:123456789012:unit"
  dead_letter_queue_arn = "arn:aws:sqs:us-east-1:123456789012:unit-dlq"
  dead_letter_queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/unit-dlq"
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

run "defaults" {
  command = plan

  assert {
    condition = { for s in data.aws_iam_policy_document.this[0].statement : s.sid => toset(s.actions) } == {
      ConsumeQueue     = toset(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"])
      DeadLetterPoison = toset(["sqs:SendMessage"])
      WriteEvents      = toset(["dynamodb:BatchWriteItem", "dynamodb:PutItem"])
      WriteOwnLogs     = toset(["logs:CreateLogStream", "logs:PutLogEvents"])
      Tracing          = toset(["xray:PutTraceSegments", "xray:PutTelemetryRecords"])
    }
    error_message = "The consumer role must have exactly these actions, and no KMS access without a CMK."
  }

  assert {
    condition = { for s in data.aws_iam_policy_document.this[0].statement : s.sid => toset(s.resources) if s.sid != "WriteEvents" && s.sid != "WriteOwnLogs" } == {
      ConsumeQueue     = toset([var.queue_arn])
      DeadLetterPoison = toset([var.dead_letter_queue_arn])
      Tracing          = toset(["*"])
    }
    error_message = "Queue permissions must name the queues; only X-Ray may use \"*\"."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this[0].function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "Partial batch responses must always be on."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this[0].batch_size == 10 && aws_lambda_event_source_mapping.this[0].scaling_config[0].maximum_concurrency == 10 && aws_lambda_event_source_mapping.this[0].enabled
    error_message = "Mapping defaults: batches of 10, at most 10 concurrent, enabled."
  }

  assert {
    condition     = aws_lambda_function.this[0].architectures == tolist(["arm64"]) && aws_lambda_function.this[0].runtime == "python3.13" && aws_lambda_function.this[0].handler == "app.handler"
    error_message = "The consumer runs python3.13 on arm64 by default."
  }

  assert {
    condition     = aws_lambda_function.this[0].source_code_hash == filebase64sha256("${path.module}/../../packages/consumer.zip")
    error_message = "The function must deploy the committed reproducible package."
  }

  assert {
    condition = aws_lambda_function.this[0].environment[0].variables == tomap({
      TABLE_NAME            = "unit-consumer-events"
      PARTITION_KEY         = "eventId"
      DEAD_LETTER_QUEUE_URL = var.dead_letter_queue_url
      WRITE_MODE            = "last-write-wins"
      METRICS_NAMESPACE     = "WebhookIngest/unit-consumer"
    })
    error_message = "The function's environment is the contract with functions/consumer/app.py."
  }

  assert {
    condition = (
      aws_dynamodb_table.this[0].billing_mode == "PAY_PER_REQUEST" &&
      aws_dynamodb_table.this[0].hash_key == "eventId" &&
      aws_dynamodb_table.this[0].deletion_protection_enabled &&
      aws_dynamodb_table.this[0].point_in_time_recovery[0].enabled &&
      aws_dynamodb_table.this[0].server_side_encryption[0].enabled &&
      !contains(keys(aws_lambda_function.this[0].environment[0].variables), "TTL_ATTRIBUTE")
    )
    error_message = "Table defaults: on-demand, eventId, deletion protection, PITR, SSE, no TTL stamping."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this[0].retention_in_days == 365 && length(aws_cloudwatch_metric_alarm.errors) == 1
    error_message = "Logs are retained a year and the error alarm exists by default."
  }
}

run "first_write_wins_with_kms_and_ttl" {
  command = plan

  variables {
    write_mode    = "first-write-wins"
    kms_key_arn   = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    ttl_attribute = "expiresAt"
    ttl_days      = 30
    enabled       = false
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.this[0].statement : toset(s.actions) if s.sid == "WriteEvents"] == [toset(["dynamodb:PutItem"])]
    error_message = "first-write-wins needs PutItem only."
  }

  assert {
    condition = { for s in data.aws_iam_policy_document.this[0].statement : s.sid => [toset(s.actions), toset(s.resources), [for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"]] if startswith(s.sid, "Decrypt") || startswith(s.sid, "Use") } == {
      DecryptEnvironment = [toset(["kms:Decrypt"]), toset([var.kms_key_arn]), ["StringEquals kms:ViaService lambda.us-east-1.amazonaws.com"]]
      UseQueueKey        = [toset(["kms:Decrypt", "kms:GenerateDataKey"]), toset([var.kms_key_arn]), ["StringEquals kms:ViaService sqs.us-east-1.amazonaws.com"]]
      UseTableKey        = [toset(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]), toset([var.kms_key_arn]), ["StringEquals kms:ViaService dynamodb.us-east-1.amazonaws.com"]]
    }
    error_message = "Each service's use of the CMK is its own statement, scoped to the key and allowed only through that service."
  }

  assert {
    condition     = aws_dynamodb_table.this[0].ttl[0].attribute_name == "expiresAt" && aws_lambda_function.this[0].environment[0].variables["TTL_DAYS"] == "30"
    error_message = "TTL is enabled on the table and stamped by the function."
  }

  assert {
    condition     = aws_dynamodb_table.this[0].server_side_encryption[0].kms_key_arn == var.kms_key_arn && aws_cloudwatch_log_group.this[0].kms_key_id == var.kms_key_arn
    error_message = "The CMK encrypts the table and the logs."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this[0].enabled == false
    error_message = "enabled = false pauses the mapping."
  }
}

run "alarm_off_and_unbounded_concurrency" {
  command = plan

  variables {
    error_alarm_enabled = false
    maximum_concurrency = null
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.errors) == 0 && length(aws_lambda_event_source_mapping.this[0].scaling_config) == 0
    error_message = "Toggles must remove the alarm and the scaling config."
  }
}

run "create_false_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_lambda_function.this) + length(aws_dynamodb_table.this) + length(aws_iam_role.this) + length(aws_lambda_event_source_mapping.this) + length(aws_cloudwatch_log_group.this) + length(aws_cloudwatch_metric_alarm.errors) == 0
    error_message = "create = false must create nothing."
  }
}

run "batch_over_10_needs_a_window" {
  command = plan

  variables {
    batch_size = 100
  }

  expect_failures = [var.maximum_batching_window_in_seconds]
}

run "batch_size_out_of_range" {
  command = plan

  variables {
    batch_size                         = 10001
    maximum_batching_window_in_seconds = 1
  }

  expect_failures = [var.batch_size]
}

run "concurrency_below_two" {
  command = plan

  variables {
    maximum_concurrency = 1
  }

  expect_failures = [var.maximum_concurrency]
}

run "unknown_write_mode" {
  command = plan

  variables {
    write_mode = "append"
  }

  expect_failures = [var.write_mode]
}

run "ttl_days_without_attribute" {
  command = plan

  variables {
    ttl_days = 7
  }

  expect_failures = [var.ttl_days]
}

run "log_retention_not_accepted_by_cloudwatch" {
  command = plan

  variables {
    log_retention_in_days = 42
  }

  expect_failures = [var.log_retention_in_days]
}

run "queue_arn_not_sqs" {
  command = plan

  variables {
    queue_arn = "arn:aws:sns:us-east-1:123456789012:topic"
  }

  expect_failures = [var.queue_arn]
}

run "package_needs_one_source" {
  command = plan

  variables {
    package = { local_path = "x.zip", s3_bucket = "b", s3_key = "k" }
  }

  expect_failures = [var.package]
}

run "existing_table" {
  command = apply

  module {
    source = "../../tests/fixtures/existing"
  }
}

run "existing_table_is_used_and_its_key_checked" {
  command = plan

  variables {
    table_name    = run.existing_table.table_name
    partition_key = "deliveryId"
  }

  assert {
    condition     = length(aws_dynamodb_table.this) == 0 && output.dynamodb_table_arn == "arn:aws:dynamodb:us-east-1:123456789012:table/${run.existing_table.table_name}"
    error_message = "A given table is used as is, no table created."
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.this[0].statement : s.resources if s.sid == "WriteEvents"] == [toset([output.dynamodb_table_arn])]
    error_message = "The role may write to the given table only."
  }

  assert {
    condition     = length([for s in data.aws_iam_policy_document.this[0].statement : s if startswith(s.sid, "Use") || startswith(s.sid, "Decrypt")]) == 0
    error_message = "Without a key, no KMS permission at all."
  }
}

run "existing_table_with_its_own_key" {
  command = plan

  variables {
    table_name        = run.existing_table.table_name
    partition_key     = "deliveryId"
    table_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    kms_key_arn       = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = { for s in data.aws_iam_policy_document.this[0].statement : s.sid => [toset(s.resources), [for c in s.condition : c.values[0]]] if startswith(s.sid, "Use") || startswith(s.sid, "Decrypt") } == {
      DecryptEnvironment = [toset([var.kms_key_arn]), ["lambda.us-east-1.amazonaws.com"]]
      UseQueueKey        = [toset([var.kms_key_arn]), ["sqs.us-east-1.amazonaws.com"]]
      UseTableKey        = [toset([var.table_kms_key_arn]), ["dynamodb.us-east-1.amazonaws.com"]]
    }
    error_message = "A brought table's own key is granted through DynamoDB only; the module key serves the environment and the queues."
  }
}

run "ordering_guard" {
  command = plan

  variables {
    ordering_attribute = "updatedAt"
  }

  assert {
    condition     = aws_lambda_function.this[0].environment[0].variables["ORDERING_ATTRIBUTE"] == "updatedAt"
    error_message = "The ordering attribute reaches the function."
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.this[0].statement : toset(s.actions) if s.sid == "WriteEvents"] == [toset(["dynamodb:PutItem"])]
    error_message = "The guard writes with conditional PutItem only: no BatchWriteItem."
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.assume_role[0].statement : toset([for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"])] == [toset(["StringEquals aws:SourceAccount 123456789012", "ArnLike aws:SourceArn arn:aws:lambda:us-east-1:123456789012:function:unit-consumer-consumer"])]
    error_message = "Only Lambda acting for this account's consumer function may assume the role."
  }
}

run "ordering_guard_with_first_write_wins" {
  command = plan

  variables {
    write_mode         = "first-write-wins"
    ordering_attribute = "updatedAt"
  }

  expect_failures = [var.ordering_attribute]
}

run "table_key_not_an_arn" {
  command = plan

  variables {
    table_kms_key_arn = "alias/mine"
  }

  expect_failures = [var.table_kms_key_arn]
}

run "existing_table_with_another_key_is_refused" {
  command = plan

  variables {
    table_name = run.existing_table.table_name
  }

  expect_failures = [data.aws_dynamodb_table.existing]
}

run "name_with_slash" {
  command = plan

  variables {
    name = "x/y"
  }

  expect_failures = [var.name]
}

run "kms_key_not_an_arn" {
  command = plan

  variables {
    kms_key_arn = "x"
  }

  expect_failures = [var.kms_key_arn]
}

run "dead_letter_queue_arn_not_sqs" {
  command = plan

  variables {
    dead_letter_queue_arn = "arn:aws:sns:us-east-1:123456789012:t"
  }

  expect_failures = [var.dead_letter_queue_arn]
}

run "dead_letter_queue_url_not_http" {
  command = plan

  variables {
    dead_letter_queue_url = "sqs://x"
  }

  expect_failures = [var.dead_letter_queue_url]
}

run "architecture_unknown" {
  command = plan

  variables {
    architecture = "arm"
  }

  expect_failures = [var.architecture]
}

run "memory_too_large" {
  command = plan

  variables {
    memory_size = 20000
  }

  expect_failures = [var.memory_size]
}

run "timeout_zero" {
  command = plan

  variables {
    timeout_seconds = 0
  }

  expect_failures = [var.timeout_seconds]
}

run "batching_window_over_300" {
  command = plan

  variables {
    maximum_batching_window_in_seconds = 301
  }

  expect_failures = [var.maximum_batching_window_in_seconds]
}

run "table_name_with_space" {
  command = plan

  variables {
    table_name = "a b"
  }

  expect_failures = [var.table_name]
}

run "partition_key_empty" {
  command = plan

  variables {
    partition_key = ""
  }

  expect_failures = [var.partition_key]
}

run "alarm_action_not_an_arn" {
  command = plan

  variables {
    alarm_actions = ["x"]
  }

  expect_failures = [var.alarm_actions]
}

run "create_table_contradicts_a_given_table" {
  command = plan

  variables {
    create_table = true
    table_name   = "existing-table"
  }

  expect_failures = [var.create_table]
}
