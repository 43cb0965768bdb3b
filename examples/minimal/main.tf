# Just a name: every other setting is the module's secure default.

provider "aws" {
  region = var.region
}

module "webhook_ingest" {
  source = "../.."

  name = var.name
}
