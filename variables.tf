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
  description = "IAM path of the three roles the module creates (authorizer, consumer, API Gateway to SQS), e.g. /platform/webhooks/."
  type        = string
  default     = "/"
}

variable "role_permissions_boundary" {
  description = "ARN of a managed policy set as the permissions boundary of the three roles the module creates; null for none. The boundary must allow what each role's inline policy grants."
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
  description = "Credentials and authorizer settings. Leave secret_arn null to create a secret whose generated password never enters Terraform state; increase secret_version to rotate it. With a secret_arn that is only known after apply, also set create_secret = false; if that secret is encrypted with a customer managed key, give it as secret_kms_key_arn so the authorizer may decrypt it. secret_max_staleness_seconds bounds how long past its TTL a cached secret is still used while Secrets Manager fails transiently; a deleted or inaccessible secret denies at the next refresh. policy_statements adds statements to the authorizer's execution role (validated)."
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
}

################################################################################
# Consumer
################################################################################

variable "consumer" {
  description = "Consumer function and event source mapping settings. Set event_source_mapping_enabled = false to pause consumption; messages wait in the queue (enabled is its deprecated name). policy_statements adds statements to the execution role (validated: effect, actions, resources, unique sids). ordering_attribute (last-write-wins only) names a body attribute holding a version (a number, or a string such as an ISO 8601 updatedAt): an item is then only replaced by a greater version, and an older one is acknowledged as a duplicate."
  type = object({
    architecture                       = optional(string, "arm64")
    memory_size                        = optional(number, 256)
    timeout_seconds                    = optional(number, 30)
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
  description = "CloudWatch alarms: DLQ not empty, oldest message age on the main queue, consumer errors. create = false creates none (enabled is its deprecated name); alarm_actions are notified on alarm and on recovery."
  type = object({
    create                           = optional(bool)
    enabled                          = optional(bool) # deprecated: create
    alarm_actions                    = optional(list(string), [])
    oldest_message_age_alarm_seconds = optional(number, 600)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.alarms.enabled == null || var.alarms.create == null || var.alarms.enabled == var.alarms.create
    error_message = "alarms.enabled is the deprecated name of alarms.create: set only the new one."
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
}
