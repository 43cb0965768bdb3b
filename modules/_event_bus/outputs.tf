output "cloudwatch_event_bus_arn" {
  description = "ARN of the bus events are published to (the brought one, or the one created); null when off."
  value       = var.create ? coalesce(var.bus_arn, try(aws_cloudwatch_event_bus.this[0].arn, null)) : null
}

output "cloudwatch_event_bus_name" {
  description = "Name of that bus; null when off."
  value       = var.create ? (var.bus_arn != null ? element(split("event-bus/", var.bus_arn), 1) : try(aws_cloudwatch_event_bus.this[0].name, null)) : null
}
