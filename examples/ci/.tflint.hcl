# tflint for a stack that sources this module: copy into the stack's directory
# (the workflow's WORKDIR; it passes this file with --config).
# Versions are pinned so a new rule never breaks an unrelated pull request;
# bump them on purpose.
config {
  # Lint the module calls too (this module's resources, as your stack uses them).
  call_module_type = "all"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.44.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}
