# Every preset planned as a source against moto_server (tests/test_terraform.py starts it): the
# module's own checks hold for all of them on one deployment (the carried headers, the edge
# function's 4 KB environment holding every route), which make local CONFIG=examples/local-senders needs.

provider "aws" {
  allowed_account_ids = ["123456789012"]
}

run "every_sender_by_name_is_a_signed_source" {
  command = plan

  assert {
    condition     = length(output.senders) == length([for name in keys(jsondecode(file("../../functions/shared/contract.json")).signatures.presets) : name if !startswith(name, "_")]) && length(output.senders) >= 28
    error_message = "Each preset of the contract is one source."
  }

  assert {
    condition     = toset(keys(module.webhook_ingest.source_signing_secret_arns)) == toset(output.senders)
    error_message = "Each sender has a signing secret to put its secret into."
  }
}
