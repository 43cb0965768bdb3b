################################################################################
# General
################################################################################

variable "create" {
  description = "Whether to create the secret, the authorizer function and its permissions."
  type        = bool
  default     = true
}

variable "name" {
  description = "Prefix for resource names: the function is <name>-authorizer, the secret <name>-credentials."
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
  description = "Customer managed KMS key ARN for the secret, the log group and the function's environment. null uses AWS managed keys."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias: IAM policies and CloudWatch Logs need the key ARN."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the authorizer's log group."
  type        = number
  default     = 365
}

################################################################################
# Credentials secret
################################################################################

variable "secret_arn" {
  description = "Bring your own secret: ARN of an existing Secrets Manager secret holding {\"username\",\"password\"} or {\"credentials\":[...]}. null creates one."
  type        = string
  default     = null

  validation {
    condition     = var.secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.secret_arn))
    error_message = "secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "create_secret" {
  description = "Whether to create the secret. null: create one unless secret_arn is given. Set false explicitly when secret_arn is only known after apply (created in the same configuration): Terraform must know at plan time."
  type        = bool
  default     = null

  validation {
    condition     = var.create_secret != true || var.secret_arn == null
    error_message = "create_secret = true contradicts a given secret_arn: give one or the other."
  }
}

variable "secret_kms_key_arn" {
  description = "Bring your own secret: the customer managed KMS key that encrypts it, so the authorizer may decrypt it (kms:Decrypt through Secrets Manager only). null when the secret uses the AWS managed key. Not used when the module creates the secret (that one is encrypted with kms_key_arn)."
  type        = string
  default     = null

  validation {
    condition     = var.secret_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.secret_kms_key_arn))
    error_message = "secret_kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias: IAM policies and CloudWatch Logs need the key ARN."
  }

  validation {
    condition     = var.secret_kms_key_arn == null || (var.secret_arn != null && var.create_secret != true)
    error_message = "secret_kms_key_arn is the key of a brought secret (secret_arn); a secret the module creates is encrypted with kms_key_arn."
  }
}

variable "mode" {
  description = "What the authorizer checks: basic (HTTP Basic credentials; the secret holds {\"username\", \"password\"} or {\"credentials\": [...]}) or token (a token in the query string, ?token=...; the secret holds {\"token\"} or {\"tokens\": [...]})."
  type        = string
  default     = "basic"

  validation {
    # The modes with an identity source (contract.json's auth_modes; none has no authorizer).
    condition     = contains([for mode, spec in local.contract.auth_modes : mode if try(spec.identity_source != null, false)], var.mode)
    error_message = "mode must be one of ${join(", ", [for mode, spec in local.contract.auth_modes : mode if try(spec.identity_source != null, false)])}."
  }

  validation {
    # The single source of the first releases (source_name null) is HTTP Basic: its names say so.
    condition     = var.mode == "basic" || var.source_name != null
    error_message = "mode: only basic serves the single source of the first releases (source_name = null); another mode guards a named source. At the root, the source named default is that one: give it auth = \"basic\" (or \"none\" with a signature), or another name."
  }
}

variable "token_header" {
  description = "With mode = token: the lower-case request header that holds the token (GitLab's x-gitlab-token, the header you configure in Okta), instead of the query string's token parameter; keeps the token out of URLs and access logs. The route's identity source must be that header (the root sets it). null: ?token=..."
  type        = string
  default     = null

  validation {
    condition     = var.token_header == null || try(can(regex("^${local.contract.event_key.header_name}$", var.token_header)) && var.mode == "token", false)
    error_message = "token_header is a lower-case header name, and only with mode = token."
  }
}

variable "source_name" {
  description = "The source this authorizer guards, when a deployment has several: the function is then <name>-<source_name>-auth, the secret <name>-<source_name>-credentials-*. null: one source, the names of the first releases."
  type        = string
  default     = null

  validation {
    condition     = var.source_name == null || can(regex("^[a-z][a-z0-9-]{0,19}$", var.source_name))
    error_message = "source_name must be 1-20 characters of lower-case letters, digits or '-', starting with a letter."
  }
}

variable "username" {
  description = "Username written into a created secret (the password is generated and never enters Terraform state or plan)."
  type        = string
  default     = "webhook"

  validation {
    condition     = can(regex("^[A-Za-z0-9._@+-]{1,128}$", var.username))
    error_message = "username must be 1-128 characters of letters, digits, '.', '_', '@', '+' or '-': API Gateway writes it into every message's attributes as JSON, where a quote or backslash would break them."
  }
}

variable "password_length" {
  description = "Length of the generated password (letters and digits only, so it pastes into any HTTP client)."
  type        = number
  default     = 40

  validation {
    condition     = var.password_length >= 20 && var.password_length <= 4096
    error_message = "password_length must be between 20 and 4096."
  }
}

variable "secret_version" {
  description = "Version of the generated credentials. Increase it to generate and store a new password (write-only values are only sent when this changes)."
  type        = number
  default     = 1

  validation {
    condition     = var.secret_version >= 1 && floor(var.secret_version) == var.secret_version
    error_message = "secret_version must be a whole number >= 1."
  }
}

variable "secret_recovery_window_in_days" {
  description = "Days a deleted secret can be restored (0 deletes at once, for throwaway stacks only)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30)
    error_message = "secret_recovery_window_in_days must be 0 or between 7 and 30."
  }
}

################################################################################
# Authorizer function
################################################################################

variable "secret_cache_ttl_seconds" {
  description = "How long one function instance reuses the fetched secret before reading it again."
  type        = number
  default     = 300

  validation {
    condition     = var.secret_cache_ttl_seconds >= 0 && var.secret_cache_ttl_seconds <= 86400
    error_message = "secret_cache_ttl_seconds must be between 0 and 86400."
  }
}

variable "secret_max_staleness_seconds" {
  description = "How long past its cache TTL a fetched secret may still be used while Secrets Manager fails transiently (throttling, 5xx, network). A definitive answer (secret deleted, access denied, invalid value) denies at once."
  type        = number
  default     = 900

  validation {
    condition     = var.secret_max_staleness_seconds >= 0 && var.secret_max_staleness_seconds <= 86400
    error_message = "secret_max_staleness_seconds must be between 0 and 86400."
  }
}

variable "architecture" {
  description = "Instruction set of the function: arm64 (cheaper per GB-second) or x86_64."
  type        = string
  default     = "arm64"
}

variable "memory_size" {
  description = "Memory of the authorizer function in MB (CPU scales with it)."
  type        = number
  default     = 256
}

variable "timeout_seconds" {
  description = "Timeout of the authorizer function. API Gateway waits at most 10 s for an authorizer."
  type        = number
  default     = 5
}

variable "package" {
  description = "The authorizer's deployment package. null uses the reproducible zip committed in packages/. Give local_path, or s3_bucket and s3_key (with source_code_hash, from scripts/build.py --upload)."
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

variable "api_execution_arn" {
  description = "Execution ARN of the HTTP API allowed to invoke the authorizer (the permission covers that API's authorizers only)."
  type        = string
  default     = null
}

variable "create_api_permission" {
  description = "Create the lambda:InvokeFunction permission for api_execution_arn."
  type        = bool
  default     = true
}

################################################################################
# IAM
################################################################################

variable "role_path" {
  description = "IAM path of the authorizer's execution role (e.g. /platform/webhooks/)."
  type        = string
  default     = "/"
}

variable "role_permissions_boundary" {
  description = "ARN of the managed policy set as the authorizer's execution role's permissions boundary; null for none."
  type        = string
  default     = null
}

variable "policy_statements" {
  description = "Extra statements for the authorizer's execution role's inline policy, e.g. to reach a resource your fork of the function needs. Added after the module's own least-privilege statements; each needs actions and resources, effect defaults to Allow. A sid must be unique and differ from the module's own statement ids (checked against the role's whole policy at plan)."
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

variable "denial_alarm_threshold" {
  description = "Alarm when the authorizer denies more than this many requests in 5 minutes (AuthorizerDenials, from its decision logs). null: no alarm; the metric is always there."
  type        = number
  default     = null

  validation {
    condition     = var.denial_alarm_threshold == null || try(var.denial_alarm_threshold >= 0 && floor(var.denial_alarm_threshold) == var.denial_alarm_threshold, false)
    error_message = "denial_alarm_threshold must be a whole number >= 0, or null."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm of this module changes to ALARM or back to OK."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.alarm_actions : can(regex("^arn:", arn))])
    error_message = "alarm_actions must be ARNs."
  }
}
