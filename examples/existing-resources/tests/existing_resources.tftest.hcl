# The example planned against moto_server: this file's provider block replaces the
# example's own (which targets real AWS), so the example doubles as a test.

# Every AWS call goes to the moto_server that tests/test_terraform.py starts on
# 127.0.0.1 and names in AWS_ENDPOINT_URL. The guard: the provider refuses to act
# in any account but moto's.
provider "aws" {
  allowed_account_ids = ["123456789012"]
}

run "plans_with_the_given_secret_and_table" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.events.hash_key == "deliveryId" && length(var.senders) == 2
    error_message = "The example brings a table keyed by deliveryId and a secret for two senders."
  }
}
