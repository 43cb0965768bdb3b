# The function's settings (settings, limits) are validated here, once, for every
# function the module creates; the other inputs are validated by the public
# modules that call this one (auth, consumer), where users set them.

variable "create" {
  description = "Whether to create the function, its role and its log group."
  type        = bool
  default     = true
}

variable "function_name" {
  description = "Function name; also the role's name and the log group's /aws/lambda/<name>."
  type        = string
}

variable "description" {
  description = "Function description."
  type        = string
}

variable "layers" {
  description = "Lambda layer version ARNs (the public-key layer, for a function that verifies such a signature). Apart from settings: which layers a function needs follows from its sources, and an error there must not hide the settings' own errors."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.layers) <= 5
    error_message = "A function takes at most 5 layers."
  }
}

variable "settings" {
  description = "The function's settings, one object for every function the module creates (authorizer, consumer, front): architecture, memory_size (MB), timeout_seconds, log_retention_in_days, tracing_mode (Active or PassThrough), reserved_concurrent_executions (null: unreserved), provisioned_concurrent_executions (null: none; otherwise a published version behind the alias live, kept warm) and package (null for default_package_path, else local_path, or s3_bucket + s3_key with s3_object_version and source_code_hash). Callers pass their settings object whole: attributes it carries beyond these (policy_statements, ...) are dropped by the type."
  type = object({
    architecture          = string
    memory_size           = number
    timeout_seconds       = number
    log_retention_in_days = number
    # X-Ray tracing: Active (sampled traces) or PassThrough.
    tracing_mode = optional(string, "Active")
    # null: unreserved (the account's pool); 0 stops the function.
    reserved_concurrent_executions = optional(number)
    # null: none. Otherwise that many environments kept initialised on the alias "live":
    # callers invoke the alias (lambda_function_invoke_arn), never a cold start up to this concurrency.
    provisioned_concurrent_executions = optional(number)
    package = optional(object({
      local_path        = optional(string)
      s3_bucket         = optional(string)
      s3_key            = optional(string)
      s3_object_version = optional(string)
      source_code_hash  = optional(string)
    }))
  })
  nullable = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.settings.architecture)
    error_message = "architecture must be arm64 or x86_64 (${var.limits.function})."
  }

  validation {
    condition     = var.settings.memory_size >= var.limits.min_memory_size && var.settings.memory_size <= 10240
    error_message = "memory_size must be between ${var.limits.min_memory_size} and 10240${var.limits.memory_size_reason} (${var.limits.function})."
  }

  validation {
    condition     = var.settings.timeout_seconds >= 1 && var.settings.timeout_seconds <= var.limits.max_timeout_seconds
    error_message = "timeout_seconds must be between 1 and ${var.limits.max_timeout_seconds}${var.limits.timeout_reason} (${var.limits.function})."
  }

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.settings.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653; ${var.limits.function})."
  }

  validation {
    condition     = contains(["Active", "PassThrough"], var.settings.tracing_mode)
    error_message = "tracing_mode must be Active or PassThrough (${var.limits.function})."
  }

  validation {
    condition     = var.settings.reserved_concurrent_executions == null || try(var.settings.reserved_concurrent_executions >= 0 && floor(var.settings.reserved_concurrent_executions) == var.settings.reserved_concurrent_executions, false)
    error_message = "reserved_concurrent_executions must be null (unreserved) or a whole number of at least 0 (${var.limits.function})."
  }

  validation {
    condition = var.settings.provisioned_concurrent_executions == null || try(
      var.settings.provisioned_concurrent_executions >= 1 && floor(var.settings.provisioned_concurrent_executions) == var.settings.provisioned_concurrent_executions &&
      # A conditional, not ||: Terraform evaluates both sides, and null <= n is an error.
      (var.settings.reserved_concurrent_executions == null ? true : var.settings.provisioned_concurrent_executions <= var.settings.reserved_concurrent_executions),
    false)
    error_message = "provisioned_concurrent_executions must be null (none) or a whole number of at least 1, and no more than reserved_concurrent_executions when that is set (${var.limits.function})."
  }

  validation {
    condition = var.settings.package == null || try(
      (var.settings.package.local_path != null) != (var.settings.package.s3_bucket != null && var.settings.package.s3_key != null) &&
      (var.settings.package.s3_bucket == null) == (var.settings.package.s3_key == null),
    false)
    error_message = "package needs exactly one of local_path, or s3_bucket together with s3_key (${var.limits.function})."
  }
}

variable "limits" {
  description = "Which function this is (for error messages), and bounds narrower than Lambda's own that the caller's function needs (the front function's memory for 6 MB bodies, API Gateway's waits), each with the reason its error message ends with."
  type = object({
    # Which function an error message is about. A literal, not the function's
    # name: a rule whose message reads a value that failed elsewhere is not reported.
    function            = string
    min_memory_size     = optional(number, 128)
    memory_size_reason  = optional(string, "")
    max_timeout_seconds = optional(number, 900)
    timeout_reason      = optional(string, "")
  })
  nullable = false
}

variable "environment_variables" {
  description = "The function's environment."
  type        = map(string)
}

variable "default_package_path" {
  description = "The zip built by scripts/build.py for this function."
  type        = string
}

variable "policy_statements" {
  description = "What the function may do besides writing its logs and traces."
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
}

variable "kms_grants" {
  description = "Customer managed keys of other services the function uses (the environment key is granted already)."
  type = list(object({
    sid     = string
    key     = string
    service = string
    actions = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []
}

variable "kms_key_arn" {
  description = "Customer managed key for the log group and the environment; null for AWS managed keys."
  type        = string
  default     = null
}

variable "role_path" {
  description = "IAM path of the execution role."
  type        = string
  default     = "/"
}

variable "role_permissions_boundary" {
  description = "Permissions boundary of the execution role; null for none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
