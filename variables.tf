################################################################################
# General
################################################################################

variable "create" {
  description = "Whether to create anything at all (false makes the module a no-op, e.g. per environment)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Prefix for every resource name. Must be unique per account and region so several instances can coexist."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Customer managed KMS key ARN for the queues, the table, the secret, the log groups and the functions' environment. null uses AWS managed encryption everywhere. The key policy must allow CloudWatch Logs (see examples/complete)."
  type        = string
  default     = null
}

variable "log_retention_in_days" {
  description = "Retention of every log group the module creates (functions and API access logs)."
  type        = number
  default     = 365
}

variable "role_path" {
  description = "IAM path of every role the module creates (one per authorizer, the consumer, the claim-check front function when there is one, API Gateway to SQS), e.g. /platform/webhooks/."
  type        = string
  default     = "/"
}

variable "role_permissions_boundary" {
  description = "ARN of a managed policy set as the permissions boundary of every role the module creates (authorizers, consumer, front function, API Gateway to SQS); null for none. The boundary must allow what each role's inline policy grants."
  type        = string
  default     = null
}

################################################################################
# API
################################################################################

variable "api" {
  description = "HTTP API settings: the route, authorizer result caching, stage throttling and optional CORS."
  type = object({
    route_key                        = optional(string, "POST /submit")
    authorizer_result_ttl_in_seconds = optional(number, 300)
    throttling_burst_limit           = optional(number, 200)
    throttling_rate_limit            = optional(number, 100)
    cors = optional(object({
      allow_origins     = list(string)
      allow_methods     = optional(list(string), ["POST"])
      allow_headers     = optional(list(string), ["authorization", "content-type"])
      max_age           = optional(number, 300)
      allow_credentials = optional(bool, false)
    }))
  })
  default  = {}
  nullable = false
}

################################################################################
# Credentials and authorizer
################################################################################

variable "auth" {
  description = "Credentials and authorizer settings. Leave secret_arn null to create a secret whose generated password never enters Terraform state; increase secret_version to rotate it. With a secret_arn that is only known after apply, also set create_secret = false; if that secret is encrypted with a customer managed key, give it as secret_kms_key_arn so the authorizer may decrypt it. secret_max_staleness_seconds bounds how long past its TTL a cached secret is still used while Secrets Manager fails transiently; a deleted or inaccessible secret denies at the next refresh. policy_statements adds statements to the authorizer's execution role (validated). The cache TTL, staleness and recovery window also apply to the signing secrets of signed sources, which the consumer reads. tracing_mode (Active, the default, or PassThrough) and reserved_concurrent_executions (null, the default: unreserved) set the authorizer function's X-Ray tracing and reserved concurrency."
  type = object({
    secret_arn                     = optional(string)
    secret_kms_key_arn             = optional(string)
    create_secret                  = optional(bool)
    username                       = optional(string, "webhook")
    password_length                = optional(number, 40)
    secret_version                 = optional(number, 1)
    secret_recovery_window_in_days = optional(number, 30)
    secret_cache_ttl_seconds       = optional(number, 300)
    secret_max_staleness_seconds   = optional(number, 900)
    architecture                   = optional(string, "arm64")
    memory_size                    = optional(number, 256)
    timeout_seconds                = optional(number, 5)
    tracing_mode                   = optional(string)
    reserved_concurrent_executions = optional(number)
    policy_statements = optional(list(object({
      sid       = optional(string)
      effect    = optional(string, "Allow")
      actions   = list(string)
      resources = list(string)
      conditions = optional(list(object({
        test     = string
        variable = string
        values   = list(string)
      })), [])
    })), [])
  })
  default  = {}
  nullable = false
}

################################################################################
# Queue
################################################################################

variable "queue" {
  description = "Buffering queue and dead-letter queue settings. visibility_timeout_seconds null means 6 x consumer timeout + batching window. max_message_size (bytes, attributes included; default 262144) is the largest body a direct route accepts: up to 262144 with the AWS provider 5.x, up to 1048576 with 6.x."
  type = object({
    visibility_timeout_seconds            = optional(number)
    message_retention_seconds             = optional(number, 345600)
    dead_letter_message_retention_seconds = optional(number, 1209600)
    max_receive_count                     = optional(number, 5)
    redrive_allow_policy_enabled          = optional(bool, true)
    max_message_size                      = optional(number, 262144)
  })
  default  = {}
  nullable = false
}

################################################################################
# Consumer
################################################################################

variable "consumer" {
  description = "Consumer function and event source mapping settings. Set event_source_mapping_enabled = false to pause consumption; messages wait in the queue (enabled is its deprecated name). policy_statements adds statements to the execution role (validated: effect, actions, resources, unique sids). ordering_attribute (last-write-wins only) names a body attribute holding a version (a number, or a string such as an ISO 8601 updatedAt): an item is then only replaced by a greater version, and an older one is acknowledged as a duplicate. memory_size (MB) null means 256 without claim-check sources and 1024 with one (a 6 MB body is held in memory several times over: bytes, text, parsed JSON, archive line); with a claim-check source a value below 512 is refused. tracing_mode (Active, the default, or PassThrough) and reserved_concurrent_executions (null, the default: unreserved) set the consumer function's X-Ray tracing and reserved concurrency."
  type = object({
    architecture                       = optional(string, "arm64")
    memory_size                        = optional(number)
    timeout_seconds                    = optional(number, 30)
    tracing_mode                       = optional(string)
    reserved_concurrent_executions     = optional(number)
    write_mode                         = optional(string, "last-write-wins")
    ordering_attribute                 = optional(string)
    batch_size                         = optional(number, 10)
    maximum_batching_window_in_seconds = optional(number, 0)
    maximum_concurrency                = optional(number, 10)
    event_source_mapping_enabled       = optional(bool)
    enabled                            = optional(bool) # deprecated: event_source_mapping_enabled
    policy_statements = optional(list(object({
      sid       = optional(string)
      effect    = optional(string, "Allow")
      actions   = list(string)
      resources = list(string)
      conditions = optional(list(object({
        test     = string
        variable = string
        values   = list(string)
      })), [])
    })), [])
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.consumer.enabled == null || var.consumer.event_source_mapping_enabled == null || var.consumer.enabled == var.consumer.event_source_mapping_enabled
    error_message = "consumer.enabled is the deprecated name of consumer.event_source_mapping_enabled: set only the new one."
  }
}

################################################################################
# Claim-check front function
################################################################################

variable "front" {
  description = "The edge function (created when a source needs it: a claim check, a signature checked at the edge, a handshake, a fixed response or headers to carry): memory_size in MB (default 512; at least 256, as a body of up to 6 MB is held in memory several times over while it is checked and written), timeout_seconds (1-29: API Gateway waits at most 30 s) and architecture (arm64 or x86_64). tracing_mode (Active, the default, or PassThrough) and reserved_concurrent_executions (null, the default: unreserved) set the front function's X-Ray tracing and reserved concurrency. provisioned_concurrent_executions (null, the default: none) keeps that many edge environments initialised, so no sender meets a cold start up to that concurrency (Sentry waits 1 s, Slack and Zoom 3 s): the function publishes a version on each change, the alias live follows it and the routes invoke the alias; billed for every second it is configured, used or not (Lambda's provisioned concurrency price per GB-second)."
  type = object({
    memory_size                    = optional(number, 512)
    timeout_seconds                = optional(number, 15)
    architecture                   = optional(string, "arm64")
    tracing_mode                   = optional(string)
    reserved_concurrent_executions = optional(number)
    # Off by default: it is billed by the hour whether used or not.
    provisioned_concurrent_executions = optional(number)
  })
  default  = {}
  nullable = false
}

################################################################################
# Table
################################################################################

variable "table" {
  description = "Events table. Give name to bring your own table (its string partition key must be partition_key; with a name only known after apply, also set create = false; if it is encrypted with a customer managed key, give that key as kms_key_arn so the consumer may use it); otherwise <name>-events is created with PITR, deletion protection and SSE."
  type = object({
    name                           = optional(string)
    create                         = optional(bool)
    kms_key_arn                    = optional(string)
    partition_key                  = optional(string, "eventId")
    deletion_protection_enabled    = optional(bool, true)
    point_in_time_recovery_enabled = optional(bool, true)
    ttl_attribute                  = optional(string)
    ttl_days                       = optional(number)
  })
  default  = {}
  nullable = false
}

################################################################################
# Alarms
################################################################################

variable "alarms" {
  description = "CloudWatch alarms: DLQ not empty, oldest message age on the main queue, consumer errors. create = false creates none (enabled is its deprecated name); alarm_actions are notified on alarm and on recovery. Optional, off unless set: delivery_lag_alarm_seconds (p99 receipt-to-stored lag over 10 minutes), signature_rejection_alarm_threshold (per signed source, rejections per 5 minutes), authorizer_denial_alarm_threshold (per source with an authorizer, denials per 5 minutes)."
  type = object({
    create                              = optional(bool)
    enabled                             = optional(bool) # deprecated: create
    alarm_actions                       = optional(list(string), [])
    oldest_message_age_alarm_seconds    = optional(number, 600)
    delivery_lag_alarm_seconds          = optional(number)
    signature_rejection_alarm_threshold = optional(number)
    authorizer_denial_alarm_threshold   = optional(number)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.alarms.enabled == null || var.alarms.create == null || var.alarms.enabled == var.alarms.create
    error_message = "alarms.enabled is the deprecated name of alarms.create: set only the new one."
  }
}

################################################################################
# Sources
################################################################################

variable "sources" {
  description = "Several senders on one deployment, by source name (1-20 lower-case letters, digits or '-'); each gets its own route (route_key, default POST /hooks/<name>), and its items are keyed <name>#<id>. auth: basic (HTTP Basic; credentials generated with username unless secret_arn is given), token (?token=... in the URL, or in the request header token_header such as x-gitlab-token, which keeps it out of URLs and logs; the secret holds {\"token\"}) or none (only with a signature: the route is open and every message is verified by the consumer before it is stored). signature: how the sender signs (scheme github, stripe, standard-webhooks, svix, slack, netlify, mailgun, adyen and microsoft-graph (signed in the body: Mailgun's signature object, Adyen's HMAC per item, Graph's clientState per notification), the public-key schemes discord, sendgrid, google-pubsub-push, paypal and plaid (their functions carry a layer with pyca/cryptography; the secret holds the sender's public key, for google-pubsub-push the push subscription's service account email, and url is the token's audience, for paypal the webhook ID, for plaid {\"client_id\", \"secret\", \"environment\"} to ask Plaid's API for its keys; PayPal's certificates and Plaid's keys are fetched from their API hosts), jira-connect (a Jira Connect app's JWT: the secret holds {\"<clientKey>\": \"<sharedSecret>\", ...}, one per installation; url the webhook URL the app gives Jira, default the source's own), a sender by name (shopify, zoom, twilio, ...: contract.json signatures.presets, README Senders by name), or hmac with header, algorithm, encoding, prefix, signed_content ({body} or {form}, with {id}, {timestamp}, {url}), timestamp_header, timestamp_format (unix, unix-ms, rfc3339), id_header and pairs (a header of several key=value entries)), url (the URL the sender signs, for {url}, or Google's audience: default the source's own), with secret_arn (null creates an empty secret to put the sender's signing secret into) and tolerance_seconds (default 300). event_key: a JSON pointer into the body (default /eventId; /id for Stripe), a lower-case request header name (x-github-delivery, webhook-id), or @signed-content (signed sources only: the SHA-256 of the content the signature covers, for senders whose id header is not signed). body: json, or raw (the exact body in the attribute body; needs a header event_key). throttling_burst_limit / throttling_rate_limit: this route's own limits. delivery: direct (the body itself is queued; bodies up to queue.max_message_size; at most 3 carried headers) or claim-check (the body is kept in S3 and a pointer queued; bodies up to about 6 MB); null (the default): direct, unless the source carries more headers than a direct message has room for (paypal's four), then claim-check. A route goes to API Gateway's SQS integration unless it needs the edge function: a claim check, a signature checked at the edge, a handshake, a fixed response, or request headers to carry (a key header, signature headers: no sender-controlled value is ever written into a message attribute by API Gateway). verify_at_edge: the edge function checks the signature and answers 401 with the reason, keeping nothing; null (the default) means true for an open (auth = none) signed source and false otherwise; the consumer checks every message again. handshake: { preset = slack, zoom, meta, x, microsoft-graph, dropbox, okta, twitch, asana, notion or discord, secret_arn (meta only: its verify token; null creates an empty secret) }: the edge function answers the sender's endpoint verification (a GET preset gets the route GET <path> too) and queues nothing for it. response: { status (200-299), content_type, body (at most 1024 characters) }: what an accepted request is answered instead of the default, once its message is durable (Twilio's empty TwiML, Salesforce's acknowledgement, Adyen's [accepted]). archive: keep every message's exact bytes in the payload bucket (scripts/replay.py). detail_type (with fan_out): the EventBridge detail-type of the source's events, a JSON pointer into the stored item (/type) or a lower-case request header name (x-github-event, then carried with each message); default: webhook. split: a JSON pointer to an array in the body (\"\" when the body is one: SendGrid; /notificationItems: Adyen; /value: Microsoft Graph; /data/events: Okta): each element is stored as its own item, keyed by event_key read inside the element, or by the message's key and the element's index; all or none of a message's elements are judged storable, and a retried message writes the same keys again. null keeps the single Basic source on api.route_key of earlier releases (keys unprefixed). See README, Sources and Connecting senders."
  type = map(object({
    route_key              = optional(string)
    auth                   = optional(string, "basic")
    secret_arn             = optional(string)
    username               = optional(string, "webhook")
    token_header           = optional(string)
    event_key              = optional(string, "/eventId")
    body                   = optional(string, "json")
    throttling_burst_limit = optional(number)
    throttling_rate_limit  = optional(number)
    delivery               = optional(string)
    verify_at_edge         = optional(bool)
    archive                = optional(bool, false)
    detail_type            = optional(string)
    split                  = optional(string)
    handshake = optional(object({
      preset     = string
      secret_arn = optional(string)
    }))
    response = optional(object({
      status       = optional(number, 200)
      content_type = optional(string, "text/plain")
      body         = optional(string, "")
    }))
    signature = optional(object({
      scheme             = string
      secret_arn         = optional(string)
      secret_kms_key_arn = optional(string)
      tolerance_seconds  = optional(number, 300)
      header             = optional(string)
      algorithm          = optional(string, "sha256")
      encoding           = optional(string, "hex")
      prefix             = optional(string, "")
      signed_content     = optional(string, "{body}")
      timestamp_header   = optional(string)
      id_header          = optional(string)
      timestamp_format   = optional(string, "unix")
      url                = optional(string)
      pairs = optional(object({
        separator     = optional(string, ",")
        key_value     = optional(string, "=")
        timestamp_key = optional(string, "t")
        signature_key = optional(string, "v1")
      }))
    }))
  }))
  default = null

  validation {
    condition     = var.sources == null || try(length(var.sources) > 0 && alltrue([for name in keys(var.sources) : can(regex("^[a-z][a-z0-9-]{0,19}$", name)) && length(var.name) + length(name) <= 58]), false)
    error_message = "sources: at least one source; names are 1-20 lower-case letters, digits or '-', starting with a letter, and name + source name at most 58 characters (the authorizer is <name>-<source>-auth, 64 at most)."
  }

  validation {
    condition     = var.sources == null || try(alltrue([for source in values(var.sources) : contains(local.auth_modes, source.auth) && (source.auth != "none" || source.signature != null)]), false)
    error_message = "sources: auth must be basic, token, or none together with a signature (an open route whose messages nobody verifies would store anything anyone sends)."
  }

  validation {
    condition = var.sources == null || try(alltrue([for source in values(var.sources) :
      can(regex("^(/([^~]|~[01])*)+$", source.event_key)) || can(regex("^${local.contract.event_key.header_name}$", source.event_key)) || source.event_key == local.contract.event_key.signed_content
    ]), false)
    error_message = "sources: event_key is a JSON pointer (/eventId, /data/id; ~0 and ~1 escape '~' and '/'), a lower-case header name (x-github-delivery) or @signed-content."
  }

  validation {
    condition     = var.sources == null || try(alltrue([for source in values(var.sources) : source.event_key != local.contract.event_key.signed_content || source.signature != null]), false)
    error_message = "sources: event_key = @signed-content keys events by the SHA-256 of what the signature covers, so it needs a signature."
  }

  validation {
    condition     = var.sources == null || try(alltrue([for source in values(var.sources) : contains(["json", "raw"], source.body) && (source.body == "json" || !startswith(source.event_key, "/"))]), false)
    error_message = "sources: body is json or raw, and a raw body takes its key from a header (event_key = a header name)."
  }

  validation {
    condition = var.sources == null || try(
      length(distinct([for name, source in var.sources : coalesce(source.route_key, "POST /hooks/${name}")])) == length(var.sources) &&
      alltrue([for name, source in var.sources : can(regex("^(POST|PUT|PATCH) /[A-Za-z0-9._~{}/-]*$", coalesce(source.route_key, "POST /hooks/${name}")))]),
    false)
    error_message = "sources: each route_key is POST, PUT or PATCH and a path starting with '/', and no two sources share one."
  }

  validation {
    condition     = var.sources == null || try(alltrue([for source in values(var.sources) : source.delivery == null ? true : contains(["direct", "claim-check"], source.delivery)]), false)
    error_message = "sources: delivery is direct (API Gateway to SQS) or claim-check (the body to S3, a pointer to SQS)."
  }

  validation {
    # What a signature covers decides two more things: a signed URL cannot hold the source's
    # token (it would be in the configuration and the functions' settings), and Twilio's
    # signed form parameters ({form}) are only in a body stored as it came.
    condition = var.sources == null || try(alltrue([for source in values(var.sources) : source.signature == null ? true : (
      (!strcontains(source.signature.scheme == "hmac" ? source.signature.signed_content : lookup(local.scheme_signed_contents, source.signature.scheme, ""), "{url}") || source.auth != "token" || source.token_header != null) &&
      (!strcontains(source.signature.scheme == "hmac" ? source.signature.signed_content : lookup(local.scheme_signed_contents, source.signature.scheme, ""), "{form}") || source.body == "raw")
    )]), false)
    error_message = "sources: a signature over the URL (square, hubspot, twilio, hmac with {url}) cannot take the source's token in its URL (use auth = none, the signature is the check, or token_header), and one over a form ({form}: twilio) needs body = raw."
  }

  validation {
    # Google's push token is the Authorization header: an authorizer in front would read it as Basic or a token.
    condition = var.sources == null || try(alltrue([for source in values(var.sources) : source.signature == null ? true : (
      source.auth == "none" || !contains(lookup(local.signature_headers, source.signature.scheme, []), "authorization")
    )]), false)
    error_message = "sources: a signature carried in the Authorization header (google-pubsub-push) needs auth = none: the token is the check."
  }

  validation {
    # A token header is a credential: never a key, never carried into a message.
    condition = var.sources == null || try(alltrue([for source in values(var.sources) : source.token_header == null ? true : (
      source.auth == "token" && can(regex("^${local.contract.event_key.header_name}$", source.token_header)) && source.event_key != source.token_header &&
      !contains(source.signature == null ? [] : lookup(local.signature_headers, source.signature.scheme, [source.signature.header, source.signature.timestamp_header, source.signature.id_header]), source.token_header)
    )]), false)
    error_message = "sources: token_header (a lower-case header name such as x-gitlab-token) takes the token from that header, only with auth = token; it cannot be the event_key or a signature header (a credential is never stored)."
  }

  validation {
    condition     = var.sources == null || try(alltrue([for source in values(var.sources) : source.verify_at_edge != true || source.signature != null]), false)
    error_message = "sources: verify_at_edge needs a signature to check."
  }

  validation {
    # Terraform evaluates both sides of ||: a null handshake needs a conditional.
    condition = var.sources == null || try(alltrue([for source in values(var.sources) : source.handshake == null ? true : (
      contains(keys(local.handshakes), source.handshake.preset) &&
      (!contains(["signing", "learned"], coalesce(local.handshakes[source.handshake.preset].secret, "none")) || source.signature != null) &&
      # A signed handshake is answered only once its signature verifies, and Asana's stores the signing secret: the edge checks them.
      (!(local.handshakes[source.handshake.preset].signed || local.handshakes[source.handshake.preset].secret == "learned") || (source.signature != null && source.verify_at_edge != false)) &&
      (local.handshakes[source.handshake.preset].secret == "own" || source.handshake.secret_arn == null) &&
      # A handshake that brings no Authorization or custom header (all but Okta's) would get 401 from a basic or token-header authorizer.
      (local.handshakes[source.handshake.preset].sends_authorization || (source.auth != "basic" && source.token_header == null)) &&
      (source.handshake.secret_arn == null ? true : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", source.handshake.secret_arn)))
    )]), false)
    error_message = "sources: handshake.preset is one of ${join(", ", sort(keys(local.handshakes)))}; zoom and x answer with the source's signing secret and asana and notion set it, so they need a signature, and slack, zoom, twitch, asana and notion need it checked at the edge (verify_at_edge not false); only meta takes a secret_arn of its own (its verify token; null creates an empty secret to put it in); every sender but Okta sends no Authorization or custom header with its handshake, so its source cannot be basic or take its token from a header (use none with the signature, or a token in the URL)."
  }

  validation {
    condition = var.sources == null || try(alltrue([for source in values(var.sources) : source.response == null ? true : (
      source.response.status >= 200 && source.response.status <= 299 && floor(source.response.status) == source.response.status &&
      can(regex("^[a-z]+/[A-Za-z0-9.+-]+( *; *[A-Za-z0-9-]+=[A-Za-z0-9.-]+)?$", source.response.content_type)) && length(source.response.body) <= 1024
    )]), false)
    error_message = "sources: response.status is a whole number from 200 to 299 (the request was accepted), content_type a media type such as text/xml or application/json; charset=utf-8, and body at most 1024 characters (it travels in the edge function's environment)."
  }

  validation {
    condition     = var.sources == null || try(alltrue([for source in values(var.sources) : source.secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", source.secret_arn))]), false)
    error_message = "sources: secret_arn must be a Secrets Manager secret ARN, or null to create the source's secret."
  }

  validation {
    # A direct message carries at most 10 attributes: principal, requestId,
    # receivedAt, source and the headers; on a dead letter, the consumer's own
    # take 4 more. A claim check's headers travel in its pointer, so a source
    # left to choose (delivery null) becomes one when its headers do not fit.
    # The same derivation as main.tf's carried_headers: a validation cannot read
    # local.sources, which is derived from this variable (Terraform: a cycle).
    condition = var.sources == null || try(alltrue([for source in values(var.sources) : source.delivery != "direct" || length(distinct(compact(concat(
      # Only a header name is carried: a pointer starts with '/', @signed-content with '@'.
      can(regex("^[a-z0-9]", source.event_key)) ? [source.event_key] : [],
      var.fan_out != null && can(regex("^[a-z0-9]", source.detail_type)) ? [source.detail_type] : [],
      source.signature == null ? [] : lookup(local.signature_headers, source.signature.scheme, [source.signature.header, source.signature.timestamp_header, source.signature.id_header]),
    )))) <= local.attributes.max_carried_headers]), false)
    error_message = "sources: a source with delivery = direct carries at most ${local.attributes.max_carried_headers} headers (its signature headers, its event_key header and, with fan_out, its detail_type header): key a Standard Webhooks or Svix source by its id header (webhook-id, svix-id), an hmac source with id_header by that header, take detail_type from the body, or leave delivery unset (a claim check then carries them)."
  }

  validation {
    # A carried header is kept with the message: never a credential.
    # (a conditional, not ||: Terraform evaluates both sides, and regex refuses a null)
    condition = var.sources == null || try(alltrue([for source in values(var.sources) : source.detail_type == null ? true : (
      can(regex("^(/([^~]|~[01])*)+$", source.detail_type)) || (
        can(regex("^${local.contract.event_key.header_name}$", source.detail_type)) && !contains(concat(
          ["authorization", "proxy-authorization", "cookie", "x-api-key"], compact([source.token_header]),
          source.signature == null ? [] : lookup(local.signature_headers, source.signature.scheme, compact([source.signature.header, source.signature.timestamp_header, source.signature.id_header])),
        ), source.detail_type)
      )
    )]), false)
    error_message = "sources: detail_type is a JSON pointer into the stored item (/type) or a lower-case header name (x-github-event), never a credential's or the signature's header (authorization, proxy-authorization, cookie, x-api-key, the source's token_header, its signature headers)."
  }
}

################################################################################
# Payload bucket
################################################################################

variable "payloads" {
  description = "The payload bucket, used when a source has delivery = claim-check or archive = true, or when bucket_name is given: claim-check bodies (claims/), the raw archive (archive/) and the bodies of items over DynamoDB's 400 KB (items/; the item then holds _payload = {uri, size, sha256, contentType}). bucket_name brings an existing bucket (its owner configures it); otherwise one is created with encryption (kms_key_arn when given), public access blocked, a TLS-only policy and lifecycle: claims expire after claim_expiration_days (must outlive the queue and DLQ retention), the archive after archive_expiration_days, item bodies after item_body_expiration_days (null: never). versioning_enabled and force_destroy apply to the created bucket. kms_key_arn (with bucket_name only): the customer managed KMS key a brought bucket is encrypted with (SSE-KMS); the front function and the consumer then get kms:GenerateDataKey (writers) and kms:Decrypt (readers) on it, through S3 only and for their own prefixes; a created bucket uses the module's kms_key_arn."
  type = object({
    bucket_name               = optional(string)
    kms_key_arn               = optional(string)
    force_destroy             = optional(bool, false)
    versioning_enabled        = optional(bool, false)
    claim_expiration_days     = optional(number, 30)
    archive_expiration_days   = optional(number, 365)
    item_body_expiration_days = optional(number)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.payloads.claim_expiration_days * 86400 > var.queue.message_retention_seconds + var.queue.dead_letter_message_retention_seconds
    error_message = "payloads.claim_expiration_days must exceed the queue's and the DLQ's retention together, or a redriven claim check finds its body expired."
  }
}

################################################################################
# Dashboard
################################################################################

variable "create_dashboard" {
  description = "Create a CloudWatch dashboard <name>-webhooks: API requests, errors and latency, authorizer denials, queue depth and age, delivery lag, stored/duplicates/dead letters by reason and source, DLQ depth, consumer errors, throttles and duration."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Packages
################################################################################

variable "packages" {
  description = "Prebuilt Lambda packages. Omit to use the reproducible zips committed in packages/ (no build step). Each entry takes local_path, or s3_bucket + s3_key (+ source_code_hash from scripts/build.py --upload)."
  type = object({
    authorizer = optional(object({
      local_path        = optional(string)
      s3_bucket         = optional(string)
      s3_key            = optional(string)
      s3_object_version = optional(string)
      source_code_hash  = optional(string)
    }))
    consumer = optional(object({
      local_path        = optional(string)
      s3_bucket         = optional(string)
      s3_key            = optional(string)
      s3_object_version = optional(string)
      source_code_hash  = optional(string)
    }))
    front = optional(object({
      local_path        = optional(string)
      s3_bucket         = optional(string)
      s3_key            = optional(string)
      s3_object_version = optional(string)
      source_code_hash  = optional(string)
    }))
  })
  default  = {}
  nullable = false
}

variable "fan_out" {
  description = "Publish every event the consumer stores (not a duplicate, not poison, never a handshake) once to an EventBridge bus, right after its write; at least once: a failed publish returns the message to the queue, and its redelivery is published. null (the default): off. bus_arn: an existing bus, which must let the consumer's role put events (its policy, when in another account); null creates one named after `name`. source_prefix: each event's source is this prefix and the webhook source's name (webhook.github). Each event's detail is the stored item (a reference to it when over EventBridge's 256 KB), its detail-type the source's detail_type, its time when API Gateway received the request. See README, Fan-out."
  type = object({
    bus_arn       = optional(string)
    source_prefix = optional(string, "webhook.")
  })
  default = null
}

variable "domain" {
  description = "A custom domain for the API, so senders are given a stable URL on your own domain: { name (hooks.example.com), certificate_arn (ACM, in the API's region), base_path (optional mapping key: https://<name>/<base_path>/<route path>), route53_zone_id (optional: creates the alias A record), disable_execute_api_endpoint (default: true with mutual_tls, else false; false beside mutual_tls lets clients skip the certificate through the execute-api address), security_policy (TLS_1_2), mutual_tls = { truststore_uri = s3://bucket/key.pem, truststore_version } (clients must present a certificate issued by a CA of that bundle) }. Every URL output (apigatewayv2_route_url, source_urls) and every signature over {url} then use the domain. Changing it replaces the domain's resources, never the API. null: the execute-api address only. README, Custom domain and mutual TLS."
  type = object({
    name                         = string
    certificate_arn              = string
    base_path                    = optional(string)
    route53_zone_id              = optional(string)
    disable_execute_api_endpoint = optional(bool)
    security_policy              = optional(string, "TLS_1_2")
    mutual_tls = optional(object({
      truststore_uri     = string
      truststore_version = optional(string)
    }))
  })
  default = null
}
