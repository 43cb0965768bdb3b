# The claim-check front function: behind the HTTP API routes of the sources with
# delivery = "claim-check" (Lambda proxy integration). It writes each body to
# the payload bucket's claims/ and queues a pointer; it may do nothing else.

locals {
  # What the Terraform and the functions must agree on (scheme headers, attribute
  # names, bucket prefixes, metric names): one file, which the packages carry too.
  contract      = jsondecode(file("${path.module}/../../functions/shared/contract.json"))
  function_name = "${var.name}-front"
  # The function writes only its sources' claims.
  claim_prefixes = [for source in distinct([for route in values(var.routes) : route.source]) : "${var.bucket_arn}/${local.contract.bucket_prefixes.claims}${source}/*"]
  # The routes whose signature is checked here, before anything is kept.
  edge_secret_arns = distinct([for route in values(var.routes) : route.signature.secret_arn if route.signature != null])
  # What the function reads (ROUTES): nulls left out, the environment holds 4 KB in all.
  routes_setting = {
    for route_key, route in var.routes : route_key => merge(
      { source = route.source, headers = route.headers },
      route.signature == null ? {} : { signature = { for field, value in route.signature : field => value if value != null } },
    )
  }
}

module "function" {
  source = "../_function"

  create        = var.create
  function_name = local.function_name
  description   = "Accepts ${var.name} webhooks too large for the queue: body to S3, pointer to SQS, 200 once both are durable."
  settings      = var.function
  limits = {
    function = "the front function"
    # A body of up to 6 MB is held several times over; API Gateway waits at most 30 s for an integration.
    min_memory_size     = 256
    memory_size_reason  = " MB: the front function holds a body of up to 6 MB several times over (event text, decoded bytes, signed content)"
    max_timeout_seconds = 29
    timeout_reason      = " (API Gateway's integration timeout is 30 s)"
  }
  default_package_path = "${path.module}/../../packages/front.zip"
  kms_key_arn          = var.kms_key_arn

  role_path                 = var.role_path
  role_permissions_boundary = var.role_permissions_boundary

  environment_variables = merge(
    {
      QUEUE_URL      = var.queue_url
      PAYLOAD_BUCKET = var.bucket_name
      ROUTES         = jsonencode(local.routes_setting)
    },
    length(local.edge_secret_arns) == 0 ? {} : {
      SIGNING_SECRET_CACHE_TTL_SECONDS     = tostring(var.signing_secret_cache_ttl_seconds)
      SIGNING_SECRET_MAX_STALENESS_SECONDS = tostring(var.signing_secret_max_staleness_seconds)
    },
  )

  policy_statements = concat([
    {
      sid       = "PutClaims"
      actions   = ["s3:PutObject"]
      resources = local.claim_prefixes
    },
    {
      sid       = "SendPointers"
      actions   = ["sqs:SendMessage"]
      resources = [var.queue_arn]
    },
    ], length(local.edge_secret_arns) == 0 ? [] : [
    {
      sid       = "ReadSigningSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.edge_secret_arns
    },
  ])

  kms_grants = concat(var.kms_key_arn == null ? [] : [
    { sid = "EncryptForQueue", key = var.kms_key_arn, service = "sqs", actions = ["kms:GenerateDataKey", "kms:Decrypt"] },
    ], var.bucket_kms_key_arn == null ? [] : [
    # One PutObject per claim needs a data key, nothing more; S3 names the object
    # in the encryption context, or the bucket when it uses S3 Bucket Keys.
    {
      sid = "EncryptClaims", key = var.bucket_kms_key_arn, service = "s3", actions = ["kms:GenerateDataKey"],
      conditions = [{
        test     = "StringLike"
        variable = "kms:EncryptionContext:aws:s3:arn"
        values   = concat(local.claim_prefixes, [var.bucket_arn])
      }]
    },
    ], [for index, key in distinct(var.signing_secret_kms_key_arns) :
    { sid = "DecryptSigningSecret${index}", key = key, service = "secretsmanager", actions = ["kms:Decrypt"] }
  ])

  tags = var.tags
}

resource "aws_lambda_permission" "api" {
  count = var.create ? 1 : 0

  statement_id  = "AllowApiGatewayRoutes"
  action        = "lambda:InvokeFunction"
  function_name = module.function.lambda_function_name
  principal     = "apigateway.amazonaws.com"
  # Only this API's claim-check routes, on its one stage.
  source_arn = "${var.api_execution_arn}/*/*"
}
