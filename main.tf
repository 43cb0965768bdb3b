# sender -> HTTP API, one route per source (a Basic or token authorizer, or an
# open route whose messages carry a signature) -> SQS -> consumer Lambda
# (verifies signatures, resolves claim checks, archives) -> DynamoDB, with a
# dead-letter queue for what keeps failing. A claim-check source's route goes to
# the front function instead, which keeps the body in the payload bucket (S3,
# claims/) and queues a pointer; the same bucket holds the raw archive (archive/)
# and bodies too large for an item (items/). Each public part is a submodule
# that also works on its own; this root wires them together with secure defaults.

locals {
  # Deprecated names win when set, so an upgrade that keeps them changes nothing.
  create_alarms = coalesce(var.alarms.enabled, var.alarms.create, true)

  # Each source normalised once, here: the modules take slices of these objects
  # and none of them asks whether sources were given. Without var.sources, the
  # single Basic source of the first releases is synthesised as the source named
  # default, on api.route_key, keyed by the body's partition key with legacy
  # keys (unprefixed; its messages carry no source attribute), its secret and
  # authorizer under the names those releases gave them.
  legacy = var.sources == null
  given_sources = local.legacy ? {
    # (every edge step's setting null: the first releases had none)
    default = merge({ for setting in local.edge_step_settings : setting => null }, {
      route_key              = var.api.route_key
      auth                   = "basic"
      secret_arn             = var.auth.secret_arn
      username               = var.auth.username
      token_header           = null
      event_key              = "/${replace(replace(var.table.partition_key, "~", "~0"), "/", "~1")}"
      body                   = "json"
      throttling_burst_limit = null
      throttling_rate_limit  = null
      delivery               = "direct"
      verify_at_edge         = false
      archive                = false
      detail_type            = null
      split                  = null
      handshake              = null
      signature              = null
    })
  } : var.sources
  given_sources_normalised = {
    for name, source in local.given_sources : name => merge(source, {
      route_key = coalesce(source.route_key, "POST /hooks/${name}")
      # An open signed route is checked at the edge unless told otherwise: a
      # forgery gets 401 and leaves nothing behind (no claim kept for 30 days,
      # no dead letter). So is one whose handshake is signed or sets the signing
      # secret (slack, zoom, twitch, asana, notion), whatever its auth: the edge answers
      # such a handshake only once it verifies.
      verify_at_edge = source.verify_at_edge != null ? source.verify_at_edge : source.signature != null && (
        source.auth == "none" || try(local.handshakes[source.handshake.preset].signed || local.handshakes[source.handshake.preset].secret == "learned", false)
      )
      legacy_keys = local.legacy
      # Each edge step's settings, by setting name, as the edge function reads them (JSON).
      edge_steps = { for setting in local.edge_step_settings : setting => jsonencode(source[setting]) if source[setting] != null }
      # The request headers its consumer needs, carried with each message: its key
      # header, its detail-type header (fan-out) and its signature's.
      carried_headers = distinct(compact(concat(
        # Only a header name is carried: a pointer starts with '/', @signed-content with '@'.
        can(regex("^[a-z0-9]", source.event_key)) ? [source.event_key] : [],
        var.fan_out != null && can(regex("^[a-z0-9]", source.detail_type)) ? [source.detail_type] : [],
        try(lookup(local.signature_headers, source.signature.scheme, [source.signature.header, source.signature.timestamp_header, source.signature.id_header]), []),
      )))
    })
  }
  # What each source's route does, from its settings above: the edge function
  # serves a route that needs more than SQS's answer, or that carries a request
  # header (API Gateway would write a sender's value into the message's
  # attributes JSON, where a quote could forge a trusted one); every other route
  # is API Gateway's SQS integration, which interpolates only its own context.
  sources = {
    for name, source in local.given_sources_normalised : name => merge(source, {
      # Unset: direct, unless the headers do not fit a direct message's attributes
      # (PayPal signs four): a claim check carries them in its pointer.
      delivery = source.delivery != null ? source.delivery : length(source.carried_headers) > local.attributes.max_carried_headers ? "claim-check" : "direct"
      integration = (
        source.delivery == "claim-check" || source.verify_at_edge || source.handshake != null || length(source.edge_steps) > 0 || length(source.carried_headers) > 0
      ) ? "function" : "sqs"
      # A handshake that arrives as a GET has its own route, on the same path.
      handshake_route_key = try(local.handshakes[source.handshake.preset].method == "GET", false) ? "GET ${split(" ", source.route_key)[1]}" : null
      # An authorizer's cache key: the credential, and the route, so one source's
      # cached allow never opens another (the first releases' had one route).
      # A token in a header of the sender's choosing is read from that header.
      identity_sources = source.auth == "none" ? [] : concat(
        [source.token_header != null ? "$request.header.${source.token_header}" : local.contract.auth_modes[source.auth].identity_source],
        local.legacy ? [] : ["$context.routeKey"],
      )
      authorizer_name = name == "default" ? "${var.name}-basic-auth" : "${var.name}-${name}"
      # A source named default keeps the secret and function names of the single
      # source, so they survive adding sources to an existing deployment.
      secret_suffix      = name == "default" ? null : name
      secret_kms_key_arn = local.legacy ? var.auth.secret_kms_key_arn : null
      create_secret      = local.legacy ? var.auth.create_secret : null
    })
  }
  authenticated_sources = { for name, source in local.sources : name => source if source.auth != "none" }
  # What each signature covers: an hmac's own signed_content, a preset's from the contract ("" for the other schemes).
  signed_contents = {
    for name, source in local.sources : name => source.signature == null ? "" : source.signature.scheme == "hmac" ? source.signature.signed_content : lookup(local.scheme_signed_contents, source.signature.scheme, "")
  }
  # A signature that covers the URL (Square, HubSpot, Twilio: {url}) covers the one the
  # sender was given: signature.url, else the source's own URL (never a Host header),
  # passed on separately: only what needs the API's address waits for it (a validation
  # error in module api leaves every other module's validations reported).
  signature_urls = {
    for name, source in local.sources : name => lookup(module.api.apigatewayv2_route_urls, name, null)
    if(source.signature == null ? false : source.signature.url == null && strcontains(local.signed_contents[name], "{url}"))
  }
  # The one source every single-valued output describes (URL, secret, authorizer):
  # default, else the first by name. Its secret and authorizer are null when it is open.
  primary_source = contains(keys(local.sources), "default") ? "default" : sort(keys(local.sources))[0]

  # Claim checks and the archive need the payload bucket; a brought bucket also
  # turns on pointer items for bodies over DynamoDB's limit.
  claim_check_sources = [for name, source in local.sources : name if source.delivery == "claim-check"]
  edge_sources        = [for name, source in local.sources : name if source.integration == "function"]
  archived_sources    = [for name, source in local.sources : name if source.archive]
  use_payload_bucket  = var.payloads.bucket_name != null || length(local.claim_check_sources) + length(local.archived_sources) > 0

  # What the Terraform and the functions must agree on (scheme headers, attribute
  # names, bucket prefixes, metric names): one file, which the packages carry too.
  contract   = jsondecode(file("${path.module}/functions/shared/contract.json"))
  attributes = local.contract.message_attributes
  # The headers each signature scheme reads; hmac names its own.
  # A named sender (signatures.presets) reads its hmac headers; its timestamp may be in its signature header (pairs).
  signature_headers = merge(
    { for name, scheme in local.contract.signatures.schemes : name => scheme.headers if can(scheme.headers) },
    { for name, preset in local.contract.signatures.presets : name => compact([preset.header, try(preset.timestamp_header, ""), try(preset.id_header, "")]) if can(preset.header) },
  )
  # What a named scheme's signature covers, where the contract says ({url}: Square, HubSpot, Twilio; Google's audience).
  scheme_signed_contents = merge(
    { for name, scheme in local.contract.signatures.schemes : name => scheme.signed_content if can(scheme.signed_content) },
    { for name, preset in local.contract.signatures.presets : name => preset.signed_content if can(preset.signed_content) },
  )
  # The ways a route admits a sender (contract.json): none has no authorizer.
  auth_modes = [for mode, spec in local.contract.auth_modes : mode if can(spec.identity_source)]
  handshakes = { for preset, spec in local.contract.handshakes : preset => spec if can(spec.method) }
  # The edge's optional steps (a fixed response, ...): one module each, functions/front/edge_step_<setting>.py,
  # acting on sources.<name>.<setting>. The file's name is the one place that ties the two; a step
  # whose setting variables.tf does not declare fails the plan here (Invalid index).
  edge_step_settings = sort([for file in fileset("${path.module}/functions/front", "edge_step_*.py") : trimsuffix(trimprefix(file, "edge_step_"), ".py")])
}

################################################################################
# Credentials secret and authorizer
################################################################################

module "auth" {
  source   = "./modules/auth"
  for_each = local.authenticated_sources

  create                = var.create
  name                  = var.name
  tags                  = var.tags
  kms_key_arn           = var.kms_key_arn
  log_retention_in_days = var.log_retention_in_days

  mode                           = each.value.auth
  token_header                   = each.value.token_header
  source_name                    = each.value.secret_suffix
  secret_arn                     = each.value.secret_arn
  secret_kms_key_arn             = each.value.secret_kms_key_arn
  create_secret                  = each.value.create_secret
  username                       = each.value.username
  password_length                = var.auth.password_length
  secret_version                 = var.auth.secret_version
  secret_recovery_window_in_days = var.auth.secret_recovery_window_in_days
  secret_cache_ttl_seconds       = var.auth.secret_cache_ttl_seconds
  secret_max_staleness_seconds   = var.auth.secret_max_staleness_seconds
  architecture                   = var.auth.architecture
  memory_size                    = var.auth.memory_size
  timeout_seconds                = var.auth.timeout_seconds
  package                        = var.packages.authorizer
  # The auth object whole: settings beyond the five above reach modules/_function without a line here.
  function                  = var.auth
  policy_statements         = var.auth.policy_statements
  role_path                 = var.role_path
  role_permissions_boundary = var.role_permissions_boundary

  denial_alarm_threshold = local.create_alarms ? var.alarms.authorizer_denial_alarm_threshold : null
  alarm_actions          = var.alarms.alarm_actions

  api_execution_arn = module.api.apigatewayv2_api_execution_arn
}

################################################################################
# Buffering queue and dead-letter queue
################################################################################

module "queue" {
  source = "./modules/queue"

  create      = var.create
  name        = var.name
  tags        = var.tags
  kms_key_arn = var.kms_key_arn

  consumer_timeout_seconds              = var.consumer.timeout_seconds
  maximum_batching_window_in_seconds    = var.consumer.maximum_batching_window_in_seconds
  visibility_timeout_seconds            = var.queue.visibility_timeout_seconds
  message_retention_seconds             = var.queue.message_retention_seconds
  dead_letter_message_retention_seconds = var.queue.dead_letter_message_retention_seconds
  max_receive_count                     = var.queue.max_receive_count
  redrive_allow_policy_enabled          = var.queue.redrive_allow_policy_enabled
  max_message_size                      = var.queue.max_message_size

  create_alarms                    = local.create_alarms
  alarm_actions                    = var.alarms.alarm_actions
  oldest_message_age_alarm_seconds = var.alarms.oldest_message_age_alarm_seconds
}

################################################################################
# Payload bucket and claim-check front function
################################################################################

module "storage" {
  source = "./modules/storage"

  create      = var.create && local.use_payload_bucket
  name        = var.name
  tags        = var.tags
  kms_key_arn = var.kms_key_arn

  bucket_name               = var.payloads.bucket_name
  force_destroy             = var.payloads.force_destroy
  versioning_enabled        = var.payloads.versioning_enabled
  claim_expiration_days     = var.payloads.claim_expiration_days
  archive_expiration_days   = var.payloads.archive_expiration_days
  item_body_expiration_days = var.payloads.item_body_expiration_days
  bucket_kms_key_arn        = var.payloads.kms_key_arn
}

module "front" {
  source = "./modules/_front"

  create      = var.create && length(local.edge_sources) > 0
  name        = var.name
  tags        = var.tags
  kms_key_arn = var.kms_key_arn

  # One entry per route the function serves (a source with a GET handshake has two).
  routes = merge([
    for name in local.edge_sources : {
      for route_key in compact([local.sources[name].route_key, local.sources[name].handshake_route_key]) : route_key => {
        source   = name
        headers  = local.sources[name].carried_headers
        delivery = local.sources[name].delivery
        signature = local.sources[name].verify_at_edge ? merge(
          { for field, value in local.sources[name].signature : field => value if field != "secret_kms_key_arn" },
          contains(keys(local.signature_urls), name) ? { url = local.signature_urls[name] } : {},
          { secret_arn = module.consumer.secretsmanager_secret_arns[name] },
        ) : null
        # The secret a handshake answers with: its own (meta: null creates it), or the
        # signing secret (zoom, x), which the edge reads through the route's signature
        # rule (a rotation list answers with its newest entry) and is named here only
        # when the signature is not checked at the edge. Asana's sets the signing secret.
        handshake = local.sources[name].handshake == null ? null : {
          preset = local.sources[name].handshake.preset
          secret_arn = (
            try(local.handshakes[local.sources[name].handshake.preset].secret, null) == "signing" && !local.sources[name].verify_at_edge
          ) ? module.consumer.secretsmanager_secret_arns[name] : local.sources[name].handshake.secret_arn
        }
        steps = local.sources[name].edge_steps
      }
    }
  ]...)
  # Secrets the function reads: the signing secrets of the sources it verifies or answers handshakes with.
  signing_secret_kms_key_arns = compact(concat(
    [for name in local.edge_sources : local.sources[name].signature.secret_kms_key_arn if local.sources[name].signature != null ? local.sources[name].verify_at_edge || local.sources[name].handshake != null : false],
    # Secrets the module creates are encrypted with its key.
    # (a conditional, not &&: Terraform evaluates both sides, and a source without a signature has none)
    [for name in local.edge_sources : var.kms_key_arn if((local.sources[name].verify_at_edge || local.sources[name].handshake != null) && local.sources[name].signature != null ? local.sources[name].signature.secret_arn == null : false)],
  ))
  signing_secret_cache_ttl_seconds         = var.auth.secret_cache_ttl_seconds
  signing_secret_max_staleness_seconds     = var.auth.secret_max_staleness_seconds
  max_message_bytes                        = var.queue.max_message_size
  handshake_secret_recovery_window_in_days = var.auth.secret_recovery_window_in_days
  # The front object whole, with its package and the module's log retention: one settings object.
  function                  = merge(var.front, { package = var.packages.front, log_retention_in_days = var.log_retention_in_days })
  role_path                 = var.role_path
  role_permissions_boundary = var.role_permissions_boundary

  queue_url = module.queue.sqs_queue_url
  queue_arn = module.queue.sqs_queue_arn
  # Placeholders while nothing is created: the statements are built either way.
  bucket_name        = coalesce(module.storage.s3_bucket_id, "none")
  bucket_arn         = coalesce(module.storage.s3_bucket_arn, "none")
  bucket_kms_key_arn = module.storage.s3_bucket_kms_key_arn
  api_execution_arn  = module.api.apigatewayv2_api_execution_arn
}

################################################################################
# Consumer and table
################################################################################

module "consumer" {
  source = "./modules/consumer"

  create                = var.create
  name                  = var.name
  tags                  = var.tags
  kms_key_arn           = var.kms_key_arn
  log_retention_in_days = var.log_retention_in_days

  queue_arn             = module.queue.sqs_queue_arn
  dead_letter_queue_arn = module.queue.sqs_dead_letter_queue_arn
  dead_letter_queue_url = module.queue.sqs_dead_letter_queue_url

  architecture = var.consumer.architecture
  # null: the consumer module's default, 256 MB, or 1024 MB with a claim-check source.
  memory_size        = var.consumer.memory_size
  timeout_seconds    = var.consumer.timeout_seconds
  write_mode         = var.consumer.write_mode
  ordering_attribute = var.consumer.ordering_attribute
  sources = {
    for name, source in local.sources : name => {
      event_key   = source.event_key
      body        = source.body
      archive     = source.archive
      delivery    = source.delivery
      signature   = source.signature
      legacy_keys = source.legacy_keys
      detail_type = source.detail_type
      split       = source.split
    }
  }
  fan_out = var.fan_out == null ? null : {
    bus_arn       = module.event_bus.cloudwatch_event_bus_arn
    source_prefix = var.fan_out.source_prefix
  }
  signature_urls             = local.signature_urls
  payload_bucket_name        = module.storage.s3_bucket_id
  payload_bucket_arn         = module.storage.s3_bucket_arn
  payload_bucket_kms_key_arn = module.storage.s3_bucket_kms_key_arn
  # Replays of an archived source's large messages arrive as claim checks too.
  claim_check_sources                    = distinct(concat(local.claim_check_sources, local.archived_sources))
  signing_secret_cache_ttl_seconds       = var.auth.secret_cache_ttl_seconds
  signing_secret_max_staleness_seconds   = var.auth.secret_max_staleness_seconds
  signing_secret_recovery_window_in_days = var.auth.secret_recovery_window_in_days
  batch_size                             = var.consumer.batch_size
  maximum_batching_window_in_seconds     = var.consumer.maximum_batching_window_in_seconds
  maximum_concurrency                    = var.consumer.maximum_concurrency
  event_source_mapping_enabled           = coalesce(var.consumer.enabled, var.consumer.event_source_mapping_enabled, true)
  package                                = var.packages.consumer
  # The consumer object whole: settings beyond the five named here reach modules/_function without a line here.
  function                  = var.consumer
  policy_statements         = var.consumer.policy_statements
  role_path                 = var.role_path
  role_permissions_boundary = var.role_permissions_boundary

  table_name                     = var.table.name
  create_table                   = var.table.create
  table_kms_key_arn              = var.table.kms_key_arn
  partition_key                  = var.table.partition_key
  deletion_protection_enabled    = var.table.deletion_protection_enabled
  point_in_time_recovery_enabled = var.table.point_in_time_recovery_enabled
  ttl_attribute                  = var.table.ttl_attribute
  ttl_days                       = var.table.ttl_days

  create_error_alarm                  = local.create_alarms
  delivery_lag_alarm_seconds          = local.create_alarms ? var.alarms.delivery_lag_alarm_seconds : null
  signature_rejection_alarm_threshold = local.create_alarms ? var.alarms.signature_rejection_alarm_threshold : null
  edge_function_name                  = length(local.edge_sources) > 0 ? module.front.lambda_function_name : null
  alarm_actions                       = var.alarms.alarm_actions
}

################################################################################
# Fan-out: the bus every stored event is published to
################################################################################

module "event_bus" {
  source = "./modules/_event_bus"

  create  = var.create && var.fan_out != null
  name    = var.name
  tags    = var.tags
  bus_arn = try(var.fan_out.bus_arn, null)
}

################################################################################
# HTTP API
################################################################################

module "api" {
  source = "./modules/api"

  create                = var.create
  name                  = var.name
  tags                  = var.tags
  kms_key_arn           = var.kms_key_arn
  log_retention_in_days = var.log_retention_in_days

  route_key = var.api.route_key
  routes = {
    for name, source in local.sources : name => {
      route_key                      = source.route_key
      authorizer_name                = source.authorizer_name
      authorizer_function_invoke_arn = try(module.auth[name].lambda_function_invoke_arn, null)
      identity_sources               = source.identity_sources
      # What a direct route writes (contract.json message_attributes.carried, whose
      # direct_route values trust.py allows too): static per route, so a sender cannot
      # choose its source; receivedAt (ms) survives a redrive, where SentTimestamp would
      # be the redrive's time. Only API Gateway's own context is interpolated: a route
      # that carries request headers is the edge function's (local.sources,
      # integration). The first releases' route set neither: its messages are the
      # legacy source's.
      message_attributes     = source.legacy_keys ? {} : { for key, facts in local.attributes.carried : local.attributes[key] => replace(facts.direct_route, "{source}", name) if can(facts.direct_route) }
      throttling_burst_limit = source.throttling_burst_limit
      throttling_rate_limit  = source.throttling_rate_limit
      integration            = source.integration
      handshake_route_key    = source.handshake_route_key
    }
  }
  front_function_invoke_arn        = length(local.edge_sources) > 0 ? module.front.lambda_function_invoke_arn : null
  authorizer_result_ttl_in_seconds = var.api.authorizer_result_ttl_in_seconds
  throttling_burst_limit           = var.api.throttling_burst_limit
  throttling_rate_limit            = var.api.throttling_rate_limit
  cors                             = var.api.cors
  domain                           = var.domain

  queue_url = module.queue.sqs_queue_url
  queue_arn = module.queue.sqs_queue_arn

  role_path                 = var.role_path
  role_permissions_boundary = var.role_permissions_boundary
}
