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

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", var.name))
    error_message = "name must be 1-40 characters of letters, digits, '-' or '_', starting with a letter or digit (derived names such as <name>-authorizer must fit AWS's 64-character limits)."
  }
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

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "log_retention_in_days" {
  description = "Retention of every log group the module creates (functions and API access logs)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
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

  validation {
    condition     = can(regex("^(POST|PUT|PATCH) /[A-Za-z0-9._~{}/-]*$", var.api.route_key))
    error_message = "api.route_key must be POST, PUT or PATCH followed by a path starting with '/', e.g. \"POST /submit\"."
  }

  validation {
    condition     = var.api.authorizer_result_ttl_in_seconds >= 0 && var.api.authorizer_result_ttl_in_seconds <= 3600
    error_message = "api.authorizer_result_ttl_in_seconds must be between 0 and 3600 (0 disables caching)."
  }

  validation {
    condition     = var.api.throttling_burst_limit >= 1 && floor(var.api.throttling_burst_limit) == var.api.throttling_burst_limit && var.api.throttling_rate_limit > 0
    error_message = "api.throttling_burst_limit must be a whole number >= 1 and api.throttling_rate_limit must be positive."
  }

  validation {
    condition     = var.api.cors == null || try(length(var.api.cors.allow_origins) > 0 && var.api.cors.max_age >= 0 && var.api.cors.max_age <= 86400, false)
    error_message = "api.cors.allow_origins must not be empty and api.cors.max_age must be between 0 and 86400."
  }
}

################################################################################
# Credentials and authorizer
################################################################################

variable "auth" {
  description = "Credentials and authorizer settings. Leave secret_arn null to create a secret whose generated password never enters Terraform state; increase secret_version to rotate it. With a secret_arn that is only known after apply, also set create_secret = false; if that secret is encrypted with a customer managed key, give it as secret_kms_key_arn so the authorizer may decrypt it. secret_max_staleness_seconds bounds how long past its TTL a cached secret is still used while Secrets Manager fails transiently; a deleted or inaccessible secret denies at the next refresh."
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
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.auth.secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.auth.secret_arn))
    error_message = "auth.secret_arn must be a Secrets Manager secret ARN, or null to create a secret."
  }

  validation {
    condition     = var.auth.create_secret != true || var.auth.secret_arn == null
    error_message = "auth.create_secret = true contradicts a given auth.secret_arn: give one or the other."
  }

  validation {
    condition     = var.auth.secret_kms_key_arn == null || (var.auth.secret_arn != null && var.auth.create_secret != true)
    error_message = "auth.secret_kms_key_arn is the key of a brought secret (auth.secret_arn); a secret the module creates is encrypted with kms_key_arn."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9._@+-]{1,128}$", var.auth.username))
    error_message = "auth.username must be 1-128 characters of letters, digits, '.', '_', '@', '+' or '-': API Gateway writes it into every message's attributes as JSON, where a quote or backslash would break them."
  }

  validation {
    condition     = var.auth.password_length >= 20 && var.auth.password_length <= 4096
    error_message = "auth.password_length must be between 20 and 4096."
  }

  validation {
    condition     = var.auth.secret_version >= 1 && floor(var.auth.secret_version) == var.auth.secret_version
    error_message = "auth.secret_version must be a whole number >= 1."
  }

  validation {
    condition     = var.auth.secret_recovery_window_in_days == 0 || (var.auth.secret_recovery_window_in_days >= 7 && var.auth.secret_recovery_window_in_days <= 30)
    error_message = "auth.secret_recovery_window_in_days must be 0 or between 7 and 30."
  }

  validation {
    condition     = var.auth.secret_cache_ttl_seconds >= 0 && var.auth.secret_cache_ttl_seconds <= 86400
    error_message = "auth.secret_cache_ttl_seconds must be between 0 and 86400."
  }

  validation {
    condition     = var.auth.secret_max_staleness_seconds >= 0 && var.auth.secret_max_staleness_seconds <= 86400
    error_message = "auth.secret_max_staleness_seconds must be between 0 and 86400."
  }

  validation {
    condition     = contains(["arm64", "x86_64"], var.auth.architecture) && var.auth.memory_size >= 128 && var.auth.memory_size <= 10240
    error_message = "auth.architecture must be arm64 or x86_64 and auth.memory_size between 128 and 10240."
  }

  validation {
    condition     = var.auth.timeout_seconds >= 1 && var.auth.timeout_seconds <= 10
    error_message = "auth.timeout_seconds must be between 1 and 10 (API Gateway waits at most 10 s for an authorizer)."
  }
}

################################################################################
# Queue
################################################################################

variable "queue" {
  description = "Buffering queue and dead-letter queue settings. visibility_timeout_seconds null means 6 x consumer timeout + batching window."
  type = object({
    visibility_timeout_seconds            = optional(number)
    message_retention_seconds             = optional(number, 345600)
    dead_letter_message_retention_seconds = optional(number, 1209600)
    max_receive_count                     = optional(number, 5)
    redrive_allow_policy_enabled          = optional(bool, true)
  })
  default  = {}
  nullable = false

  validation {
    condition = var.queue.visibility_timeout_seconds == null || try(
      var.queue.visibility_timeout_seconds <= 43200 &&
      var.queue.visibility_timeout_seconds >= 6 * var.consumer.timeout_seconds + var.consumer.maximum_batching_window_in_seconds,
    false)
    error_message = "queue.visibility_timeout_seconds must be at most 43200 and at least 6 x consumer.timeout_seconds + consumer.maximum_batching_window_in_seconds, or a batch still being processed is delivered twice."
  }

  validation {
    condition     = var.queue.message_retention_seconds >= 60 && var.queue.message_retention_seconds <= 1209600
    error_message = "queue.message_retention_seconds must be between 60 and 1209600 (14 days)."
  }

  validation {
    condition = (
      var.queue.dead_letter_message_retention_seconds >= var.queue.message_retention_seconds &&
      var.queue.dead_letter_message_retention_seconds <= 1209600
    )
    error_message = "queue.dead_letter_message_retention_seconds must be at most 1209600 and at least queue.message_retention_seconds: a message keeps its age in the DLQ, so a shorter DLQ retention deletes it on arrival."
  }

  validation {
    condition     = var.queue.max_receive_count >= 1 && var.queue.max_receive_count <= 1000 && floor(var.queue.max_receive_count) == var.queue.max_receive_count
    error_message = "queue.max_receive_count must be a whole number between 1 and 1000 (AWS recommends at least 5)."
  }
}

################################################################################
# Consumer
################################################################################

variable "consumer" {
  description = "Consumer function and event source mapping settings. Set enabled = false to pause consumption; messages wait in the queue. ordering_attribute (last-write-wins only) names a body attribute holding a version (a number, or a string such as an ISO 8601 updatedAt): an item is then only replaced by a greater version, and an older one is acknowledged as a duplicate."
  type = object({
    architecture                       = optional(string, "arm64")
    memory_size                        = optional(number, 256)
    timeout_seconds                    = optional(number, 30)
    write_mode                         = optional(string, "last-write-wins")
    ordering_attribute                 = optional(string)
    batch_size                         = optional(number, 10)
    maximum_batching_window_in_seconds = optional(number, 0)
    maximum_concurrency                = optional(number, 10)
    enabled                            = optional(bool, true)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.consumer.architecture) && var.consumer.memory_size >= 128 && var.consumer.memory_size <= 10240
    error_message = "consumer.architecture must be arm64 or x86_64 and consumer.memory_size between 128 and 10240."
  }

  validation {
    condition     = var.consumer.timeout_seconds >= 1 && var.consumer.timeout_seconds <= 900
    error_message = "consumer.timeout_seconds must be between 1 and 900."
  }

  validation {
    condition     = contains(["last-write-wins", "first-write-wins"], var.consumer.write_mode)
    error_message = "consumer.write_mode must be last-write-wins or first-write-wins."
  }

  validation {
    condition     = var.consumer.ordering_attribute == null || (var.consumer.write_mode == "last-write-wins" && try(length(var.consumer.ordering_attribute) >= 1 && length(var.consumer.ordering_attribute) <= 255, false))
    error_message = "consumer.ordering_attribute needs write_mode last-write-wins (first-write-wins never replaces an item) and must be 1-255 characters."
  }

  validation {
    condition     = var.consumer.batch_size >= 1 && var.consumer.batch_size <= 10000 && floor(var.consumer.batch_size) == var.consumer.batch_size
    error_message = "consumer.batch_size must be a whole number between 1 and 10000."
  }

  validation {
    condition     = var.consumer.maximum_batching_window_in_seconds >= 0 && var.consumer.maximum_batching_window_in_seconds <= 300
    error_message = "consumer.maximum_batching_window_in_seconds must be between 0 and 300."
  }

  validation {
    condition     = var.consumer.batch_size <= 10 || var.consumer.maximum_batching_window_in_seconds > 0
    error_message = "consumer.batch_size above 10 requires consumer.maximum_batching_window_in_seconds > 0 (an SQS rule)."
  }

  validation {
    condition     = var.consumer.maximum_concurrency == null || try(var.consumer.maximum_concurrency >= 2 && var.consumer.maximum_concurrency <= 1000, false)
    error_message = "consumer.maximum_concurrency must be between 2 and 1000, or null for no limit."
  }
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

  validation {
    condition     = var.table.name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.table.name))
    error_message = "table.name must be 3-255 characters of letters, digits, '_', '-' or '.'."
  }

  validation {
    condition     = var.table.create != true || var.table.name == null
    error_message = "table.create = true contradicts a given table.name: give one or the other."
  }

  validation {
    condition     = var.table.kms_key_arn == null || (var.table.name != null && var.table.create != true)
    error_message = "table.kms_key_arn is the key of a brought table (table.name); a table the module creates is encrypted with kms_key_arn."
  }

  validation {
    condition     = length(var.table.partition_key) >= 1 && length(var.table.partition_key) <= 255
    error_message = "table.partition_key must be 1-255 characters."
  }

  validation {
    condition     = (var.table.ttl_attribute == null) == (var.table.ttl_days == null) && try(var.table.ttl_days > 0, true)
    error_message = "table.ttl_attribute and table.ttl_days must be set together, and ttl_days must be positive."
  }
}

################################################################################
# Alarms
################################################################################

variable "alarms" {
  description = "CloudWatch alarms: DLQ not empty, oldest message age on the main queue, consumer errors. alarm_actions are notified on alarm and on recovery."
  type = object({
    enabled                          = optional(bool, true)
    alarm_actions                    = optional(list(string), [])
    oldest_message_age_alarm_seconds = optional(number, 600)
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for arn in var.alarms.alarm_actions : can(regex("^arn:", arn))])
    error_message = "alarms.alarm_actions must be ARNs (for example an SNS topic)."
  }

  validation {
    condition     = var.alarms.oldest_message_age_alarm_seconds >= 60
    error_message = "alarms.oldest_message_age_alarm_seconds must be at least 60."
  }
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
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      for package in [var.packages.authorizer, var.packages.consumer] : package == null || try(
        (package.local_path != null) != (package.s3_bucket != null && package.s3_key != null) &&
        (package.s3_bucket == null) == (package.s3_key == null),
      false)
    ])
    error_message = "Each package needs exactly one of local_path, or s3_bucket together with s3_key."
  }
}
