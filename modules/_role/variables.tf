# The role settings users give (path, permissions boundary) are validated here,
# once for the three roles. Users' extra policy statements are validated where
# they are given (modules auth and consumer), before anything is planned.

variable "create" {
  description = "Whether to create the role."
  type        = bool
  default     = true
}

variable "name" {
  description = "Role name."
  type        = string
}

variable "service" {
  description = "The service that assumes the role, as in its principal <service>.amazonaws.com (lambda, apigateway)."
  type        = string
}

variable "source_arn" {
  description = "ARN (wildcards allowed) of the one resource the service may assume the role for."
  type        = string
}

variable "policy_name" {
  description = "Name of the inline policy."
  type        = string
}

variable "statements" {
  description = "Statements of the inline policy (users' extra statements arrive here too)."
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
  description = "Customer managed keys the role may use, each only through one service (kms:ViaService)."
  type = list(object({
    sid     = string
    key     = string
    service = string
    actions = list(string)
  }))
  default = []
}

variable "path" {
  description = "IAM path of the role."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([!-~]+/)?$", var.path)) && length(var.path) <= 512
    error_message = "role_path must start and end with '/' (e.g. \"/\" or \"/platform/webhooks/\"), at most 512 printable characters."
  }
}

variable "permissions_boundary" {
  description = "ARN of the managed policy that bounds the role's permissions; null for none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary))
    error_message = "role_permissions_boundary must be an IAM managed policy ARN (arn:aws:iam::<account>:policy/<name>)."
  }
}

variable "tags" {
  description = "Tags added to the role."
  type        = map(string)
  default     = {}
}
