# Resource addresses moved when the function's plumbing went into the
# internal modules/_function: existing deployments keep their function, role,
# inline policy and log group; Terraform only renames them in state.

moved {
  from = aws_lambda_function.this
  to   = module.function.aws_lambda_function.this
}

moved {
  from = aws_cloudwatch_log_group.this
  to   = module.function.module.log_group.aws_cloudwatch_log_group.this
}

moved {
  from = aws_iam_role.this
  to   = module.function.module.role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.this
  to   = module.function.module.role.aws_iam_role_policy.this
}
