# Plan-level tests of the consumer module on its own: least-privilege IAM as
# exact action lists, the event source mapping, the table, and validations.

variables {
  name                  = "unit-consumer"
  queue_arn             = "arn:aws:sqs:us-east-1:123456789012:unit"
  dead_letter_queue_arn = "arn:aws:sqs:us-east-1:123456789012:unit-dlq"
  dead_letter_queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/unit-dlq"
}

# Every AWS call goes to the moto_server that tests/test_terraform.py starts on
# 127.0.0.1 and names in AWS_ENDPOINT_URL. The guard: the provider refuses to act
# in any account but moto's.
provider "aws" {
  allowed_account_ids = ["123456789012"]
}

run "defaults" {
  command = plan

  assert {
    condition = { for s in module.function.iam_role_policy_statements : s.sid => toset(s.actions) } == {
      ConsumeQueue     = toset(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"])
      DeadLetterPoison = toset(["sqs:SendMessage"])
      WriteEvents      = toset(["dynamodb:BatchWriteItem", "dynamodb:PutItem"])
      WriteOwnLogs     = toset(["logs:CreateLogStream", "logs:PutLogEvents"])
      Tracing          = toset(["xray:PutTraceSegments", "xray:PutTelemetryRecords"])
    }
    error_message = "The consumer role must have exactly these actions, and no KMS access without a CMK."
  }

  assert {
    condition = { for s in module.function.iam_role_policy_statements : s.sid => toset(s.resources) if s.sid != "WriteEvents" && s.sid != "WriteOwnLogs" } == {
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
    condition = jsondecode(module.function.lambda_function.environment[0].variables["SOURCES"]) == {
      default = { event_key = "/eventId", body = "json", legacy_keys = true }
    }
    error_message = "Without sources, the consumer reads one synthesised source: the first releases' (keyed by the body's partition key, unprefixed)."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this[0].batch_size == 10 && aws_lambda_event_source_mapping.this[0].scaling_config[0].maximum_concurrency == 10 && aws_lambda_event_source_mapping.this[0].enabled
    error_message = "Mapping defaults: batches of 10, at most 10 concurrent, enabled."
  }

  assert {
    condition     = module.function.lambda_function.architectures == tolist(["arm64"]) && module.function.lambda_function.runtime == "python3.13" && module.function.lambda_function.handler == "app.handler"
    error_message = "The consumer runs python3.13 on arm64 by default."
  }

  assert {
    condition     = module.function.lambda_function.memory_size == 256 && output.lambda_function_memory_size == module.function.lambda_function.memory_size
    error_message = "Without claim-check sources the consumer keeps 256 MB, and the output reports what the function gets."
  }

  assert {
    condition     = module.function.lambda_function.source_code_hash == filebase64sha256("${path.module}/../../packages/consumer.zip")
    error_message = "The function must deploy the committed reproducible package."
  }

  assert {
    condition = module.function.lambda_function.environment[0].variables == tomap({
      TABLE_NAME            = "unit-consumer-events"
      PARTITION_KEY         = "eventId"
      DEAD_LETTER_QUEUE_URL = var.dead_letter_queue_url
      WRITE_MODE            = "last-write-wins"
      METRICS_NAMESPACE     = "WebhookIngest/unit-consumer"
      # The single source of the first releases, synthesised: keyed by the body's partition key, unprefixed.
      SOURCES = jsonencode({ default = { event_key = "/eventId", body = "json", legacy_keys = true } })
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
      !contains(keys(module.function.lambda_function.environment[0].variables), "TTL_ATTRIBUTE")
    )
    error_message = "Table defaults: on-demand, eventId, deletion protection, PITR, SSE, no TTL stamping."
  }

  assert {
    condition     = module.function.cloudwatch_log_group.retention_in_days == 365 && length(aws_cloudwatch_metric_alarm.errors) == 1
    error_message = "Logs are retained a year and the error alarm exists by default."
  }
}

run "first_write_wins_with_kms_and_ttl" {
  command = plan

  variables {
    write_mode                   = "first-write-wins"
    kms_key_arn                  = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    ttl_attribute                = "expiresAt"
    ttl_days                     = 30
    event_source_mapping_enabled = false
  }

  assert {
    condition     = [for s in module.function.iam_role_policy_statements : toset(s.actions) if s.sid == "WriteEvents"] == [toset(["dynamodb:PutItem"])]
    error_message = "first-write-wins needs PutItem only."
  }

  assert {
    condition = { for s in module.function.iam_role_policy_statements : s.sid => [toset(s.actions), toset(s.resources), [for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"]] if startswith(s.sid, "Decrypt") || startswith(s.sid, "Use") } == {
      DecryptEnvironment = [toset(["kms:Decrypt"]), toset([var.kms_key_arn]), ["StringEquals kms:ViaService lambda.us-east-1.amazonaws.com"]]
      UseQueueKey        = [toset(["kms:Decrypt", "kms:GenerateDataKey"]), toset([var.kms_key_arn]), ["StringEquals kms:ViaService sqs.us-east-1.amazonaws.com"]]
      UseTableKey        = [toset(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]), toset([var.kms_key_arn]), ["StringEquals kms:ViaService dynamodb.us-east-1.amazonaws.com"]]
    }
    error_message = "Each service's use of the CMK is its own statement, scoped to the key and allowed only through that service."
  }

  assert {
    # The table and the function must agree: the attribute the function stamps is the one DynamoDB expires.
    condition     = aws_dynamodb_table.this[0].ttl[0].enabled && aws_dynamodb_table.this[0].ttl[0].attribute_name == module.function.lambda_function.environment[0].variables["TTL_ATTRIBUTE"] && tonumber(module.function.lambda_function.environment[0].variables["TTL_DAYS"]) * 86400 == 2592000
    error_message = "TTL is enabled on the table on the attribute the function stamps, 30 days (2,592,000 s) ahead."
  }

  assert {
    condition     = aws_dynamodb_table.this[0].server_side_encryption[0].kms_key_arn == var.kms_key_arn && module.function.cloudwatch_log_group.kms_key_id == var.kms_key_arn
    error_message = "The CMK encrypts the table and the logs."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this[0].enabled == false
    error_message = "event_source_mapping_enabled = false pauses the mapping."
  }
}

run "alarm_off_and_unbounded_concurrency" {
  command = plan

  variables {
    create_error_alarm  = false
    maximum_concurrency = null
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.errors) == 0 && length(aws_lambda_event_source_mapping.this[0].scaling_config) == 0
    error_message = "Toggles must remove the alarm and the scaling config."
  }
}

run "deprecated_input_names_still_apply" {
  command = plan

  variables {
    enabled             = false
    error_alarm_enabled = false
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this[0].enabled == false && length(aws_cloudwatch_metric_alarm.errors) == 0
    error_message = "The deprecated enabled and error_alarm_enabled still act as event_source_mapping_enabled and create_error_alarm."
  }
}

run "create_false_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(module.function.lambda_function[*]) + length(aws_dynamodb_table.this) + length(module.function.iam_role[*]) + length(aws_lambda_event_source_mapping.this) + length(module.function.cloudwatch_log_group[*]) + length(aws_cloudwatch_metric_alarm.errors) == 0
    error_message = "create = false must create nothing."
  }
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
    condition     = [for s in module.function.iam_role_policy_statements : s.resources if s.sid == "WriteEvents"] == [toset([output.dynamodb_table_arn])]
    error_message = "The role may write to the given table only."
  }

  assert {
    condition     = length([for s in module.function.iam_role_policy_statements : s if startswith(s.sid, "Use") || startswith(s.sid, "Decrypt")]) == 0
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
    condition = { for s in module.function.iam_role_policy_statements : s.sid => [toset(s.resources), [for c in s.condition : c.values[0]]] if startswith(s.sid, "Use") || startswith(s.sid, "Decrypt") } == {
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
    condition     = module.function.lambda_function.environment[0].variables["ORDERING_ATTRIBUTE"] == "updatedAt"
    error_message = "The ordering attribute reaches the function."
  }

  assert {
    condition     = [for s in module.function.iam_role_policy_statements : toset(s.actions) if s.sid == "WriteEvents"] == [toset(["dynamodb:PutItem"])]
    error_message = "The guard writes with conditional PutItem only: no BatchWriteItem."
  }

  assert {
    condition     = [for s in module.function.assume_role_policy_statements : toset([for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"])] == [toset(["StringEquals aws:SourceAccount 123456789012", "ArnLike aws:SourceArn arn:aws:lambda:us-east-1:123456789012:function:unit-consumer-consumer"])]
    error_message = "Only Lambda acting for this account's consumer function may assume the role."
  }
}

run "existing_table_with_another_key_is_refused" {
  command = plan

  variables {
    table_name = run.existing_table.table_name
  }

  expect_failures = [data.aws_dynamodb_table.existing]
}

run "platform_role_settings_and_extra_statements" {
  command = plan

  variables {
    role_path                 = "/platform/webhooks/"
    role_permissions_boundary = "arn:aws:iam::123456789012:policy/platform-boundary"
    policy_statements = [{
      sid       = "ReadReferenceData"
      actions   = ["s3:GetObject"]
      resources = ["arn:aws:s3:::reference-data/*"]
    }]
  }

  assert {
    condition     = module.function.iam_role.path == var.role_path && module.function.iam_role.permissions_boundary == var.role_permissions_boundary
    error_message = "The execution role takes the platform's path and permissions boundary."
  }

  assert {
    condition = [for s in module.function.iam_role_policy_statements : [s.effect, toset(s.actions), toset(s.resources)] if s.sid == "ReadReferenceData"] == [
      ["Allow", toset(["s3:GetObject"]), toset(["arn:aws:s3:::reference-data/*"])]
    ]
    error_message = "An extra statement is added to the inline policy as given, Allow by default."
  }

  assert {
    condition     = length([for s in module.function.iam_role_policy_statements : s.sid if contains(["ConsumeQueue", "DeadLetterPoison", "WriteEvents", "WriteOwnLogs", "Tracing"], s.sid)]) == 5
    error_message = "Extra statements come in addition to the module's own, never instead."
  }
}

run "sources_reach_the_function" {
  command = plan

  variables {
    sources = {
      stripe = { event_key = "/id" }
      github = { event_key = "x-github-delivery" }
      twilio = { event_key = "i-twilio-idempotency-token", body = "raw" }
    }
  }

  assert {
    condition = jsondecode(module.function.lambda_function.environment[0].variables["SOURCES"]) == {
      stripe = { event_key = "/id", body = "json" }
      github = { event_key = "x-github-delivery", body = "json" }
      twilio = { event_key = "i-twilio-idempotency-token", body = "raw" }
    }
    error_message = "Each source's key rule and body form reach the consumer as SOURCES (the contract with functions/consumer/sources.py)."
  }

  assert {
    condition     = module.public_key_layer.lambda_layer_version_filename == null && length(module.function.lambda_function.layers) == 0
    error_message = "Without a public-key source the consumer carries no layer: its package is the standard library and boto3."
  }
}

run "fan_out_may_put_events_on_its_bus_only" {
  command = plan

  variables {
    sources = {
      github = { event_key = "x-github-delivery", detail_type = "x-github-event" }
      stripe = { event_key = "/id", detail_type = "/type" }
      plain  = { event_key = "/id" }
    }
    fan_out = { bus_arn = "arn:aws:events:us-east-1:123456789012:event-bus/platform", source_prefix = "acme." }
  }

  assert {
    condition     = [for s in module.function.iam_role_policy_statements : [toset(s.actions), toset(s.resources)] if s.sid == "PublishStoredEvents"] == [[toset(["events:PutEvents"]), toset(["arn:aws:events:us-east-1:123456789012:event-bus/platform"])]]
    error_message = "Fan-out adds one statement: events:PutEvents on its bus, nothing else."
  }

  assert {
    condition = {
      for name in ["FAN_OUT_BUS", "FAN_OUT_SOURCE_PREFIX"] : name => module.function.lambda_function.environment[0].variables[name]
      } == {
      FAN_OUT_BUS           = "arn:aws:events:us-east-1:123456789012:event-bus/platform"
      FAN_OUT_SOURCE_PREFIX = "acme."
    }
    error_message = "The bus and the source prefix reach the consumer (functions/consumer/consumer_config.py)."
  }

  assert {
    condition = jsondecode(module.function.lambda_function.environment[0].variables["SOURCES"]) == {
      github = { event_key = "x-github-delivery", body = "json", detail_type = "x-github-event" }
      stripe = { event_key = "/id", body = "json", detail_type = "/type" }
      plain  = { event_key = "/id", body = "json" }
    }
    error_message = "Each source's detail_type reaches the consumer with its source."
  }
}

run "without_fan_out_no_events_access" {
  command = plan

  variables {
    sources = { stripe = { event_key = "/id", detail_type = "/type" } }
  }

  assert {
    condition     = length([for s in module.function.iam_role_policy_statements : s if s.sid == "PublishStoredEvents"]) == 0 && !contains(keys(module.function.lambda_function.environment[0].variables), "FAN_OUT_BUS")
    error_message = "Without fan_out the consumer may not put events and has no bus."
  }

  assert {
    condition     = jsondecode(module.function.lambda_function.environment[0].variables["SOURCES"]) == { stripe = { event_key = "/id", body = "json", detail_type = "/type" } }
    error_message = "A detail_type stays in SOURCES without fan_out: messages queued while fan-out carried its header stay acceptable (trust.py)."
  }
}

run "a_public_key_source_brings_the_layer_of_the_functions_architecture" {
  command = plan

  variables {
    architecture = "x86_64"
    sources = {
      github  = { event_key = "x-github-delivery", signature = { scheme = "github", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:github-AbCdEf" } }
      discord = { event_key = "/id", signature = { scheme = "discord", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:discord-AbCdEf" } }
    }
  }

  assert {
    condition     = module.public_key_layer.lambda_layer_version_compatible_architectures == toset(["x86_64"]) && endswith(module.public_key_layer.lambda_layer_version_filename, "packages/public-key-x86_64.zip")
    error_message = "A discord source brings the public-key layer built for the consumer's architecture."
  }

  assert {
    condition     = length(module.public_key_layer.lambda_layer_version_arns) == 1
    error_message = "The consumer's settings carry the layer (the end-to-end test shows the deployed function has it)."
  }
}

run "many_sources_are_gzipped_to_fit_lambdas_4_kb" {
  command = plan

  variables {
    # Twenty signed senders by name, with brought secrets: about 4 KB of plain JSON.
    sources = { for i in range(20) : "sender-${i}" => {
      event_key = "@signed-content"
      signature = { scheme = "shopify", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:sender-${i}-signing-AbCdEf" }
    } }
  }

  assert {
    condition     = !startswith(module.function.lambda_function.environment[0].variables["SOURCES"], "{") && length(module.function.lambda_function.environment[0].variables["SOURCES"]) < 2048
    error_message = "A long SOURCES is written as base64 of its gzip (functions/shared/environment_json.py reads both forms), well inside Lambda's 4 KB."
  }
}

run "signed_sources_with_brought_secrets" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    sources = {
      stripe = {
        event_key = "/id"
        signature = {
          scheme             = "stripe"
          secret_arn         = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-signing-AbCdEf"
          secret_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"
          tolerance_seconds  = 600
        }
      }
      custom = {
        event_key = "x-delivery"
        signature = {
          scheme           = "hmac"
          secret_arn       = "arn:aws:secretsmanager:us-east-1:123456789012:secret:custom-signing-AbCdEf"
          header           = "x-signature"
          encoding         = "base64"
          signed_content   = "{timestamp}.{body}"
          timestamp_header = "x-timestamp"
        }
      }
      orders = { event_key = "/eventId" }
    }
  }

  assert {
    condition     = length(aws_secretsmanager_secret.signing) == 0
    error_message = "Brought signing secrets are used as they are: the module creates none."
  }

  assert {
    condition = [for s in module.function.iam_role_policy_statements : [toset(s.actions), toset(s.resources)] if s.sid == "ReadSigningSecrets"] == [[
      toset(["secretsmanager:GetSecretValue"]),
      toset(["arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-signing-AbCdEf", "arn:aws:secretsmanager:us-east-1:123456789012:secret:custom-signing-AbCdEf"]),
    ]]
    error_message = "The consumer reads exactly the signing secrets of its signed sources, and nothing else of Secrets Manager."
  }

  assert {
    condition = { for s in module.function.iam_role_policy_statements : s.sid => [toset(s.actions), toset(s.resources), [for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"]] if startswith(s.sid, "DecryptSigningSecret") } == {
      DecryptSigningSecret0 = [toset(["kms:Decrypt"]), toset(["arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"]), ["StringEquals kms:ViaService secretsmanager.us-east-1.amazonaws.com"]]
    }
    error_message = "A brought secret's own key may decrypt through Secrets Manager only; the module key is not granted for secrets it did not create."
  }

  assert {
    condition = jsondecode(module.function.lambda_function.environment[0].variables["SOURCES"]) == {
      stripe = { event_key = "/id", body = "json", signature = {
        scheme = "stripe", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-signing-AbCdEf", tolerance_seconds = 600
      } }
      custom = { event_key = "x-delivery", body = "json", signature = {
        scheme           = "hmac", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:custom-signing-AbCdEf", tolerance_seconds = 300,
        header           = "x-signature", algorithm = "sha256", encoding = "base64", prefix = "", signed_content = "{timestamp}.{body}", timestamp_header = "x-timestamp",
        timestamp_format = "unix"
      } }
      orders = { event_key = "/eventId", body = "json" }
    }
    error_message = "Each source's signature reaches the consumer in SOURCES with its secret ARN, without nulls or the key ARN, and a named scheme without hmac's fields (the contract with functions/consumer/sources.py)."
  }

  assert {
    condition     = module.function.lambda_function.environment[0].variables["SIGNING_SECRET_CACHE_TTL_SECONDS"] == "300" && module.function.lambda_function.environment[0].variables["SIGNING_SECRET_MAX_STALENESS_SECONDS"] == "900"
    error_message = "The signing secret cache settings reach the function."
  }
}

run "signed_source_without_a_secret_gets_an_empty_one" {
  command = plan

  variables {
    name                         = "unit-signed"
    event_source_mapping_enabled = false
    sources = {
      github = { event_key = "x-github-delivery", signature = { scheme = "github" } }
      orders = { event_key = "/eventId" }
    }
  }

  assert {
    condition     = keys(aws_secretsmanager_secret.signing) == ["github"] && aws_secretsmanager_secret.signing["github"].name_prefix == "unit-signed-github-signing-"
    error_message = "A signed source without secret_arn gets its own secret, named after it."
  }

  assert {
    condition     = aws_secretsmanager_secret.signing["github"].recovery_window_in_days == 30 && aws_secretsmanager_secret.signing["github"].kms_key_id == null
    error_message = "The created secret keeps a 30-day recovery window."
  }

  # The created ARN is known after apply only: that it reaches the policy and
  # SOURCES is asserted by the local end-to-end test (tests/test_e2e_signatures.py).
  assert {
    condition     = keys(output.secretsmanager_secret_arns) == ["github"] && length([for s in module.function.iam_role_policy_statements : s.resources if s.sid == "ReadSigningSecrets"][0]) == 1
    error_message = "The created secret is an output and the only one the consumer may read."
  }

  assert {
    condition     = length([for s in module.function.iam_role_policy_statements : s if startswith(s.sid, "DecryptSigningSecret")]) == 0
    error_message = "Without a CMK there is no KMS grant."
  }
}

run "optional_alarms_watch_lag_and_each_signed_source" {
  command = plan

  variables {
    delivery_lag_alarm_seconds          = 120
    signature_rejection_alarm_threshold = 5
    alarm_actions                       = ["arn:aws:sns:us-east-1:123456789012:oncall"]
    sources = {
      stripe = { event_key = "/id", signature = { scheme = "stripe", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-signing-AbCdEf" } }
      orders = { event_key = "/eventId" }
    }
  }

  assert {
    condition = jsonencode([aws_cloudwatch_metric_alarm.delivery_lag[0].metric_name, aws_cloudwatch_metric_alarm.delivery_lag[0].namespace, aws_cloudwatch_metric_alarm.delivery_lag[0].extended_statistic, aws_cloudwatch_metric_alarm.delivery_lag[0].threshold, aws_cloudwatch_metric_alarm.delivery_lag[0].dimensions]) == jsonencode([
      "DeliveryLagMs", "WebhookIngest/unit-consumer", "p99", 120000, { FunctionName = "unit-consumer-consumer" },
    ])
    error_message = "The lag alarm watches the p99 of the consumer's DeliveryLagMs, in milliseconds."
  }

  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.signature_rejections) == ["stripe"] && jsonencode(aws_cloudwatch_metric_alarm.signature_rejections["stripe"].dimensions) == jsonencode({ FunctionName = "unit-consumer-consumer", Source = "stripe" }) && aws_cloudwatch_metric_alarm.signature_rejections["stripe"].metric_name == "SignatureRejected"
    error_message = "One signature alarm per signed source, on its SignatureRejected metric."
  }

  assert {
    condition     = module.function.lambda_function.environment[0].variables["METRICS_NAMESPACE"] == output.cloudwatch_metrics_namespace
    error_message = "The alarms and the function agree on the namespace."
  }
}

run "payload_bucket_statements_stay_on_their_prefixes" {
  command = plan

  variables {
    sources = {
      orders = { event_key = "/eventId" }
      github = { event_key = "x-github-delivery", archive = true, delivery = "claim-check" }
    }
    payload_bucket_name        = "unit-payloads"
    payload_bucket_arn         = "arn:aws:s3:::unit-payloads"
    payload_bucket_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    claim_check_sources        = ["github"]
  }

  assert {
    condition = jsonencode({ for s in module.function.iam_role_policy_statements : s.sid => [sort(s.actions), sort(s.resources)] if contains(["WriteLargeItemBodies", "ReadClaims", "WriteArchive"], s.sid) }) == jsonencode({
      ReadClaims           = [["s3:GetObject"], ["arn:aws:s3:::unit-payloads/claims/github/*"]]
      WriteArchive         = [["s3:PutObject"], ["arn:aws:s3:::unit-payloads/archive/source=github/*"]]
      WriteLargeItemBodies = [["s3:PutObject"], ["arn:aws:s3:::unit-payloads/items/github/*", "arn:aws:s3:::unit-payloads/items/orders/*"]]
    })
    error_message = "The consumer reads its claim-check sources' claims and writes item bodies and its archived sources' archive, nothing else in the bucket."
  }

  assert {
    condition     = module.function.lambda_function.environment[0].variables.PAYLOAD_BUCKET == "unit-payloads" && jsondecode(module.function.lambda_function.environment[0].variables.SOURCES).github.archive && !can(jsondecode(module.function.lambda_function.environment[0].variables.SOURCES).orders.archive)
    error_message = "The function knows its bucket and which sources it archives (archive is left out where false)."
  }

  assert {
    # Every KMS statement, whatever its sid (no module key here): decrypt only the
    # claims it reads, a data key only for what it writes, through S3 only. The
    # bucket's own ARN is the context S3 passes when the bucket uses Bucket Keys.
    condition = jsonencode({ for s in module.function.iam_role_policy_statements : s.sid => [sort(s.actions), sort(s.resources), sort([for c in s.condition : "${c.test} ${c.variable} ${join(",", sort(c.values))}"])] if anytrue([for action in s.actions : startswith(action, "kms:")]) }) == jsonencode({
      DecryptClaims = [["kms:Decrypt"], [var.payload_bucket_kms_key_arn], [
        "StringEquals kms:ViaService s3.us-east-1.amazonaws.com",
        "StringLike kms:EncryptionContext:aws:s3:arn arn:aws:s3:::unit-payloads,arn:aws:s3:::unit-payloads/claims/github/*",
      ]]
      EncryptItemsAndArchive = [["kms:GenerateDataKey"], [var.payload_bucket_kms_key_arn], [
        "StringEquals kms:ViaService s3.us-east-1.amazonaws.com",
        "StringLike kms:EncryptionContext:aws:s3:arn arn:aws:s3:::unit-payloads,arn:aws:s3:::unit-payloads/archive/source=github/*,arn:aws:s3:::unit-payloads/items/github/*,arn:aws:s3:::unit-payloads/items/orders/*",
      ]]
    })
    error_message = "The bucket's key: kms:Decrypt for the claims read, kms:GenerateDataKey for the bodies and archive written, each through S3 and for those objects only."
  }

  assert {
    condition     = jsondecode(module.function.lambda_function.environment[0].variables.SOURCES).github.delivery == "claim-check" && !can(jsondecode(module.function.lambda_function.environment[0].variables.SOURCES).orders.delivery)
    error_message = "The function knows which sources deliver claim checks (absent means direct)."
  }

  assert {
    condition     = module.function.lambda_function.memory_size == 1024 && output.lambda_function_memory_size == 1024
    error_message = "With a claim-check source the consumer's memory defaults to 1024 MB: a 6 MB body is held several times over."
  }
}

run "explicit_memory_is_kept_with_a_claim_check_source" {
  command = plan

  variables {
    sources             = { big = { event_key = "/id", delivery = "claim-check" } }
    payload_bucket_name = "unit-payloads"
    payload_bucket_arn  = "arn:aws:s3:::unit-payloads"
    claim_check_sources = ["big"]
    memory_size         = 768
  }

  assert {
    condition     = module.function.lambda_function.memory_size == 768 && output.lambda_function_memory_size == 768
    error_message = "A memory_size the user sets is kept."
  }

  assert {
    condition     = length([for s in module.function.iam_role_policy_statements : s if anytrue([for action in s.actions : startswith(action, "kms:")])]) == 0
    error_message = "An SSE-S3 bucket (no key) gets no KMS statement."
  }
}

run "no_bucket_no_s3_access" {
  command = plan

  assert {
    condition     = length([for s in module.function.iam_role_policy_statements : s if anytrue([for action in s.actions : startswith(action, "s3:")])]) == 0 && !contains(keys(module.function.lambda_function.environment[0].variables), "PAYLOAD_BUCKET")
    error_message = "Without a payload bucket the consumer has no S3 access, and items over 400 KB stay poison as before."
  }
}
