# Resource addresses moved at the root. Existing deployments keep every
# resource; Terraform only renames them in state.

# One authorizer module per source: the single one of earlier releases is the
# source named default.
moved {
  from = module.auth
  to   = module.auth["default"]
}
