# The example planned against moto_server: this file's provider block replaces the
# example's own (which targets real AWS), so the example doubles as a test.

variables {
  moto_endpoint = trimspace(file(".moto-endpoint.complete"))
}

# Every AWS call goes to a moto_server on 127.0.0.1: tests/test_terraform.py starts
# one per test file and writes its URL to .moto-endpoint.<file> (gitignored). Without
# that file the run stops before any request, so these tests never reach real AWS.
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    apigatewayv2   = var.moto_endpoint
    cloudwatch     = var.moto_endpoint
    cloudwatchlogs = var.moto_endpoint
    dynamodb       = var.moto_endpoint
    iam            = var.moto_endpoint
    kms            = var.moto_endpoint
    lambda         = var.moto_endpoint
    s3             = var.moto_endpoint
    secretsmanager = var.moto_endpoint
    sns            = var.moto_endpoint
    sqs            = var.moto_endpoint
    sts            = var.moto_endpoint
  }
}

run "plans_with_every_feature_on" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation && aws_sns_topic.alarms.name == "webhooks-complete-alarms"
    error_message = "The complete example creates a rotating CMK and the alarm topic."
  }

  assert {
    condition = alltrue([
      for statement in data.aws_iam_policy_document.key.statement : contains([for c in statement.condition : c.variable], "aws:SourceAccount")
      if anytrue([for p in statement.principals : p.type == "Service"])
    ])
    error_message = "Every service the key policy lets use the key is limited to this account (aws:SourceAccount)."
  }
}
