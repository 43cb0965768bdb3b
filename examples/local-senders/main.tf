# Every sender by name (contract.json signatures.presets), each an open source that
# checks its signature at the edge and in the consumer, with the signing secret the
# module creates empty: make local CONFIG=examples/local-senders, then put a sender's
# secret into its source's secret (output source_signing_secret_arns) and point the
# sender (or its SDK, or a recorded delivery) at its URL (output source_urls).
# Bodies are kept raw, keyed by what the signature covers: whatever the sender posts
# (JSON, a form, an array), it is stored exactly. The list comes from the contract,
# so a preset added there is served here without a change.
# The emulator settings are examples/local's, each explained there.

provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["123456789012"]
}

locals {
  presets = sort([for name in keys(jsondecode(file("${path.module}/../../functions/shared/contract.json")).signatures.presets) : name if !startswith(name, "_")])
}

module "webhook_ingest" {
  source = "../.."

  name = var.name

  sources = {
    for name in local.presets : name => {
      auth      = "none"
      event_key = "@signed-content"
      body      = "raw"
      signature = { scheme = name }
    }
  }

  alarms   = { signature_rejection_alarm_threshold = 5 }
  auth     = { secret_recovery_window_in_days = 0 }
  queue    = { redrive_allow_policy_enabled = false }
  consumer = { event_source_mapping_enabled = false, timeout_seconds = var.consumer_timeout_seconds }
  table    = { deletion_protection_enabled = false }
}
