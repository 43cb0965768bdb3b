# The example planned against moto_server: this file's provider block replaces the
# example's own (which targets real AWS), so the example doubles as a test.

# Every AWS call goes to the moto_server that tests/test_terraform.py starts on
# 127.0.0.1 and names in AWS_ENDPOINT_URL. The guard: the provider refuses to act
# in any account but moto's.
provider "aws" {
  allowed_account_ids = ["123456789012"]
}

run "plans_with_every_feature_on" {
  command = plan

  assert {
    # moto's account and region: the encryption context the key accepts must be this account's log groups, nowhere else.
    condition     = jsonencode([for statement in data.aws_iam_policy_document.key.statement : [for c in statement.condition : c.values if c.variable == "kms:EncryptionContext:aws:logs:arn"] if statement.sid == "CloudWatchLogsUseKey"]) == jsonencode([[["arn:aws:logs:us-east-1:123456789012:log-group:*"]]])
    error_message = "CloudWatch Logs may use the key only for log groups of this account and region."
  }

  assert {
    condition = alltrue([
      for statement in data.aws_iam_policy_document.key.statement : contains([for c in statement.condition : c.variable], "aws:SourceAccount")
      if anytrue([for p in statement.principals : p.type == "Service"])
    ])
    error_message = "Every service the key policy lets use the key is limited to this account (aws:SourceAccount)."
  }
}
