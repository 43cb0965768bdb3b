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
    condition     = length(var.senders) > 0 && alltrue([for s in var.senders : can(regex("^[A-Za-z0-9._@+-]{1,128}$", s))])
    error_message = "senders must be usernames of 1-128 letters, digits, '.', '_', '@', '+' or '-' (the authorizer refuses a secret holding any other)."
  }
}

variable "secret_kms_key_arn" {
  description = "Customer managed KMS key of the brought secret and table (null: AWS managed keys). It is passed to the module as auth.secret_kms_key_arn and table.kms_key_arn, so the functions may use it."
  type        = string
  default     = null
}

variable "deletion_protection_enabled" {
  description = "Deletion protection of the example table."
  type        = bool
  default     = true
}
