################################################################################
# General
################################################################################

variable "create" {
  description = "Whether to create the function (false creates nothing)."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Prefix of the function's name (<name>-front)."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Customer managed KMS key ARN of the queue, the bucket, the log group and the environment; null for AWS managed encryption."
  type        = string
  default     = null
}

variable "role_path" {
  description = "IAM path of the function's role."
  type        = string
  default     = "/"
}

variable "role_permissions_boundary" {
  description = "ARN of the managed policy bounding the function's role; null for none."
  type        = string
  default     = null
}

################################################################################
# Function
################################################################################

variable "function" {
  description = "The function's settings as one object (the root's front object with its package and log_retention_in_days), passed whole to modules/_function, which validates them; at least 256 MB and at most 29 s are this function's own bounds."
  # any: a pass-through of the root's object; modules/_function's settings type
  # converts and validates it, so a new setting is not declared here again.
  type = any
}

################################################################################
# Wiring
################################################################################

variable "routes" {
  description = "The routes the edge function serves, by route key (POST /hooks/big; a GET handshake route too): the source each belongs to, the lower-case request headers its consumer needs (signature and key headers), delivery (direct: the body is queued; claim-check: kept in S3, a pointer queued), the signature to check before accepting (null: the consumer alone checks), the handshake to answer (preset, and the secret it answers with: the signing secret, a verify token, or null) and each edge step's settings as JSON by setting name (functions/front/edge_step_<setting>.py: response, the fixed answer to an accepted request)."
  type = map(object({
    source   = string
    headers  = list(string)
    delivery = optional(string, "claim-check")
    signature = optional(object({
      scheme            = string
      secret_arn        = string
      tolerance_seconds = optional(number, 300)
      header            = optional(string)
      algorithm         = optional(string, "sha256")
      encoding          = optional(string, "hex")
      prefix            = optional(string, "")
      signed_content    = optional(string, "{body}")
      timestamp_header  = optional(string)
      id_header         = optional(string)
      timestamp_format  = optional(string, "unix")
      url               = optional(string)
      pairs = optional(object({
        separator     = optional(string, ",")
        key_value     = optional(string, "=")
        timestamp_key = optional(string, "t")
        signature_key = optional(string, "v1")
      }))
    }))
    handshake = optional(object({
      preset     = string
      secret_arn = optional(string)
    }))
    # Each edge step's settings (JSON) by setting name: functions/front/edge_step_<setting>.py reads them.
    steps = optional(map(string), {})
  }))

  validation {
    condition     = (length(var.routes) > 0 || !var.create) && alltrue([for route in values(var.routes) : can(regex("^[a-z][a-z0-9-]{0,19}$", route.source)) && length(route.headers) <= 10 && contains(["direct", "claim-check"], route.delivery)])
    error_message = "routes: at least one (when create is true); each source a source name (lower-case letters, digits, '-'), with at most 10 headers, and delivery direct or claim-check."
  }

  validation {
    condition = alltrue([for route in values(var.routes) : alltrue([
      for setting, settings in route.steps : !contains(local.contract.edge_routes.settings, setting) && fileexists("${path.module}/../../functions/front/edge_step_${setting}.py") && can(jsondecode(settings))
    ])])
    error_message = "routes: steps are edge steps' settings as JSON, each named by its module functions/front/edge_step_<setting>.py, never as a route's own setting (source, headers, delivery, signature, handshake)."
  }

  validation {
    condition     = alltrue([for route in values(var.routes) : route.handshake == null ? true : contains(keys(local.handshakes), route.handshake.preset)])
    error_message = "routes: handshake.preset is one of ${join(", ", sort(keys(local.handshakes)))}."
  }
}

variable "max_message_bytes" {
  description = "The queue's maximum message size in bytes: a direct body (with its attributes) above it is answered 413."
  type        = number
  default     = 262144
}

variable "handshake_secret_recovery_window_in_days" {
  description = "Recovery window of the verify-token secrets the module creates for handshakes that need one (meta): 0 deletes at once."
  type        = number
  default     = 30
}

variable "signing_secret_kms_key_arns" {
  description = "Customer managed KMS keys of the signing secrets the function reads (verify_at_edge), each granted through Secrets Manager only."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "signing_secret_cache_ttl_seconds" {
  description = "How long a signing secret is reused before it is read again."
  type        = number
  default     = 300
}

variable "signing_secret_max_staleness_seconds" {
  description = "How long past its TTL a cached signing secret still verifies while Secrets Manager fails transiently."
  type        = number
  default     = 900
}

variable "queue_url" {
  description = "URL of the buffering queue the pointers go to."
  type        = string
}

variable "queue_arn" {
  description = "ARN of the buffering queue (the function may only send to it)."
  type        = string
}

variable "bucket_name" {
  description = "Name of the payload bucket the claims go to."
  type        = string
}

variable "bucket_kms_key_arn" {
  description = "Customer managed KMS key encrypting the payload bucket (SSE-KMS), whether the module created it or it was brought; null for SSE-S3. The function gets kms:GenerateDataKey on it through S3, for its claims only."
  type        = string
  default     = null
}

variable "bucket_arn" {
  description = "ARN of the payload bucket (the function may only put under claims/<source>/)."
  type        = string
}

variable "api_execution_arn" {
  description = "Execution ARN of the HTTP API allowed to invoke the function."
  type        = string
}
