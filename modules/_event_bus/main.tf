# The EventBridge bus fan-out publishes to: created here, or brought by ARN
# (then nothing is created, and the bus's own policy is the user's to keep).

locals {
  create_bus = var.create && var.bus_arn == null
  # The bus ARN rule (contract.json fan_out.bus_arn), shared with modules/consumer's validation.
  contract = jsondecode(file("${path.module}/../../functions/shared/contract.json"))
}

resource "aws_cloudwatch_event_bus" "this" {
  count = local.create_bus ? 1 : 0

  name = var.name
  tags = var.tags
}
