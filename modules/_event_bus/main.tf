# The EventBridge bus fan-out publishes to: created here, or brought by ARN
# (then nothing is created, and the bus's own policy is the user's to keep).

locals {
  create_bus = var.create && var.bus_arn == null
}

resource "aws_cloudwatch_event_bus" "this" {
  count = local.create_bus ? 1 : 0

  name = var.name
  tags = var.tags
}
