variable "name" {
  description = "Name prefix of the local deployment."
  type        = string
  default     = "hooks-local"
}

variable "consumer_timeout_seconds" {
  description = "Consumer timeout; with the default visibility timeout (6x) it sets how soon a failed record is retried locally."
  type        = number
  default     = 2
}

variable "domain_name" {
  description = "A custom domain to serve the API on as well (hooks.example.test); null: the execute-api address only."
  type        = string
  default     = null
}

variable "truststore_uri" {
  description = "With domain_name: s3://bucket/key of the PEM bundle of CAs whose client certificates are accepted (mutual TLS); null: no mutual TLS."
  type        = string
  default     = null
}
