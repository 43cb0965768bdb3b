variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name prefix of the deployment."
  type        = string
  default     = "webhooks-byo"
}

variable "senders" {
  description = "Usernames of the webhook senders, each with its own generated password."
  type        = list(string)
  default     = ["billing", "shipping"]

  validation {
    condition     = length(var.senders) > 0 && alltrue([for s in var.senders : length(s) > 0 && !strcontains(s, ":")])
    error_message = "senders must be non-empty usernames without ':'."
  }
}

variable "secret_kms_key_arn" {
  description = "KMS key for the secret and the table (null: AWS managed keys)."
  type        = string
  default     = null
}

variable "deletion_protection_enabled" {
  description = "Deletion protection of the example table."
  type        = bool
  default     = true
}
