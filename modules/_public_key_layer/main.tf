# pyca/cryptography for the public-key signature schemes, pinned by hash
# (functions/layers/public-key.txt) and built reproducibly by scripts/build_layer.py into
# packages/public-key-<architecture>.zip; packages/public-key-layer.json lists what it holds.
# Only functions serving a public-key source carry it: every other package stays
# standard library and boto3.
locals {
  contract = jsondecode(file("${path.module}/../../functions/shared/contract.json"))
  needed   = length(setintersection(var.schemes, [for name, scheme in local.contract.signatures.schemes : name if can(scheme.public_key)])) > 0
  zip      = "${path.module}/../../packages/public-key-${var.architecture}.zip"
}

resource "aws_lambda_layer_version" "this" {
  count = var.create && local.needed ? 1 : 0

  layer_name               = var.name
  description              = "pyca/cryptography for public-key webhook signatures (terraform-aws-webhook-ingest)"
  filename                 = local.zip
  source_code_hash         = filebase64sha256(local.zip)
  compatible_architectures = [var.architecture]
}
