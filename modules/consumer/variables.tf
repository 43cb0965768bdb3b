################################################################################
# General
################################################################################

variable "create" {
  description = "Whether to create the consumer function, its event source mapping and (unless an existing table is given) the table."
  type        = bool
  default     = true
}

variable "name" {
  description = "Prefix for resource names: the function is <name>-consumer, the table <name>-events."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", var.name))
    error_message = "name must be 1-40 characters of letters, digits, '-' or '_', starting with a letter or digit."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Customer managed KMS key ARN used by the queues, the table, the log group and the function's environment. null uses AWS managed encryption."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias: IAM policies and CloudWatch Logs need the key ARN."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the consumer's log group."
  type        = number
  default     = 365
}

################################################################################
# Source queues
################################################################################

variable "queue_arn" {
  description = "ARN of the buffering queue the function consumes."
  type        = string

  validation {
    condition     = !var.create || can(regex("^arn:aws[a-z-]*:sqs:", var.queue_arn))
    error_message = "queue_arn must be an SQS queue ARN."
  }
}

variable "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue; the function sends poison messages there at once, with the reason."
  type        = string

  validation {
    condition     = !var.create || can(regex("^arn:aws[a-z-]*:sqs:", var.dead_letter_queue_arn))
    error_message = "dead_letter_queue_arn must be an SQS queue ARN."
  }
}

variable "dead_letter_queue_url" {
  description = "URL of the dead-letter queue (the function's DEAD_LETTER_QUEUE_URL)."
  type        = string

  validation {
    condition     = !var.create || can(regex("^https?://", var.dead_letter_queue_url))
    error_message = "dead_letter_queue_url must be an SQS queue URL."
  }
}

################################################################################
# Function and event source mapping
################################################################################

variable "architecture" {
  description = "Instruction set of the function: arm64 (about 20% cheaper per GB-second) or x86_64."
  type        = string
  default     = "arm64"
}

variable "memory_size" {
  description = "Memory of the consumer function in MB (CPU and network scale with it). null: 256, or 1024 when a source has delivery = claim-check (a body of up to 6 MB is held in memory several times over: bytes, text, parsed JSON, archive line). With a claim-check source, at least 512."
  type        = number
  default     = null

  validation {
    condition     = var.memory_size == null || var.sources == null || try(var.memory_size >= 512 || alltrue([for source in values(var.sources) : source.delivery != "claim-check"]), false)
    error_message = "memory_size must be at least 512 with a claim-check source: a body of up to 6 MB is held in memory several times over (bytes, text, parsed JSON, archive line), and an out-of-memory kill retries the whole batch. Leave it null for 1024."
  }
}

variable "timeout_seconds" {
  description = "Timeout of the consumer function. The queue's visibility timeout must be at least 6 times this plus the batching window."
  type        = number
  default     = 30
}

variable "sources" {
  description = "Several sources on one deployment: for each source name, where an item's id is (event_key: a JSON pointer into the body such as /id, or a lower-case header name, whose value API Gateway carries as the header.<name> message attribute), whether the body is stored raw (body = raw: the exact text in the attribute body) or as the JSON object's attributes, and how the sender signs (signature: scheme github, stripe, standard-webhooks, svix, slack, netlify, mailgun, adyen and microsoft-graph (signed in the body: Mailgun's signature object, Adyen's HMAC per item, Graph's clientState per notification), the public-key schemes discord, sendgrid, google-pubsub-push, paypal and plaid (their functions carry a layer with pyca/cryptography; the secret holds the sender's public key, for google-pubsub-push the push subscription's service account email, and url is the token's audience, for paypal the webhook ID, for plaid {\"client_id\", \"secret\", \"environment\"} to ask Plaid's API for its keys; PayPal's certificates and Plaid's keys are fetched from their API hosts), jira-connect (a Jira Connect app's JWT: the secret holds {\"<clientKey>\": \"<sharedSecret>\", ...}, one per installation; url the webhook URL the app gives Jira, default the source's own), a preset of contract.json (signatures.presets) or hmac; secret_arn, or null to create an empty secret; tolerance_seconds; url for a signature over {url}; for hmac: header, algorithm, encoding, prefix, signed_content with {id} {timestamp} {url} and {body} or {form}, timestamp_header, timestamp_format, id_header, pairs). archive: keep every message's exact bytes in the payload bucket's archive/ (needs payload_bucket_name). delivery: direct (API Gateway sends the body itself) or claim-check (the source's route is the front function, which queues pointers to claims/<source>/; list the source in claim_check_sources too): the consumer resolves a message as a claim check only for a claim-check source. event_key @signed-content (signed sources only): the SHA-256 of the content the signature covers. Items are keyed <source>#<id> and record _source and _receivedAt; legacy_keys = true (at most one source: the single source of the first releases) keys items by the body's own id, unprefixed, records nothing, and takes the messages that name no source. detail_type (with fan_out): each event's detail-type, a JSON pointer into the stored item or a lower-case header name (then carried like a key header). split: a JSON pointer to an array in the body (\"\" for a body that is one): each element is stored as its own item, keyed by event_key read inside the element (a pointer), or by the message's key and the element's index (a header, @signed-content); every element is judged before any is written, and a retried message writes the same keys again. null: that one legacy source, named default, keyed by the body's partition_key attribute."
  type = map(object({
    event_key   = string
    body        = optional(string, "json")
    archive     = optional(bool, false)
    delivery    = optional(string, "direct")
    legacy_keys = optional(bool, false)
    detail_type = optional(string)
    split       = optional(string)
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
    condition = var.sources == null || try(alltrue([for name, source in var.sources :
      can(regex("^[a-z][a-z0-9-]{0,19}$", name)) && contains(["json", "raw"], source.body) &&
      (can(regex("^${local.contract.event_key.header_name}$", source.event_key)) || can(regex("^(/([^~]|~[01])*)+$", source.event_key)) || source.event_key == local.contract.event_key.signed_content) &&
      (source.body == "json" || !startswith(source.event_key, "/"))
    ]) && length(var.sources) > 0, false)
    error_message = "sources: names of 1-20 lower-case letters, digits or '-'; event_key a JSON pointer (/id), a lower-case header name or @signed-content; body json or raw, and a raw body needs a header key."
  }

  validation {
    # (a conditional, not ||: regex refuses a null)
    condition     = var.sources == null || try(alltrue([for source in values(var.sources) : source.detail_type == null ? true : can(regex("^(/([^~]|~[01])*)+$", source.detail_type)) || can(regex("^${local.contract.event_key.header_name}$", source.detail_type))]), false)
    error_message = "sources: detail_type is a JSON pointer into the stored item (/type) or a lower-case header name (x-github-event)."
  }

  validation {
    # (a conditional, not ||: regex refuses a null)
    condition     = var.sources == null || try(alltrue([for source in values(var.sources) : source.split == null ? true : can(regex("^(/([^~]|~[01])*)*$", source.split)) && source.body == "json" && !source.legacy_keys]), false)
    error_message = "sources: split is a JSON pointer to the array whose elements become items (/notificationItems; \"\" for a body that is an array), on a json body, never on the legacy source."
  }

  validation {
    condition     = var.sources == null || try(length([for source in values(var.sources) : source if source.legacy_keys]) <= 1, false)
    error_message = "sources: at most one source has legacy_keys (the messages that name no source are its)."
  }

  validation {
    condition     = var.sources == null || try(alltrue([for source in values(var.sources) : contains(["direct", "claim-check"], source.delivery) && (source.event_key != local.contract.event_key.signed_content || source.signature != null)]), false)
    error_message = "sources: delivery is direct or claim-check, and event_key = @signed-content (the SHA-256 of what the signature covers) needs a signature."
  }

  validation {
    # Terraform evaluates both sides of ||: a null signature needs a conditional.
    condition = var.sources == null || try(alltrue([for source in values(var.sources) : source.signature == null ? true : (
      contains(local.signature_schemes, source.signature.scheme) &&
      source.signature.tolerance_seconds >= local.contract.signatures.tolerance_seconds.min && source.signature.tolerance_seconds <= local.contract.signatures.tolerance_seconds.max && floor(source.signature.tolerance_seconds) == source.signature.tolerance_seconds
    )]), false)
    error_message = "sources: signature.scheme is one of ${join(", ", local.signature_schemes)}, and tolerance_seconds a whole number of seconds from ${local.contract.signatures.tolerance_seconds.min} to ${local.contract.signatures.tolerance_seconds.max}."
  }

  validation {
    condition = var.sources == null || try(alltrue([for source in values(var.sources) : source.signature == null ? true : (
      (source.signature.secret_arn == null ? true : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", source.signature.secret_arn))) &&
      (source.signature.secret_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", source.signature.secret_kms_key_arn))) &&
      (source.signature.url == null ? true : can(regex("^https?://[^[:space:]]+$", source.signature.url)) && length(source.signature.url) <= 2048)
    )]), false)
    error_message = "sources: signature.secret_arn is a Secrets Manager secret ARN (or null to create the secret), secret_kms_key_arn a KMS key ARN, and url the https:// URL the sender was given."
  }

  validation {
    condition = var.sources == null || try(alltrue([for source in values(var.sources) : source.signature == null ? true : source.signature.scheme != "hmac" ? true : (
      can(regex("^${local.contract.event_key.header_name}$", source.signature.header)) &&
      contains(local.contract.signatures.algorithms, source.signature.algorithm) && contains(local.contract.signatures.encodings, source.signature.encoding) &&
      contains(local.contract.signatures.timestamp_formats, source.signature.timestamp_format) &&
      length(split("{body}", source.signature.signed_content)) + length(split("{form}", source.signature.signed_content)) == 3 &&
      (source.signature.url == null || strcontains(source.signature.signed_content, "{url}")) &&
      strcontains(source.signature.signed_content, "{timestamp}") == (source.signature.timestamp_header != null || try(source.signature.pairs.timestamp_key != "", false)) &&
      (source.signature.pairs == null || source.signature.timestamp_header == null) &&
      strcontains(source.signature.signed_content, "{id}") == (source.signature.id_header != null) &&
      alltrue([for header in compact([source.signature.timestamp_header, source.signature.id_header]) : can(regex("^${local.contract.event_key.header_name}$", header))])
    )]), false)
    error_message = "sources: an hmac signature needs header (a lower-case header name), algorithm one of ${join(", ", local.contract.signatures.algorithms)}, encoding one of ${join(", ", local.contract.signatures.encodings)}, timestamp_format one of ${join(", ", local.contract.signatures.timestamp_formats)}, signed_content holding {body} (or {form}) once, url only with {url} in it, {timestamp} exactly when timestamp_header (or, with pairs, pairs.timestamp_key; not both) is set and {id} exactly when id_header is set."
  }

  validation {
    condition = var.sources == null || try(alltrue([for source in values(var.sources) : source.signature == null ? true : source.signature.pairs == null ? true : (
      source.signature.pairs.separator != "" && source.signature.pairs.signature_key != "" &&
      source.signature.pairs.separator != source.signature.pairs.key_value
    )]), false)
    error_message = "sources: signature.pairs needs a separator, a different key_value separator (\"\": entries without keys, the first the timestamp) and a signature_key (timestamp_key \"\": the header holds no timestamp)."
  }

  validation {
    # That a URL is there when one is signed is the event source mapping's precondition:
    # the root passes it in signature_urls, known only once the API is (main.tf).
    condition = var.sources == null || try(alltrue([for source in values(var.sources) : source.signature == null ? true : source.signature.scheme == "hmac" ? true : (
      source.signature.url == null || strcontains(lookup(local.scheme_signed_contents, source.signature.scheme, ""), "{url}")
    )]), false)
    error_message = "sources: signature.url is the URL a sender signs, only for a scheme that signs one (square, hubspot, twilio, google-pubsub-push's audience; hmac with {url})."
  }

  validation {
    # A named sender's header settings are the contract's: one given beside it would be silently ignored.
    condition = var.sources == null || try(alltrue([for source in values(var.sources) : source.signature == null ? true : !contains(keys(local.signature_presets), source.signature.scheme) ? true : (
      source.signature.header == null && source.signature.timestamp_header == null && source.signature.id_header == null && source.signature.pairs == null
    )]), false)
    error_message = "sources: a named sender (signature.scheme = ${join(", ", keys(local.signature_presets))}) brings its own header, timestamp_header, id_header and pairs: leave them out, or use scheme = \"hmac\" to spell them."
  }
}

variable "fan_out" {
  description = "Publish every item the consumer stores once to an EventBridge bus after its write (bus_arn; the role may put events on it only), each event's source being source_prefix and the source's name. null: off."
  type = object({
    bus_arn       = string
    source_prefix = optional(string, "")
  })
  default = null

  validation {
    # null only when nothing is created (the root passes null with create = false).
    condition     = var.fan_out == null ? true : var.fan_out.bus_arn == null ? !var.create : can(regex(local.contract.fan_out.bus_arn, var.fan_out.bus_arn))
    error_message = "fan_out.bus_arn must be an EventBridge event bus ARN."
  }

  validation {
    condition     = var.fan_out == null || try(can(regex("^[A-Za-z0-9._/-]{0,128}$", var.fan_out.source_prefix)) && !startswith(var.fan_out.source_prefix, "aws."), false)
    error_message = "fan_out.source_prefix is at most 128 letters, digits, '.', '_', '/' or '-', and cannot start with 'aws.'."
  }
}

variable "signature_urls" {
  description = "By source name: the URL a signature over {url} covers when the source's signature.url is null (the root module passes each such source's route URL). A source's own signature.url wins."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "signing_secret_cache_ttl_seconds" {
  description = "How long the consumer reuses a signing secret it read (one GetSecretValue per source per container per TTL). A new secret verifies at most this long after it is put."
  type        = number
  default     = 300

  validation {
    condition     = var.signing_secret_cache_ttl_seconds >= 0 && var.signing_secret_cache_ttl_seconds <= 3600
    error_message = "signing_secret_cache_ttl_seconds must be between 0 and 3600."
  }
}

variable "signing_secret_max_staleness_seconds" {
  description = "How long past its TTL a cached signing secret still verifies while Secrets Manager fails transiently (throttling, 5xx, network); a deleted or unreadable secret stops verification at once and its messages wait in the queue."
  type        = number
  default     = 900

  validation {
    condition     = var.signing_secret_max_staleness_seconds >= 0 && var.signing_secret_max_staleness_seconds <= 86400
    error_message = "signing_secret_max_staleness_seconds must be between 0 and 86400."
  }
}

variable "signing_secret_recovery_window_in_days" {
  description = "Days a deleted signing secret the module created can still be restored (0 deletes at once, else 7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.signing_secret_recovery_window_in_days == 0 || (var.signing_secret_recovery_window_in_days >= 7 && var.signing_secret_recovery_window_in_days <= 30)
    error_message = "signing_secret_recovery_window_in_days must be 0 or between 7 and 30."
  }
}

variable "write_mode" {
  description = "last-write-wins (BatchWriteItem; a redelivery overwrites) or first-write-wins (conditional PutItem; the first payload per key is kept)."
  type        = string
  default     = "last-write-wins"

  validation {
    condition     = contains(["last-write-wins", "first-write-wins"], var.write_mode)
    error_message = "write_mode must be last-write-wins or first-write-wins."
  }
}

variable "ordering_attribute" {
  description = "Ordering guard (last-write-wins only): the body attribute holding a version, a number or a string that sorts (e.g. an ISO 8601 updatedAt). An item is only replaced by a greater version; an equal or older one is acknowledged as a duplicate; a message without a usable version is dead-lettered. Costs one conditional PutItem per key instead of one BatchWriteItem per 25. null turns it off."
  type        = string
  default     = null

  validation {
    condition     = var.ordering_attribute == null || (var.write_mode == "last-write-wins" && try(length(var.ordering_attribute) >= 1 && length(var.ordering_attribute) <= 255, false))
    error_message = "ordering_attribute needs write_mode last-write-wins (first-write-wins never replaces an item) and must be 1-255 characters."
  }
}

variable "batch_size" {
  description = "Most records per invocation (1-10000; above 10 needs a batching window)."
  type        = number
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000 && floor(var.batch_size) == var.batch_size
    error_message = "batch_size must be a whole number between 1 and 10000."
  }
}

variable "maximum_batching_window_in_seconds" {
  description = "How long the mapping gathers records before invoking (0-300). Required above 0 for batch_size > 10."
  type        = number
  default     = 0

  validation {
    condition     = var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300
    error_message = "maximum_batching_window_in_seconds must be between 0 and 300."
  }

  validation {
    condition     = var.batch_size <= 10 || var.maximum_batching_window_in_seconds > 0
    error_message = "batch_size above 10 requires maximum_batching_window_in_seconds > 0 (an SQS rule)."
  }
}

variable "maximum_concurrency" {
  description = "Most concurrent invocations the mapping starts (2-1000); protects the table and the account's concurrency. null leaves it unbounded."
  type        = number
  default     = 10

  validation {
    condition     = var.maximum_concurrency == null || try(var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000, false)
    error_message = "maximum_concurrency must be between 2 and 1000, or null."
  }
}

variable "event_source_mapping_enabled" {
  description = "Whether the event source mapping consumes the queue. Set false to pause processing (messages wait in the queue)."
  type        = bool
  default     = true
}

variable "package" {
  description = "The consumer's deployment package. null uses the reproducible zip committed in packages/. Give local_path, or s3_bucket and s3_key (with source_code_hash, from scripts/build.py --upload)."
  type = object({
    local_path        = optional(string)
    s3_bucket         = optional(string)
    s3_key            = optional(string)
    s3_object_version = optional(string)
    source_code_hash  = optional(string)
  })
  default = null
}

variable "function" {
  description = "Further settings of the function: tracing_mode (Active, the default, or PassThrough) and reserved_concurrent_executions (null, the default: unreserved; 0 stops the function). They join architecture, memory_size, timeout_seconds, package and log_retention_in_days in one settings object, validated for every function in modules/_function."
  type = object({
    tracing_mode                   = optional(string)
    reserved_concurrent_executions = optional(number)
  })
  default  = {}
  nullable = false
}

variable "create_error_alarm" {
  description = "Create a CloudWatch alarm on the function's Errors metric (a whole batch failed)."
  type        = bool
  default     = true
}

variable "delivery_lag_alarm_seconds" {
  description = "Alarm when the p99 delivery lag (API Gateway receipt to stored, the DeliveryLagMs metric) stays above this many seconds for 10 minutes. null: no alarm."
  type        = number
  default     = null

  validation {
    condition     = var.delivery_lag_alarm_seconds == null || try(var.delivery_lag_alarm_seconds > 0, false)
    error_message = "delivery_lag_alarm_seconds must be positive, or null."
  }
}

variable "signature_rejection_alarm_threshold" {
  description = "Alarm, per signed source, when more than this many of its messages fail signature verification in 5 minutes (the SignatureRejected metric). null: no alarms."
  type        = number
  default     = null

  validation {
    condition     = var.signature_rejection_alarm_threshold == null || try(var.signature_rejection_alarm_threshold >= 0 && floor(var.signature_rejection_alarm_threshold) == var.signature_rejection_alarm_threshold, false)
    error_message = "signature_rejection_alarm_threshold must be a whole number >= 0, or null."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when the alarms fire and when they recover."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.alarm_actions : can(regex("^arn:", arn))])
    error_message = "alarm_actions must be ARNs."
  }
}

################################################################################
# Table
################################################################################

variable "table_name" {
  description = "Bring your own table: name of an existing DynamoDB table whose partition key is partition_key (a string). null creates one."
  type        = string
  default     = null

  validation {
    condition     = var.table_name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3-255 characters of letters, digits, '_', '-' or '.'."
  }
}

variable "create_table" {
  description = "Whether to create the table. null: create one unless table_name is given. Set false explicitly when table_name is only known after apply (created in the same configuration): Terraform must know at plan time."
  type        = bool
  default     = null

  validation {
    condition     = var.create_table != true || var.table_name == null
    error_message = "create_table = true contradicts a given table_name: give one or the other."
  }
}

variable "table_kms_key_arn" {
  description = "Bring your own table: the customer managed KMS key that encrypts it, so the consumer may use it through DynamoDB only. null when the table uses an AWS owned or managed key. Not used when the module creates the table (that one is encrypted with kms_key_arn)."
  type        = string
  default     = null

  validation {
    condition     = var.table_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.table_kms_key_arn))
    error_message = "table_kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias: IAM policies and CloudWatch Logs need the key ARN."
  }

  validation {
    condition     = var.table_kms_key_arn == null || (var.table_name != null && var.create_table != true)
    error_message = "table_kms_key_arn is the key of a brought table (table_name); a table the module creates is encrypted with kms_key_arn."
  }
}

variable "partition_key" {
  description = "Name of the table's string partition key, read from each message body."
  type        = string
  default     = "eventId"

  validation {
    condition     = length(var.partition_key) >= 1 && length(var.partition_key) <= 255
    error_message = "partition_key must be 1-255 characters."
  }
}

variable "deletion_protection_enabled" {
  description = "Protect the created table from deletion (turn off only for throwaway stacks)."
  type        = bool
  default     = true
}

variable "point_in_time_recovery_enabled" {
  description = "Continuous backups of the created table (restore to any second of the last 35 days)."
  type        = bool
  default     = true
}

variable "ttl_attribute" {
  description = "Attribute holding an expiry epoch: the function stamps it and DynamoDB deletes expired items. null keeps items forever."
  type        = string
  default     = null
}

variable "ttl_days" {
  description = "Days an item lives when ttl_attribute is set."
  type        = number
  default     = null

  validation {
    condition     = (var.ttl_days == null) == (var.ttl_attribute == null) && try(var.ttl_days > 0, true)
    error_message = "ttl_days and ttl_attribute must be set together, and ttl_days must be positive."
  }
}

################################################################################
# IAM
################################################################################

variable "role_path" {
  description = "IAM path of the consumer's execution role (e.g. /platform/webhooks/)."
  type        = string
  default     = "/"
}

variable "role_permissions_boundary" {
  description = "ARN of the managed policy set as the consumer's execution role's permissions boundary; null for none."
  type        = string
  default     = null
}

variable "policy_statements" {
  description = "Extra statements for the consumer's execution role's inline policy, e.g. to reach a resource your fork of the function needs. Added after the module's own least-privilege statements; each needs actions and resources, effect defaults to Allow. A sid must be unique and differ from the module's own statement ids (checked against the role's whole policy at plan)."
  type = list(object({
    sid       = optional(string)
    effect    = optional(string, "Allow")
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []

  validation {
    condition = alltrue([for statement in var.policy_statements :
      contains(["Allow", "Deny"], statement.effect) && length(statement.actions) > 0 && length(statement.resources) > 0
      && (statement.sid == null || can(regex("^[A-Za-z0-9]+$", statement.sid)))
    ])
    error_message = "Each policy statement needs effect Allow or Deny, at least one action and one resource; a sid is letters and digits only."
  }

}

################################################################################
# Deprecated names (removed in the next major version)
################################################################################

variable "enabled" {
  description = "Deprecated: use event_source_mapping_enabled. When set, it wins."
  type        = bool
  default     = null
}

variable "error_alarm_enabled" {
  description = "Deprecated: use create_error_alarm. When set, it wins."
  type        = bool
  default     = null
}

################################################################################
# Payload bucket
################################################################################

variable "payload_bucket_name" {
  description = "Bucket (modules/storage) of claim-check bodies, the raw archive and the bodies of items over DynamoDB's 400 KB, which then become pointer items instead of poison; null for none."
  type        = string
  default     = null
}

variable "payload_bucket_arn" {
  description = "ARN of payload_bucket_name, for the function's S3 statements (each on its prefixes only)."
  type        = string
  default     = null
}

variable "payload_bucket_kms_key_arn" {
  description = "Customer managed KMS key ARN encrypting the payload bucket (the module's key when the module created it, the owner's for a brought one); null for SSE-S3. The function gets kms:Decrypt for claims/ and kms:GenerateDataKey for items/ and archive/, through S3 only."
  type        = string
  default     = null

  validation {
    condition     = var.payload_bucket_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.payload_bucket_kms_key_arn))
    error_message = "payload_bucket_kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias: IAM policies and CloudWatch Logs need the key ARN."
  }
}

variable "claim_check_sources" {
  description = "Names of the sources whose messages may be claim checks (delivery = claim-check, and archived sources, whose replays may be): the function may read claims/<source>/ of the payload bucket."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "edge_function_name" {
  description = "Name of the edge function that checks signatures before anything is queued (the root's front function), when there is one: each signature alarm then counts its rejections (401) with the consumer's."
  type        = string
  default     = null
}
