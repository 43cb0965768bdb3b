output "lambda_layer_version_arns" {
  description = "The layer version's ARN in a list (empty when not created): a function's layers."
  value       = aws_lambda_layer_version.this[*].arn
}

output "lambda_layer_version_filename" {
  description = "The zip the layer version is made of (null when not created)."
  value       = one(aws_lambda_layer_version.this[*].filename)
}

output "lambda_layer_version_compatible_architectures" {
  description = "The architecture the layer version is built for, in a set (null when not created)."
  value       = one(aws_lambda_layer_version.this[*].compatible_architectures)
}
