variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name prefix of the deployment."
  type        = string
  default     = "webhooks-complete"
}
