# A custom domain: the domain name (with mutual TLS when asked), its mapping to
# the stage, and optionally the alias record. Every URL the module outputs is
# derived from it (main.tf, local.base_url). Changing the domain replaces these
# resources only, never the API: its id, routes and integrations stay.

locals {
  domain = var.create ? var.domain : null
  # With mutual TLS the execute-api address would bypass the certificate check: closed unless said otherwise.
  disable_execute_api_endpoint = var.domain == null ? false : coalesce(var.domain.disable_execute_api_endpoint, var.domain.mutual_tls != null)
}

resource "aws_apigatewayv2_domain_name" "this" {
  count = local.domain != null ? 1 : 0

  domain_name = local.domain.name

  domain_name_configuration {
    certificate_arn = local.domain.certificate_arn
    endpoint_type   = "REGIONAL"
    security_policy = local.domain.security_policy
  }

  dynamic "mutual_tls_authentication" {
    for_each = local.domain.mutual_tls == null ? [] : [local.domain.mutual_tls]

    content {
      truststore_uri     = mutual_tls_authentication.value.truststore_uri
      truststore_version = mutual_tls_authentication.value.truststore_version
    }
  }

  tags = var.tags
}

resource "aws_apigatewayv2_api_mapping" "this" {
  count = local.domain != null ? 1 : 0

  api_id          = aws_apigatewayv2_api.this[0].id
  domain_name     = aws_apigatewayv2_domain_name.this[0].id
  stage           = aws_apigatewayv2_stage.this[0].id
  api_mapping_key = local.domain.base_path
}

resource "aws_route53_record" "this" {
  count = try(local.domain.route53_zone_id != null, false) ? 1 : 0

  zone_id = local.domain.route53_zone_id
  name    = aws_apigatewayv2_domain_name.this[0].domain_name
  type    = "A"

  alias {
    name                   = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].target_domain_name
    zone_id                = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].hosted_zone_id
    evaluate_target_health = false
  }
}
