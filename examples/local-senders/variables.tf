variable "name" {
  description = "Name prefix of the local deployment."
  type        = string
  default     = "senders-local"
}

variable "consumer_timeout_seconds" {
  description = "Consumer timeout; with the default visibility timeout (6x) it sets how soon a failed record is retried locally."
  type        = number
  default     = 2
}
