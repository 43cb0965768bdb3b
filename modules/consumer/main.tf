locals {
  # What the Terraform and the functions must agree on (scheme headers, attribute
  # names, bucket prefixes, metric names): one file, which the packages carry too.
  contract = jsondecode(file("${path.module}/../../functions/shared/contract.json"))
  # Named senders (contract.json signatures.presets): an hmac whose settings the contract holds.
  signature_presets = { for name, preset in local.contract.signatures.presets : name => preset if can(preset.header) }
  signature_schemes = concat(keys(local.contract.signatures.schemes), keys(local.signature_presets))
  # What a named scheme's signature covers, where the contract says ({url}: Square, HubSpot, Twilio; Google's audience).
  scheme_signed_contents = merge(
    { for name, scheme in local.contract.signatures.schemes : name => scheme.signed_content if can(scheme.signed_content) },
    { for name, preset in local.signature_presets : name => preset.signed_content if can(preset.signed_content) },
  )
  # A conditional, not coalesce(): with create_table given, the answer is known
  # at plan time even when table_name is not.
  create_table  = var.create && (var.create_table != null ? var.create_table : var.table_name == null)
  table_name    = local.create_table ? aws_dynamodb_table.this[0].name : var.table_name
  table_arn     = local.create_table ? aws_dynamodb_table.this[0].arn : try(data.aws_dynamodb_table.existing[0].arn, null)
  function_name = "${var.name}-consumer"
  # Without var.sources (standalone use), the single source of the first
  # releases: keyed by the body's partition key, legacy keys (unprefixed).
  sources = var.sources != null ? var.sources : {
    default = {
      event_key   = "/${replace(replace(var.partition_key, "~", "~0"), "/", "~1")}"
      body        = "json"
      archive     = false
      delivery    = "direct"
      signature   = null
      legacy_keys = true
      detail_type = null
      split       = null
    }
  }
  # A claim check's body (up to 6 MB) is held several times over while it is
  # resolved, verified, archived and judged: 256 MB does not fit a batch of them.
  claim_check_delivery = anytrue([for source in values(local.sources) : source.delivery == "claim-check"])
  memory_size          = var.memory_size != null ? var.memory_size : local.claim_check_delivery ? 1024 : 256
  # The consumer's EMF metrics (and the authorizers' denials) live here.
  metrics_namespace = "${local.contract.metrics.namespace_prefix}/${var.name}"
  prefixes          = local.contract.bucket_prefixes
  # The key that encrypts the table: ours for a created table, the owner's for a brought one.
  table_kms_key_arn = local.create_table ? var.kms_key_arn : var.table_kms_key_arn

  # Only the write actions the function's mode uses: conditional writes are
  # one PutItem each; BatchWriteItem only serves plain last-write-wins.
  conditional_writes = var.write_mode == "first-write-wins" || var.ordering_attribute != null
  table_actions      = local.conditional_writes ? ["dynamodb:PutItem"] : ["dynamodb:BatchWriteItem", "dynamodb:PutItem"]

  # Signed sources: the consumer verifies each message before storing it, with
  # the source's signing secret (created empty here unless one is brought).
  signed_sources          = { for name, source in local.sources : name => source.signature if source.signature != null }
  created_signing_secrets = var.create ? { for name, signature in local.signed_sources : name => signature if signature.secret_arn == null } : {}
  signing_secret_arns = {
    for name, signature in local.signed_sources : name => signature.secret_arn != null ? signature.secret_arn : try(aws_secretsmanager_secret.signing[name].arn, null)
  }
  # Keys of brought secrets, each granted once; the module's key covers the created ones.
  signing_secret_keys = distinct(concat(
    length(local.created_signing_secrets) > 0 && var.kms_key_arn != null ? [var.kms_key_arn] : [],
    compact([for signature in values(local.signed_sources) : signature.secret_kms_key_arn]),
  ))
  # What the function reads (SOURCES): nulls left out, the Lambda environment holds 4 KB in all;
  # plain JSON up to plain_json_bytes (readable in the console), gzipped beyond.
  plain_json_bytes = 2048
  sources_setting = {
    for name, source in local.sources : name => merge(
      { event_key = source.event_key, body = source.body },
      source.legacy_keys ? { legacy_keys = true } : {},
      source.archive ? { archive = true } : {},
      # Absent means direct: only a claim-check source's messages may be claim checks.
      source.delivery == "claim-check" ? { delivery = "claim-check" } : {},
      # Kept without fan_out too: messages queued while it carried its header stay valid (trust.py).
      source.detail_type == null ? {} : { detail_type = source.detail_type },
      source.split == null ? {} : { split = source.split },
      source.signature == null ? {} : {
        signature = merge(
          # A named scheme's settings are the contract's: only hmac's own fields travel.
          { for field, value in merge(source.signature, contains(keys(var.signature_urls), name) ? { url = var.signature_urls[name] } : {}) : field => value if value != null && field != "secret_kms_key_arn" && (source.signature.scheme == "hmac" || contains(["scheme", "tolerance_seconds", "url"], field)) },
          { secret_arn = local.signing_secret_arns[name] },
        )
      },
    )
  }

  # The payload bucket, each statement on its prefixes only: bodies of large
  # items for every source, claims of the sources that send them, the archive
  # of the archived ones.
  source_names     = keys(local.sources)
  archived_sources = [for name, source in local.sources : name if source.archive]
  # The ARN, not the name: a created bucket's name is unknown until apply, its
  # ARN is known not to be null, so the statements (and their sids) are planned.
  payload_bucket    = var.payload_bucket_arn != null
  payload_grant_key = local.payload_bucket ? var.payload_bucket_kms_key_arn : null
  payload_statements = local.payload_bucket ? concat(
    [
      { sid = "WriteLargeItemBodies", actions = ["s3:PutObject"], resources = [for name in local.source_names : "${var.payload_bucket_arn}/${local.prefixes.items}${name}/*"] },
    ],
    length(var.claim_check_sources) == 0 ? [] : [
      { sid = "ReadClaims", actions = ["s3:GetObject"], resources = [for name in var.claim_check_sources : "${var.payload_bucket_arn}/${local.prefixes.claims}${name}/*"] },
    ],
    length(local.archived_sources) == 0 ? [] : [
      { sid = "WriteArchive", actions = ["s3:PutObject"], resources = [for name in local.archived_sources : "${var.payload_bucket_arn}/${local.prefixes.archive}source=${name}/*"] },
    ],
  ) : []
  # (a placeholder ARN without a bucket: both branches of a conditional are evaluated)
  payload_context = {
    for access, prefixes in {
      read  = [for name in var.claim_check_sources : "${local.prefixes.claims}${name}/*"]
      write = concat([for name in local.source_names : "${local.prefixes.items}${name}/*"], [for name in local.archived_sources : "${local.prefixes.archive}source=${name}/*"])
      } : access => {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = concat([for prefix in prefixes : "${coalesce(var.payload_bucket_arn, "none")}/${prefix}"], [coalesce(var.payload_bucket_arn, "none")])
    }
  }
}

################################################################################
# Signing secrets
################################################################################

resource "aws_secretsmanager_secret" "signing" {
  for_each = local.created_signing_secrets

  #checkov:skip=CKV2_AWS_57:The sender owns this secret (GitHub, Stripe... show it once); it is rotated there and put here, by hand or by the user's pipeline, not by a rotation Lambda.
  name_prefix             = "${var.name}-${each.key}-signing-"
  description             = "Signing secret of the ${each.key} webhook source (${each.value.scheme}) of ${var.name}: the sender's secret exactly as it shows it, or a JSON list of several while one is rotated."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.signing_secret_recovery_window_in_days

  tags = var.tags
}

################################################################################
# Table
################################################################################

# Destroy order: Terraform destroys dependents first, so a table that depends on
# the queues is deleted before them. When deletion protection stops the table,
# the destroy stops there, and the queues, with any messages still waiting,
# are kept (without this, both queues went first).
resource "terraform_data" "queues" {
  count = local.create_table ? 1 : 0

  input = [var.queue_arn, var.dead_letter_queue_arn]
}

resource "aws_dynamodb_table" "this" {
  count = local.create_table ? 1 : 0

  #checkov:skip=CKV_AWS_28:PITR is on by default (point_in_time_recovery_enabled defaults to true); checkov cannot resolve the optional() default passed down from the root.
  name                        = "${var.name}-events"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = var.partition_key
  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = var.partition_key
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery_enabled
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  dynamic "ttl" {
    for_each = var.ttl_attribute == null ? [] : [var.ttl_attribute]

    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  tags = var.tags

  depends_on = [terraform_data.queues]
}

data "aws_dynamodb_table" "existing" {
  count = var.create && !local.create_table ? 1 : 0

  name = var.table_name

  lifecycle {
    postcondition {
      condition     = self.hash_key == var.partition_key
      error_message = "The existing table's partition key is not ${var.partition_key}: set partition_key to the table's hash key."
    }
  }
}

################################################################################
# Function
################################################################################

# pyca/cryptography, only when a source is verified with a public key (discord, sendgrid, google-pubsub-push).
module "public_key_layer" {
  source = "../_public_key_layer"

  create       = var.create
  schemes      = distinct([for signature in values(local.signed_sources) : signature.scheme])
  name         = "${local.function_name}-public-key"
  architecture = var.architecture
}

module "function" {
  source = "../_function"

  create        = var.create
  function_name = local.function_name
  description   = "Stores ${var.name} webhook messages from SQS in DynamoDB (partial batch responses)."
  # One settings object, validated by modules/_function.
  settings = merge(var.function, {
    architecture          = var.architecture
    memory_size           = local.memory_size
    timeout_seconds       = var.timeout_seconds
    package               = var.package
    log_retention_in_days = var.log_retention_in_days
  })
  layers               = module.public_key_layer.lambda_layer_version_arns
  limits               = { function = "the consumer" }
  default_package_path = "${path.module}/../../packages/consumer.zip"
  kms_key_arn          = var.kms_key_arn

  role_path                 = var.role_path
  role_permissions_boundary = var.role_permissions_boundary

  environment_variables = merge(
    {
      TABLE_NAME            = local.table_name
      PARTITION_KEY         = var.partition_key
      DEAD_LETTER_QUEUE_URL = var.dead_letter_queue_url
      WRITE_MODE            = var.write_mode
      METRICS_NAMESPACE     = local.metrics_namespace
    },
    local.payload_bucket ? { PAYLOAD_BUCKET = var.payload_bucket_name } : {},
    var.ttl_attribute == null ? {} : { TTL_ATTRIBUTE = var.ttl_attribute, TTL_DAYS = tostring(var.ttl_days) },
    var.ordering_attribute == null ? {} : { ORDERING_ATTRIBUTE = var.ordering_attribute },
    var.fan_out == null ? {} : { FAN_OUT_BUS = var.fan_out.bus_arn, FAN_OUT_SOURCE_PREFIX = var.fan_out.source_prefix },
    # Long settings gzipped (the functions read both forms: functions/shared/environment_json.py).
    { SOURCES = length(jsonencode(local.sources_setting)) > local.plain_json_bytes ? base64gzip(jsonencode(local.sources_setting)) : jsonencode(local.sources_setting) },
    length(local.signed_sources) == 0 ? {} : {
      SIGNING_SECRET_CACHE_TTL_SECONDS     = tostring(var.signing_secret_cache_ttl_seconds)
      SIGNING_SECRET_MAX_STALENESS_SECONDS = tostring(var.signing_secret_max_staleness_seconds)
    },
  )

  policy_statements = concat([
    {
      sid       = "ConsumeQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [var.queue_arn]
    },
    {
      sid       = "DeadLetterPoison"
      actions   = ["sqs:SendMessage"]
      resources = [var.dead_letter_queue_arn]
    },
    {
      sid       = "WriteEvents"
      actions   = local.table_actions
      resources = [local.table_arn]
    },
    ], length(local.signed_sources) == 0 ? [] : [
    {
      sid       = "ReadSigningSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = values(local.signing_secret_arns)
    },
    ], local.payload_statements, var.fan_out == null ? [] : [
    {
      sid       = "PublishStoredEvents"
      actions   = ["events:PutEvents"]
      resources = [coalesce(var.fan_out.bus_arn, "none")]
    },
  ], var.policy_statements)

  kms_grants = concat([for grant in [
    # Receiving from and sending to SSE-KMS queues.
    { sid = "UseQueueKey", key = var.kms_key_arn, service = "sqs", actions = ["kms:Decrypt", "kms:GenerateDataKey"] },
    # What AWS's own aws/dynamodb key policy grants to principals using a table.
    { sid = "UseTableKey", key = local.table_kms_key_arn, service = "dynamodb", actions = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"] },
    ] : grant if grant.key != null],
    # An SSE-KMS payload bucket (ours or brought): decrypt what it reads, a data
    # key for what it writes, through S3 and for the objects of its statements
    # only. S3 names the object in the encryption context, or the bucket when
    # the bucket uses S3 Bucket Keys (ours does), hence the bucket ARN too.
    local.payload_grant_key == null || length(var.claim_check_sources) == 0 ? [] : [
      { sid = "DecryptClaims", key = local.payload_grant_key, service = "s3", actions = ["kms:Decrypt"], conditions = [local.payload_context["read"]] },
    ],
    local.payload_grant_key == null ? [] : [
      { sid = "EncryptItemsAndArchive", key = local.payload_grant_key, service = "s3", actions = ["kms:GenerateDataKey"], conditions = [local.payload_context["write"]] },
    ],
    # Reading the signing secrets, each key only through Secrets Manager.
    [for index, key in local.signing_secret_keys :
      { sid = "DecryptSigningSecret${index}", key = key, service = "secretsmanager", actions = ["kms:Decrypt"] }
    ],
  )

  tags = var.tags
}

################################################################################
# Event source mapping
################################################################################

resource "aws_lambda_event_source_mapping" "this" {
  count = var.create ? 1 : 0

  event_source_arn                   = var.queue_arn
  function_name                      = module.function.lambda_function_arn
  enabled                            = coalesce(var.enabled, var.event_source_mapping_enabled)
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  # Without it Lambda ignores the batchItemFailures the function returns and
  # retries whole batches: one bad record would hold back the others.
  function_response_types = ["ReportBatchItemFailures"]

  dynamic "scaling_config" {
    for_each = var.maximum_concurrency == null ? [] : [var.maximum_concurrency]

    content {
      maximum_concurrency = scaling_config.value
    }
  }

  tags = var.tags

  # The mapping validates its role's SQS permissions when it is created
  # (terraform-provider-aws#14042): the policy must exist first.
  depends_on = [module.function]

  lifecycle {
    precondition {
      # Here, not in var.sources' validation: signature_urls is known only once the API is.
      condition = alltrue([for name, signature in local.signed_sources : signature.url != null || contains(keys(var.signature_urls), name) || !strcontains(
        signature.scheme == "hmac" ? signature.signed_content : lookup(local.scheme_signed_contents, signature.scheme, ""), "{url}"
      )])
      error_message = "A source whose signature covers the URL it was given (square, hubspot, twilio; hmac with {url}) needs signature.url or an entry in signature_urls: the consumer could verify none of its messages."
    }
  }
}

################################################################################
# Alarm
################################################################################

resource "aws_cloudwatch_metric_alarm" "errors" {
  count = var.create && coalesce(var.error_alarm_enabled, var.create_error_alarm) ? 1 : 0

  alarm_name          = "${local.function_name}-errors"
  alarm_description   = "${local.function_name} failed whole batches (every record retriable, or a crash). Records return to the queue and reach the DLQ after max_receive_count."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = module.function.lambda_function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "delivery_lag" {
  count = var.create && var.delivery_lag_alarm_seconds != null ? 1 : 0

  alarm_name          = "${local.function_name}-delivery-lag"
  alarm_description   = "The p99 time from API Gateway receiving a webhook to ${local.function_name} storing it exceeded ${var.delivery_lag_alarm_seconds} s over 10 minutes: the consumer is behind (throttled, failing, or paused)."
  namespace           = local.metrics_namespace
  metric_name         = local.contract.metrics.delivery_lag
  dimensions          = { FunctionName = local.function_name }
  extended_statistic  = "p99"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.delivery_lag_alarm_seconds * 1000
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = var.tags
}

# One per signed source: forged, stale or unsigned deliveries, or a sender whose
# secret changed, whether refused by the edge function (401) or dead-lettered here.
resource "aws_cloudwatch_metric_alarm" "signature_rejections" {
  for_each = var.create && var.signature_rejection_alarm_threshold != null ? local.signed_sources : {}

  alarm_name          = "${local.function_name}-${each.key}-signature-rejections"
  alarm_description   = "More than ${var.signature_rejection_alarm_threshold} messages of the ${each.key} source failed signature verification in 5 minutes (refused at the edge with 401, or dead-lettered with their reason): a rotated secret not put in yet, or forged traffic."
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.signature_rejection_alarm_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  # Without an edge function, the consumer's count alone; with one, the sum of both.
  namespace   = var.edge_function_name == null ? local.metrics_namespace : null
  metric_name = var.edge_function_name == null ? local.contract.metrics.signature_rejected : null
  dimensions  = var.edge_function_name == null ? { FunctionName = local.function_name, Source = each.key } : null
  statistic   = var.edge_function_name == null ? "Sum" : null
  period      = var.edge_function_name == null ? 300 : null

  dynamic "metric_query" {
    for_each = var.edge_function_name == null ? {} : { consumer = local.function_name, edge = var.edge_function_name }

    content {
      id = metric_query.key
      metric {
        namespace   = local.metrics_namespace
        metric_name = local.contract.metrics.signature_rejected
        dimensions  = { FunctionName = metric_query.value, Source = each.key }
        stat        = "Sum"
        period      = 300
      }
    }
  }

  dynamic "metric_query" {
    for_each = var.edge_function_name == null ? [] : ["total"]

    content {
      id          = "total"
      expression  = "FILL(consumer, 0) + FILL(edge, 0)"
      label       = "signature rejections"
      return_data = true
    }
  }

  tags = var.tags
}
