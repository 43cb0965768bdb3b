variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name prefix of the deployment."
  type        = string
  default     = "webhooks-routing"
}

variable "pull_request_function_arn" {
  description = "ARN of the Lambda function that handles GitHub's pull_request events."
  type        = string
  default     = "arn:aws:lambda:us-east-1:123456789012:function:pull-requests"
}

variable "payments_queue_arn" {
  description = "ARN of the payments team's SQS queue that receives Stripe's payment events."
  type        = string
  default     = "arn:aws:sqs:us-east-1:210987654321:payments-webhooks"
}
