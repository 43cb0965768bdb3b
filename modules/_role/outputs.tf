output "iam_role_arn" {
  description = "ARN of the role."
  value       = try(aws_iam_role.this[0].arn, null)
}

output "iam_role_name" {
  description = "Name of the role."
  value       = try(aws_iam_role.this[0].name, null)
}

output "iam_role_policy_json" {
  description = "The role's inline policy document."
  value       = try(data.aws_iam_policy_document.this[0].json, null)
}

output "account_id" {
  description = "The account the role is in (empty when create is false)."
  value       = local.account_id
}

output "partition" {
  description = "The account's partition."
  value       = local.partition
}

output "region" {
  description = "The provider's region (empty when create is false)."
  value       = local.region
}

# For the calling modules' plan-level tests (terraform test reads a child module
# only through its outputs).
output "iam_role_policy_statements" {
  description = "The inline policy's statements, as the policy document data source holds them."
  value       = one(data.aws_iam_policy_document.this[*].statement)
}

output "assume_role_policy_statements" {
  description = "The trust policy's statements."
  value       = one(data.aws_iam_policy_document.assume_role[*].statement)
}

output "iam_role" {
  description = "The role resource."
  value       = one(aws_iam_role.this)
}
