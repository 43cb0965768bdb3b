# Validated by the public modules that call this one (log_retention_in_days, kms_key_arn).

variable "create" {
  description = "Whether to create the log group."
  type        = bool
  default     = true
}

variable "name" {
  description = "Log group name."
  type        = string
}

variable "retention_in_days" {
  description = "How long CloudWatch Logs keeps the events."
  type        = number
}

variable "kms_key_arn" {
  description = "Customer managed key for the events; null for the service's own encryption."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to the log group."
  type        = map(string)
  default     = {}
}
