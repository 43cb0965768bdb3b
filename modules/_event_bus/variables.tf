variable "create" {
  description = "Whether fan-out is on: false creates nothing and outputs nulls."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the bus created when bus_arn is null (the deployment's name)."
  type        = string

  validation {
    # EventBridge: 1-256 of [/.-_A-Za-z0-9]; "default" is the account's own bus.
    condition     = !var.create || (can(regex("^[A-Za-z0-9._/-]{1,256}$", var.name)) && var.name != "default")
    error_message = "name must be 1-256 letters, digits, '.', '_', '/' or '-', and not \"default\"."
  }
}

variable "tags" {
  description = "Tags of the created bus."
  type        = map(string)
  default     = {}
}

variable "bus_arn" {
  description = "An existing bus to publish to; null creates one named `name`."
  type        = string
  default     = null

  validation {
    condition     = var.bus_arn == null || can(regex(local.contract.fan_out.bus_arn, var.bus_arn))
    error_message = "bus_arn must be an EventBridge event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)."
  }
}
