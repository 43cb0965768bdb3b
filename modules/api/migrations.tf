# Resource addresses moved when the integration's role went into the internal
# modules/_role and the access log group into modules/_log_group: existing
# deployments keep them; Terraform only renames them in state.

moved {
  from = aws_iam_role.integration
  to   = module.role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.integration
  to   = module.role.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.access
  to   = module.access_log.aws_cloudwatch_log_group.this
}
