# The local profile: the real root module applied to moto_server on 127.0.0.1,
# used by `make demo`, `make local` and the end-to-end tests. Every setting that
# differs from production is here, with the moto gap that forces it.

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    apigatewayv2   = var.endpoint
    cloudwatch     = var.endpoint
    cloudwatchlogs = var.endpoint
    dynamodb       = var.endpoint
    iam            = var.endpoint
    kms            = var.endpoint
    lambda         = var.endpoint
    secretsmanager = var.endpoint
    sqs            = var.endpoint
    sts            = var.endpoint
  }
}

module "webhook_ingest" {
  source = "../.."

  name = var.name

  api = {
    authorizer_result_ttl_in_seconds = var.authorizer_result_ttl_in_seconds
  }

  auth = {
    # Throwaway stack: delete the secret at once on destroy.
    secret_recovery_window_in_days = 0
  }

  queue = {
    # moto hangs on RedriveAllowPolicy (standalone resource and inline attribute).
    redrive_allow_policy_enabled = false
  }

  consumer = {
    # moto runs an enabled mapping inside SendMessage and, without Docker, fails
    # and burns receive counts; scripts/local_stack.py polls the queue instead.
    enabled         = false
    timeout_seconds = var.consumer_timeout_seconds
  }

  table = {
    # Throwaway stack: let `terraform destroy` remove the table.
    deletion_protection_enabled = false
  }
}
