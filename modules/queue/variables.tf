################################################################################
# General
################################################################################

variable "create" {
  description = "Whether to create the queues (false creates nothing, so the module can be toggled off)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Prefix for every resource name: the buffering queue is <name>, its dead-letter queue <name>-dlq."
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
  description = "Customer managed KMS key ARN for queue encryption. null uses SQS-managed SSE (no key to manage, no KMS charges)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias: IAM policies and CloudWatch Logs need the key ARN."
  }
}

################################################################################
# Queues
################################################################################

variable "consumer_timeout_seconds" {
  description = "Timeout of the function consuming the queue; the default visibility timeout is derived from it."
  type        = number
  default     = 30

  validation {
    condition     = var.consumer_timeout_seconds >= 1 && var.consumer_timeout_seconds <= 900
    error_message = "consumer_timeout_seconds must be between 1 and 900 (Lambda's limit)."
  }
}

variable "maximum_batching_window_in_seconds" {
  description = "The consumer's event source mapping batching window (its input of the same name); it adds to the time a message stays in flight."
  type        = number
  default     = 0

  validation {
    condition     = var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300
    error_message = "maximum_batching_window_in_seconds must be between 0 and 300."
  }
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the buffering queue. null means AWS's recommendation: 6 x consumer timeout + batching window."
  type        = number
  default     = null

  validation {
    condition = var.visibility_timeout_seconds == null || (
      try(var.visibility_timeout_seconds <= 43200, false) &&
      try(var.visibility_timeout_seconds >= 6 * var.consumer_timeout_seconds + var.batching_window_seconds, false)
    )
    error_message = "visibility_timeout_seconds must be at most 43200 and at least 6 x consumer_timeout_seconds + batching_window_seconds, or a batch still being processed is delivered twice."
  }
}

variable "message_retention_seconds" {
  description = "How long the buffering queue keeps a message (default 4 days)."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

variable "dead_letter_message_retention_seconds" {
  description = "How long the dead-letter queue keeps a message (default 14 days, the maximum). Must not be shorter than the main queue's."
  type        = number
  default     = 1209600

  validation {
    condition = (
      var.dead_letter_message_retention_seconds >= 60 && var.dead_letter_message_retention_seconds <= 1209600 &&
      var.dead_letter_message_retention_seconds >= var.message_retention_seconds
    )
    error_message = "dead_letter_message_retention_seconds must be between 60 and 1209600 and at least message_retention_seconds: a message's age carries over to the DLQ, so a shorter DLQ retention deletes it on arrival."
  }
}

variable "max_message_size" {
  description = "Largest message, in bytes, both queues accept, message attributes included. SQS takes up to 1 MiB (1048576); the AWS provider 5.x accepts at most 262144 (its default), 6.x up to 1048576. A body above this is refused at the edge with SQS's 400 on a direct route."
  type        = number
  default     = 262144
  nullable    = false

  validation {
    condition     = var.max_message_size >= 1024 && var.max_message_size <= 1048576 && floor(var.max_message_size) == var.max_message_size
    error_message = "max_message_size must be a whole number of bytes between 1024 and 1048576 (1 MiB, SQS's limit; the AWS provider 5.x stops at 262144)."
  }
}

variable "max_receive_count" {
  description = "Receives before SQS moves a message to the dead-letter queue. AWS recommends at least 5 so that throttled messages are not dead-lettered."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number between 1 and 1000."
  }
}

variable "redrive_allow_policy_enabled" {
  description = "Restrict which queues may use the DLQ (byQueue: only this module's queue). Disable where the region or an emulator lacks RedriveAllowPolicy."
  type        = bool
  default     = true
}

################################################################################
# Alarms
################################################################################

variable "create_alarms" {
  description = "Create CloudWatch alarms: DLQ has visible messages, and oldest message on the main queue too old."
  type        = bool
  default     = true
}

variable "oldest_message_age_alarm_seconds" {
  description = "Alarm when the oldest message on the buffering queue is older than this: the consumer is falling behind or failing."
  type        = number
  default     = 600

  validation {
    condition     = var.oldest_message_age_alarm_seconds >= 60
    error_message = "oldest_message_age_alarm_seconds must be at least 60 (SQS publishes the metric every minute)."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm fires and when it recovers (for example an SNS topic)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.alarm_actions : can(regex("^arn:", arn))])
    error_message = "alarm_actions must be ARNs."
  }
}

################################################################################
# Deprecated names (removed in the next major version)
################################################################################

variable "batching_window_seconds" {
  description = "Deprecated: use maximum_batching_window_in_seconds (the same value, under the name the consumer and AWS use). When set, it wins."
  type        = number
  default     = null

  validation {
    condition     = var.batching_window_seconds == null || try(var.batching_window_seconds >= 0 && var.batching_window_seconds <= 300, false)
    error_message = "batching_window_seconds must be between 0 and 300."
  }
}

variable "alarms_enabled" {
  description = "Deprecated: use create_alarms. When set, it wins."
  type        = bool
  default     = null
}
