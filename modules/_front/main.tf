# The edge function: behind the HTTP API routes that need more than SQS's
# answer (Lambda proxy integration): it answers handshakes, checks signatures,
# queues the body itself (direct) or keeps it in the payload bucket's claims/
# and queues a pointer (claim-check), and gives a fixed response where one is
# set. It may do nothing else.

locals {
  # What the Terraform and the functions must agree on (scheme headers, attribute
  # names, bucket prefixes, metric names, handshake presets): one file, which the packages carry too.
  contract      = jsondecode(file("${path.module}/../../functions/shared/contract.json"))
  handshakes    = { for preset, spec in local.contract.handshakes : preset => spec if can(spec.method) }
  function_name = "${var.name}-front"
  # The function writes only its claim-check sources' claims.
  claim_check_sources = distinct([for route in values(var.routes) : route.source if route.delivery == "claim-check"])
  claim_prefixes      = [for source in local.claim_check_sources : "${var.bucket_arn}/${local.contract.bucket_prefixes.claims}${source}/*"]
  # A verify token the module keeps for a handshake that needs one of its own (meta), unless one is brought.
  created_handshake_secrets = var.create ? toset(distinct([
    for route in values(var.routes) : route.source if try(local.handshakes[route.handshake.preset].secret == "own" && route.handshake.secret_arn == null, false)
  ])) : toset([])
  # The secret a handshake answers with, when its preset needs one: a verify token
  # of its own (meta: brought, or created here) or the signing secret (zoom, x).
  handshake_secret_arns = {
    for route in values(var.routes) : route.source => (
      route.handshake.secret_arn != null ? route.handshake.secret_arn : try(aws_secretsmanager_secret.handshake[route.source].arn, null)
    )... if try(local.handshakes[route.handshake.preset].secret == "own" || (local.handshakes[route.handshake.preset].secret == "signing" && route.handshake.secret_arn != null), false)
  }
  # The signing secret each source's signature is checked with (its routes share it).
  signature_secret_arns = { for route in values(var.routes) : route.source => route.signature.secret_arn... if route.signature != null }
  # Asana's handshake sets the source's signing secret: the only secret this function may write.
  learning_sources    = distinct([for route in values(var.routes) : route.source if try(local.handshakes[route.handshake.preset].secret == "learned", false)])
  learned_secret_arns = [for source, arns in local.signature_secret_arns : arns[0] if contains(local.learning_sources, source)]
  # Every secret the function reads, once: the signatures it checks, the secrets its
  # handshakes answer with. Which ones is known at plan time, their ARNs may not be.
  # (a verify token is another secret than the signing one; a signing secret named for a
  # handshake is the signature's when both are given, read once)
  edge_secret_arns = concat(
    [for source, arns in local.signature_secret_arns : arns[0]],
    [for source, arns in local.handshake_secret_arns : arns[0] if !contains(keys(local.signature_secret_arns), source) || contains(local.own_secret_sources, source)],
  )
  own_secret_sources = distinct([for route in values(var.routes) : route.source if try(local.handshakes[route.handshake.preset].secret == "own", false)])
  # What the function reads (ROUTES): nulls left out, the environment holds 4 KB in all.
  routes_setting = {
    for route_key, route in var.routes : route_key => merge(
      { source = route.source, headers = route.headers, delivery = route.delivery },
      route.signature == null ? {} : {
        signature = merge({ for field, value in route.signature : field => value if(field == "secret_arn" ? false : value != null) }, { secret_arn = route.signature.secret_arn })
      },
      route.handshake == null ? {} : {
        # (decided by the preset, known at plan time; the ARN may not be)
        handshake = merge({ preset = route.handshake.preset }, contains(keys(local.handshake_secret_arns), route.source) ? { secret_arn = local.handshake_secret_arns[route.source][0] } : {})
      },
      { for setting, settings in route.steps : setting => jsondecode(settings) },
    )
  }
}

resource "aws_secretsmanager_secret" "handshake" {
  for_each = local.created_handshake_secrets

  #checkov:skip=CKV2_AWS_57:A verify token is chosen by the user and typed into the sender's settings (Meta's app dashboard) and here, by hand or by the user's pipeline; a rotation Lambda cannot change it on the sender's side.
  name                    = "${var.name}-${each.key}-handshake"
  description             = "The ${each.key} source's handshake token (Meta's verify token): put the value you give the sender. The edge function reads it."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.handshake_secret_recovery_window_in_days

  tags = var.tags
}

# pyca/cryptography, only when a route's signature is checked with a public key (discord, sendgrid, google-pubsub-push).
module "public_key_layer" {
  source = "../_public_key_layer"

  create       = var.create
  schemes      = distinct([for route in values(var.routes) : route.signature.scheme if route.signature != null])
  name         = "${local.function_name}-public-key"
  architecture = var.function.architecture
}

module "function" {
  source = "../_function"

  create        = var.create
  function_name = local.function_name
  description   = "The ${var.name} webhook edge: answers handshakes, checks signatures, queues the body (or keeps it in S3 and queues a pointer), 200 once durable."
  settings      = var.function
  layers        = module.public_key_layer.lambda_layer_version_arns
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
      QUEUE_URL = var.queue_url
      # Compressed: Lambda's environment holds 4 KB in all, and a dozen signed routes' JSON
      # does not fit (functions/front/edge_config.py reads either form; output routes shows it).
      ROUTES            = base64gzip(jsonencode(local.routes_setting))
      MAX_MESSAGE_BYTES = tostring(var.max_message_bytes)
      METRICS_NAMESPACE = "${local.contract.metrics.namespace_prefix}/${var.name}"
    },
    length(local.claim_check_sources) == 0 ? {} : { PAYLOAD_BUCKET = var.bucket_name },
    length(local.edge_secret_arns) == 0 ? {} : {
      SIGNING_SECRET_CACHE_TTL_SECONDS     = tostring(var.signing_secret_cache_ttl_seconds)
      SIGNING_SECRET_MAX_STALENESS_SECONDS = tostring(var.signing_secret_max_staleness_seconds)
    },
  )

  policy_statements = concat(length(local.claim_check_sources) == 0 ? [] : [
    {
      sid       = "PutClaims"
      actions   = ["s3:PutObject"]
      resources = local.claim_prefixes
    },
    ], [
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
    ], length(local.learned_secret_arns) == 0 ? [] : [
    {
      sid       = "StoreLearnedSecrets"
      actions   = ["secretsmanager:PutSecretValue"]
      resources = local.learned_secret_arns
    },
  ])

  kms_grants = concat(var.kms_key_arn == null ? [] : [
    { sid = "EncryptForQueue", key = var.kms_key_arn, service = "sqs", actions = ["kms:GenerateDataKey", "kms:Decrypt"] },
    ], var.bucket_kms_key_arn == null || length(local.claim_check_sources) == 0 ? [] : [
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
    # The signing secrets' keys, and the module's own for the verify tokens it creates;
    # writing Asana's learned secret needs a data key too.
    ], [for index, key in distinct(concat(var.signing_secret_kms_key_arns, length(local.created_handshake_secrets) > 0 && var.kms_key_arn != null ? [var.kms_key_arn] : [])) :
    { sid = "DecryptSigningSecret${index}", key = key, service = "secretsmanager", actions = length(local.learning_sources) > 0 ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"] }
  ])

  tags = var.tags
}

resource "aws_lambda_permission" "api" {
  count = var.create ? 1 : 0

  statement_id  = "AllowApiGatewayRoutes"
  action        = "lambda:InvokeFunction"
  function_name = module.function.lambda_function_name
  # The alias the routes invoke when the function is kept warm (a permission is per qualifier).
  qualifier = module.function.lambda_alias_name
  principal = "apigateway.amazonaws.com"
  # Only this API's routes, on its one stage.
  source_arn = "${var.api_execution_arn}/*/*"
}
