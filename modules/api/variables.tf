################################################################################
# General
################################################################################

variable "create" {
  description = "Whether to create the HTTP API and its parts."
  type        = bool
  default     = true
}

variable "name" {
  description = "Prefix for resource names: the API is <name>, the integration role <name>-api-to-sqs."
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
  description = "Customer managed KMS key ARN encrypting the queue (the integration role then gets kms:GenerateDataKey and kms:Decrypt on it) and the access log group."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias: IAM policies and CloudWatch Logs need the key ARN."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the access log group."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

################################################################################
# Route, authorizer, throttling
################################################################################

variable "route_key" {
  description = "The route webhooks are posted to, as METHOD /path."
  type        = string
  default     = "POST /submit"

  validation {
    condition     = can(regex("^(POST|PUT|PATCH) /[A-Za-z0-9._~{}/-]*$", var.route_key))
    error_message = "route_key must be POST, PUT or PATCH followed by a path starting with '/', e.g. \"POST /submit\"."
  }
}

variable "authorizer_function_invoke_arn" {
  description = "Invoke ARN of the REQUEST authorizer function of the single route (not used with routes)."
  type        = string
  default     = null

  validation {
    condition     = !var.create || var.routes != null || can(regex("^arn:aws[a-z-]*:apigateway:", var.authorizer_function_invoke_arn))
    error_message = "authorizer_function_invoke_arn must be a Lambda invoke ARN (arn:aws:apigateway:REGION:lambda:path/...)."
  }
}

variable "routes" {
  description = "One route per source, by name: its route key, its authorizer (name, function invoke ARN, identity sources; no identity sources for a route without authorizer), the static and header-mapped message attributes it adds (attribute name => value template), optional throttling, and integration: sqs (API Gateway sends the body to the queue; the default) or function (the route invokes front_function_invoke_arn, the edge function); claim_check = true is the deprecated spelling of integration = function; handshake_route_key (GET <path>, function routes only): a second route on the same integration and authorizer, for a sender's GET handshake. message_attributes may interpolate only API Gateway's $${context...} values, never a sender's (header, query string, path). null: the single route given by route_key and authorizer_function_invoke_arn, named default."
  type = map(object({
    route_key                      = string
    authorizer_name                = string
    authorizer_function_invoke_arn = optional(string)
    identity_sources               = list(string)
    message_attributes             = optional(map(string), {})
    throttling_burst_limit         = optional(number)
    throttling_rate_limit          = optional(number)
    integration                    = optional(string)
    claim_check                    = optional(bool) # deprecated: integration = "function"
    handshake_route_key            = optional(string)
  }))
  default = null

  validation {
    condition     = var.routes == null || try(length(var.routes) > 0 && alltrue([for route in values(var.routes) : can(regex("^(POST|PUT|PATCH) /[A-Za-z0-9._~{}/-]*$", route.route_key))]), false)
    error_message = "routes must hold at least one route, each a route_key of POST, PUT or PATCH and a path starting with '/'."
  }

  validation {
    condition     = var.routes == null || try(length(distinct([for route in values(var.routes) : route.route_key])) == length(var.routes), false)
    error_message = "Two routes have the same route_key."
  }

  validation {
    condition     = var.routes == null || try(alltrue([for route in values(var.routes) : route.handshake_route_key == null ? true : can(regex("^GET /[A-Za-z0-9._~{}/-]*$", route.handshake_route_key)) && (route.integration == "function" || route.claim_check == true)]), false)
    error_message = "A route's handshake_route_key is GET and a path, on a route whose integration is function (only the edge function answers a handshake)."
  }

  validation {
    condition     = var.routes == null || try(alltrue([for route in values(var.routes) : contains(["sqs", "function"], coalesce(route.integration, "sqs")) && (route.claim_check == null || route.integration == null)]), false)
    error_message = "A route's integration is sqs or function (claim_check is its deprecated spelling: set only one)."
  }

  validation {
    # The trust boundary: what API Gateway does with a quote in a sender's value
    # inside this JSON is undocumented, so no route may interpolate one (a header,
    # the query string, the path, the body); only API Gateway's own context.
    # An allowlist, not a denylist: $context.identity.userAgent or $context.path are the sender's too.
    condition     = var.routes == null || try(alltrue([for route in values(var.routes) : alltrue([for value in values(route.message_attributes) : length(regexall("\\$", value)) == length(regexall("\\$\\{context\\.(requestTimeEpoch|requestId|authorizer\\.principal)\\}", value))])]), false)
    error_message = "A route's message_attributes may interpolate only $${context.requestTimeEpoch}, $${context.requestId} and $${context.authorizer.principal}: a request header, query string, path or user agent is the sender's, and must go through the edge function (integration = function), which builds the message with the SDK."
  }

  validation {
    # principal and requestId are ours; SQS allows 10 attributes per message.
    condition     = var.routes == null || try(alltrue([for route in values(var.routes) : length(route.message_attributes) <= local.attributes.sqs_limit - 2 && length(setintersection(keys(route.message_attributes), [local.attributes.principal, local.attributes.request_id])) == 0]), false)
    error_message = "A route adds at most ${local.attributes.sqs_limit - 2} message attributes (SQS allows ${local.attributes.sqs_limit} per message; ${local.attributes.principal} and ${local.attributes.request_id} are taken)."
  }
}

variable "front_function_invoke_arn" {
  description = "Invoke ARN of the edge function (modules/_front), for the routes with integration = function; null when there are none."
  type        = string
  default     = null
}

variable "authorizer_result_ttl_in_seconds" {
  description = "How long API Gateway caches an authorizer decision per Authorization header (0-3600; 0 calls the authorizer on every request)."
  type        = number
  default     = 300

  validation {
    condition     = var.authorizer_result_ttl_in_seconds >= 0 && var.authorizer_result_ttl_in_seconds <= 3600
    error_message = "authorizer_result_ttl_in_seconds must be between 0 and 3600."
  }
}

variable "throttling_burst_limit" {
  description = "Default route burst limit (requests) of the stage."
  type        = number
  default     = 200

  validation {
    condition     = var.throttling_burst_limit >= 1 && floor(var.throttling_burst_limit) == var.throttling_burst_limit
    error_message = "throttling_burst_limit must be a whole number >= 1."
  }
}

variable "throttling_rate_limit" {
  description = "Default route steady-state rate limit (requests per second) of the stage."
  type        = number
  default     = 100

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be positive."
  }
}

variable "cors" {
  description = "CORS configuration. null (the default) sends no CORS headers: webhook senders are servers, not browsers."
  type = object({
    allow_origins     = list(string)
    allow_methods     = optional(list(string), ["POST"])
    allow_headers     = optional(list(string), ["authorization", "content-type"])
    max_age           = optional(number, 300)
    allow_credentials = optional(bool, false)
  })
  default = null

  validation {
    condition     = var.cors == null || try(length(var.cors.allow_origins) > 0 && var.cors.max_age >= 0 && var.cors.max_age <= 86400, false)
    error_message = "cors.allow_origins must not be empty and cors.max_age must be between 0 and 86400."
  }
}

################################################################################
# Queue integration
################################################################################

variable "queue_url" {
  description = "URL of the queue the route sends to."
  type        = string

  validation {
    condition     = !var.create || can(regex("^https?://", var.queue_url))
    error_message = "queue_url must be an SQS queue URL."
  }
}

variable "queue_arn" {
  description = "ARN of that queue (the integration role may send to it and nothing else)."
  type        = string

  validation {
    condition     = !var.create || can(regex("^arn:aws[a-z-]*:sqs:", var.queue_arn))
    error_message = "queue_arn must be an SQS queue ARN."
  }
}

################################################################################
# IAM
################################################################################

variable "role_path" {
  description = "IAM path of the integration's (API Gateway to SQS) role (e.g. /platform/webhooks/)."
  type        = string
  default     = "/"
}

variable "role_permissions_boundary" {
  description = "ARN of the managed policy set as the integration's (API Gateway to SQS) role's permissions boundary; null for none."
  type        = string
  default     = null
}

variable "domain" {
  description = "A custom domain for the API (null: only its execute-api address). name: the domain (hooks.example.com); certificate_arn: an ACM certificate for it in the API's region; base_path: the API mapping key (hooks: https://<name>/hooks/<route path>; null maps the domain's root); route53_zone_id: a public hosted zone in which to create the alias A record (null: make the DNS record yourself, from the outputs apigatewayv2_domain_name_target_domain_name and _hosted_zone_id); disable_execute_api_endpoint: refuse requests to the execute-api address, so senders can only use the domain (null: true with mutual_tls, false otherwise; false with mutual_tls lets a client skip the certificate check through that address, for a migration only); security_policy: TLS_1_2 (the default; TLS_1_0 is refused). mutual_tls: clients must present a certificate issued by a CA of the truststore (truststore_uri: s3://bucket/key of a PEM bundle; truststore_version: its S3 object version, to pick up a new bundle). Every URL output is derived from it."
  type = object({
    name                         = string
    certificate_arn              = string
    base_path                    = optional(string)
    route53_zone_id              = optional(string)
    disable_execute_api_endpoint = optional(bool)
    security_policy              = optional(string, "TLS_1_2")
    mutual_tls = optional(object({
      truststore_uri     = string
      truststore_version = optional(string)
    }))
  })
  default = null

  validation {
    # RFC 1035 labels, lower case, a dot at least once, no trailing dot: what a sender types.
    condition     = var.domain == null || try(can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain.name)) && length(var.domain.name) <= 253, false)
    error_message = "domain.name must be a lower-case domain name such as hooks.example.com (no scheme, path, port or trailing dot)."
  }

  validation {
    condition     = var.domain == null || try(can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$", var.domain.certificate_arn)), false)
    error_message = "domain.certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>) in the API's region."
  }

  validation {
    # API Gateway: a mapping key is segments of letters, digits and $-_.+!*'() without a leading or
    # trailing slash; "." and ".." would be normalised away by every client.
    condition = var.domain == null ? true : var.domain.base_path == null ? true : (
      can(regex("^[A-Za-z0-9$_.+!*'()-]+(/[A-Za-z0-9$_.+!*'()-]+)*$", var.domain.base_path)) &&
      !anytrue([for segment in split("/", var.domain.base_path) : contains([".", ".."], segment)])
    )
    error_message = "domain.base_path is one or more path segments (hooks, v1/hooks) of letters, digits and $-_.+!*'(), without a leading or trailing '/', '.' or '..', or null for the domain's root."
  }

  validation {
    condition     = var.domain == null || try(var.domain.route53_zone_id == null || can(regex("^Z[A-Z0-9]{1,31}$", var.domain.route53_zone_id)), false)
    error_message = "domain.route53_zone_id must be a Route 53 hosted zone id (Z...), or null to create the DNS record yourself."
  }

  validation {
    condition     = var.domain == null || try(var.domain.security_policy == "TLS_1_2", false)
    error_message = "domain.security_policy must be TLS_1_2 (API Gateway's TLS_1_0 would let senders use TLS 1.0 and 1.1)."
  }

  validation {
    condition     = var.domain == null || try(var.domain.mutual_tls == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+$", var.domain.mutual_tls.truststore_uri)), false)
    error_message = "domain.mutual_tls.truststore_uri must be s3://<bucket>/<key> of a PEM bundle of the CAs that issue client certificates."
  }
}
