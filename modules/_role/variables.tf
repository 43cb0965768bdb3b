# The role settings users give (path, permissions boundary) are validated here,
# once for every role. Users' extra policy statements are validated where they
# are given (modules auth and consumer); that their sids differ from the
# module's own is checked here, where the whole policy is known: the reserved
# ids are the statements themselves, not a list kept beside them.

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

  validation {
    condition     = length(distinct(compact(concat([for statement in var.statements : statement.sid], [for grant in var.kms_grants : grant.sid])))) == length(compact(concat([for statement in var.statements : statement.sid], [for grant in var.kms_grants : grant.sid])))
    error_message = "Policy statement sids must be unique and differ from the module's own; used twice in the ${var.name} role's policy: ${join(", ", distinct([for sid in compact(concat([for statement in var.statements : statement.sid], [for grant in var.kms_grants : grant.sid])) : sid if length([for other in compact(concat([for statement in var.statements : statement.sid], [for grant in var.kms_grants : grant.sid])) : other if other == sid]) > 1]))}."
  }
}

variable "kms_grants" {
  description = "Customer managed keys the role may use, each only through one service (kms:ViaService)."
  type = list(object({
    sid     = string
    key     = string
    service = string
    actions = list(string)
    # Further conditions, e.g. the encryption context a service passes (kms:EncryptionContext:aws:s3:arn).
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
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
