# Inputs are validated by the public modules that call this one (auth,
# consumer), where users set them; this module trusts its two callers.

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

variable "architecture" {
  description = "arm64 or x86_64."
  type        = string
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
}

variable "timeout_seconds" {
  description = "Function timeout."
  type        = number
}

variable "environment_variables" {
  description = "The function's environment."
  type        = map(string)
}

variable "package" {
  description = "Where the code comes from: null for default_package_path, else a local zip or an S3 object (see the public modules' package input)."
  type = object({
    local_path        = optional(string)
    s3_bucket         = optional(string)
    s3_key            = optional(string)
    s3_object_version = optional(string)
    source_code_hash  = optional(string)
  })
  default = null
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

variable "log_retention_in_days" {
  description = "Retention of the function's log group."
  type        = number
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
