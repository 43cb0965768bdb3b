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
