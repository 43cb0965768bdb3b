variable "endpoint" {
  description = "URL of moto_server (loopback only)."
  type        = string
  default     = "http://127.0.0.1:5055"

  validation {
    condition     = can(regex("^http://(127\\.[0-9.]+|localhost|\\[::1\\]):[0-9]+$", var.endpoint))
    error_message = "endpoint must be a loopback URL: this profile never talks to real AWS."
  }
}

variable "name" {
  description = "Name prefix of the local deployment."
  type        = string
  default     = "webhooks-local"
}

variable "authorizer_result_ttl_in_seconds" {
  description = "Authorizer decision cache TTL (the local runner honours it)."
  type        = number
  default     = 300
}

variable "consumer_timeout_seconds" {
  description = "Consumer timeout; with the default visibility timeout (6x) it sets how soon a failed record is retried locally."
  type        = number
  default     = 2
}
