# The local profile with three sources on one deployment: an internal sender
# with HTTP Basic on today's /submit, Stripe with a URL token keyed by the
# body's /id, and GitHub with a URL token keyed by its X-GitHub-Delivery header.
# Used by the end-to-end tests; try it with make local CONFIG=examples/local-sources.
# The emulator settings are examples/local's, each explained there.

provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["123456789012"]
}

module "webhook_ingest" {
  source = "../.."

  name = var.name

  sources = {
    orders = { auth = "basic", route_key = "POST /submit" }
    stripe = { auth = "token", event_key = "/id" }
    github = { auth = "token", event_key = "x-github-delivery" }
  }

  api      = { authorizer_result_ttl_in_seconds = 300 }
  auth     = { secret_recovery_window_in_days = 0 }
  queue    = { redrive_allow_policy_enabled = false }
  consumer = { event_source_mapping_enabled = false, timeout_seconds = var.consumer_timeout_seconds }
  table    = { deletion_protection_enabled = false }
}
