terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Lower bound: the version tested here (it has the write-only secret_string_wo
      # this module needs). Upper bound 7.0: majors remove attributes; 6.x is untested.
      version = ">= 5.100, < 7.0"
    }
  }
}
