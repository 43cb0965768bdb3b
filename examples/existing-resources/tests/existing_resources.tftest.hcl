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
    # The module's table is the brought one, whose name this configuration derives from var.name.
    condition     = module.webhook_ingest.dynamodb_table_name == aws_dynamodb_table.events.name && module.webhook_ingest.dynamodb_table_name == "${var.name}-existing-events"
    error_message = "The module stores into the brought table instead of creating <name>-events."
  }

  assert {
    # Defaults computed by the module: no source delivers claim checks, so no
    # front function, no bucket, and the consumer's memory stays 256 MB.
    condition     = module.webhook_ingest.front_lambda_function_name == null && module.webhook_ingest.s3_bucket_id == null && module.webhook_ingest.consumer_lambda_memory_size == 256
    error_message = "Without claim-check sources there is no front function and no bucket, and the consumer keeps its 256 MB default."
  }
}
