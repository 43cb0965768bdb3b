variable "create" {
  description = "Whether the function exists (the module's create toggle)."
  type        = bool
  nullable    = false
}

variable "schemes" {
  description = "The signature schemes the function verifies: the layer is created when one of them is verified with a public key (contract.json signatures.schemes, those with public_key: discord, sendgrid, google-pubsub-push, paypal, plaid)."
  type        = list(string)
  nullable    = false
}

variable "name" {
  description = "The layer's name (the function's name and -public-key): each function that needs the layer publishes its own, so modules stay independent."
  type        = string
  nullable    = false
}

variable "architecture" {
  description = "The function's architecture (arm64 or x86_64, validated by modules/_function: a second validation here would hide the function's own errors behind this module's): the layer holds compiled code for that one."
  type        = string
  nullable    = false
}
