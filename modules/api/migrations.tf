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

# One route per source: the single route of earlier releases is the route named "default".
moved {
  from = aws_apigatewayv2_route.this[0]
  to   = aws_apigatewayv2_route.this["default"]
}

moved {
  from = aws_apigatewayv2_integration.this[0]
  to   = aws_apigatewayv2_integration.this["default"]
}

moved {
  from = aws_apigatewayv2_authorizer.this[0]
  to   = aws_apigatewayv2_authorizer.this["default"]
}

moved {
  from = terraform_data.integration_parameters[0]
  to   = terraform_data.integration_parameters["default"]
}
