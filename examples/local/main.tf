# The local profile: the real root module applied to moto_server on 127.0.0.1,
# used by `make demo`, `make local` and the end-to-end tests. Every setting that
# differs from production is here, with the moto gap that forces it. Copy these
# settings into your own root to try it locally: make local CONFIG=path/to/root.

# The scripts that apply this (make demo, make local, the tests) point every AWS
# call at moto_server through AWS_ENDPOINT_URL with dummy keys. The guard: the
# provider refuses to act in any account but moto's.
provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["123456789012"]
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
    # and burns receive counts; the local runner (scripts/local_runner) polls the queue instead.
    event_source_mapping_enabled = false
    timeout_seconds              = var.consumer_timeout_seconds
  }

  table = {
    # Throwaway stack: let `terraform destroy` remove the table.
    deletion_protection_enabled = false
  }
}
