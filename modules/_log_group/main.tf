# Internal building block (not for use outside this repository): a log group
# with the module's retention and key, for the functions (modules/_function)
# and the API's access logs (modules/api).

resource "aws_cloudwatch_log_group" "this" {
  count = var.create ? 1 : 0

  name              = var.name
  retention_in_days = var.retention_in_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}
