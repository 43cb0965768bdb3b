# Bring your own secret and table: the module then creates neither, and only
# gets read access to the secret and write access to the table.
# Here they are created alongside, to keep the example self-contained; in real use
# they come from another stack (pass their ARN and name).

provider "aws" {
  region = var.region
}

################################################################################
# An existing secret with several senders' credentials
################################################################################

resource "aws_secretsmanager_secret" "senders" {
  #checkov:skip=CKV2_AWS_57:Rotation is the owner's process (add a new credential to the list, then remove the old one); the example shows the list form that makes it seamless.
  name_prefix = "${var.name}-senders-"
  description = "Credentials of each webhook sender (list form: old and new overlap during rotation)."
  kms_key_id  = var.secret_kms_key_arn
}

ephemeral "aws_secretsmanager_random_password" "sender" {
  for_each = toset(var.senders)

  password_length     = 40
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret_version" "senders" {
  secret_id = aws_secretsmanager_secret.senders.id
  secret_string_wo = jsonencode({
    credentials = [for sender in var.senders : {
      username = sender
      password = ephemeral.aws_secretsmanager_random_password.sender[sender].random_password
    }]
  })
  secret_string_wo_version = 1
}

################################################################################
# An existing table with its own key name
################################################################################

resource "aws_dynamodb_table" "events" {
  name                        = "${var.name}-existing-events"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "deliveryId"
  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = "deliveryId"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.secret_kms_key_arn
  }
}

################################################################################
# The pipeline, using them
################################################################################

module "webhook_ingest" {
  source = "../.."

  name = var.name

  # Both are created above in this same configuration, so their ARN and name are
  # unknown until apply: say explicitly that the module must not create its own.
  # Each is encrypted with its owner's key: name the keys, or the functions are
  # refused kms:Decrypt at run time (AccessDenied on AWS).
  auth = {
    secret_arn         = aws_secretsmanager_secret.senders.arn
    secret_kms_key_arn = var.secret_kms_key_arn
    create_secret      = false
  }

  table = {
    name          = aws_dynamodb_table.events.name
    kms_key_arn   = var.secret_kms_key_arn
    create        = false
    partition_key = "deliveryId"
  }

  depends_on = [aws_secretsmanager_secret_version.senders]
}
