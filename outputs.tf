################################################################################
# API
################################################################################

output "apigatewayv2_route_url" {
  description = "The URL of one source's route: the single source's without sources (senders POST with the HTTP Basic credentials in secretsmanager_secret_arn), else the source named default, else the first by name, the same source secretsmanager_secret_arn and authorizer_* describe. With several sources use source_urls."
  value       = lookup(module.api.apigatewayv2_route_urls, local.primary_source, null)
}

output "apigatewayv2_api_id" {
  description = "ID of the HTTP API."
  value       = module.api.apigatewayv2_api_id
}

output "apigatewayv2_api_endpoint" {
  description = "The HTTP API's execute-api address (it answers 403 when domain.disable_execute_api_endpoint closes it); senders' URLs are apigatewayv2_api_base_url's."
  value       = module.api.apigatewayv2_api_endpoint
}

################################################################################
# Credentials and authorizer
################################################################################

output "secretsmanager_secret_arn" {
  description = "ARN of the credentials (basic) or token (token) secret of the source apigatewayv2_route_url names (read the generated value from Secrets Manager; it is not in Terraform state); null when that source is open (auth = none). With several sources use source_secret_arns."
  value       = try(module.auth[local.primary_source].secretsmanager_secret_arn, null)
}

output "authorizer_lambda_function_name" {
  description = "Name of the authorizer function of the source apigatewayv2_route_url names; null when that source is open."
  value       = try(module.auth[local.primary_source].lambda_function_name, null)
}

output "authorizer_lambda_function_arn" {
  description = "ARN of the authorizer function of the source apigatewayv2_route_url names; null when that source is open."
  value       = try(module.auth[local.primary_source].lambda_function_arn, null)
}

################################################################################
# Queues
################################################################################

output "sqs_queue_url" {
  description = "URL of the buffering queue."
  value       = module.queue.sqs_queue_url
}

output "sqs_queue_arn" {
  description = "ARN of the buffering queue."
  value       = module.queue.sqs_queue_arn
}

output "sqs_dead_letter_queue_url" {
  description = "URL of the dead-letter queue (scripts/redrive.py moves its messages back)."
  value       = module.queue.sqs_dead_letter_queue_url
}

output "sqs_dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue."
  value       = module.queue.sqs_dead_letter_queue_arn
}

################################################################################
# Consumer and table
################################################################################

output "dynamodb_table_name" {
  description = "Name of the events table."
  value       = module.consumer.dynamodb_table_name
}

output "dynamodb_table_arn" {
  description = "ARN of the events table."
  value       = module.consumer.dynamodb_table_arn
}

output "consumer_lambda_function_name" {
  description = "Name of the consumer function."
  value       = module.consumer.lambda_function_name
}

output "consumer_lambda_function_arn" {
  description = "ARN of the consumer function."
  value       = module.consumer.lambda_function_arn
}

output "consumer_lambda_memory_size" {
  description = "Memory of the consumer function in MB, as resolved: consumer.memory_size, or 256 (1024 with a claim-check source)."
  value       = module.consumer.lambda_function_memory_size
}

output "consumer_lambda_event_source_mapping_uuid" {
  description = "UUID of the SQS event source mapping (pause it with consumer.event_source_mapping_enabled = false)."
  value       = module.consumer.lambda_event_source_mapping_uuid
}

################################################################################
# IAM roles
################################################################################

output "authorizer_iam_role_arn" {
  description = "ARN of the execution role of the authorizer of the source apigatewayv2_route_url names; null when that source is open."
  value       = try(module.auth[local.primary_source].iam_role_arn, null)
}

output "consumer_iam_role_arn" {
  description = "ARN of the consumer's execution role."
  value       = module.consumer.iam_role_arn
}

output "apigatewayv2_integration_iam_role_arn" {
  description = "ARN of the role API Gateway assumes to send to the queue."
  value       = module.api.iam_role_arn
}

################################################################################
# Alarms
################################################################################

output "cloudwatch_metric_alarm_arns" {
  description = "ARNs of the alarms by purpose: dead_letter_not_empty, oldest_message_age, consumer_errors, delivery_lag (null when off), and by source: signature_rejections, authorizer_denials (empty when off)."
  value = merge(module.queue.cloudwatch_metric_alarm_arns, {
    consumer_errors      = module.consumer.cloudwatch_metric_alarm_arn
    delivery_lag         = module.consumer.cloudwatch_metric_alarm_arns.delivery_lag
    signature_rejections = module.consumer.cloudwatch_metric_alarm_arns.signature_rejections
    authorizer_denials   = local.create_alarms && var.alarms.authorizer_denial_alarm_threshold != null ? { for name, auth in module.auth : name => auth.cloudwatch_metric_alarm_arn } : {}
  })
}

output "cloudwatch_dashboard_arn" {
  description = "ARN of the CloudWatch dashboard (null with create_dashboard = false)."
  value       = try(aws_cloudwatch_dashboard.this[0].dashboard_arn, null)
}

################################################################################
# Sources
################################################################################

output "source_urls" {
  description = "URL of each source's route, by source name (default without sources). A token source's senders add ?token=<the token in its secret>."
  value       = module.api.apigatewayv2_route_urls
}

output "source_secret_arns" {
  description = "ARN of the secret holding each source's credentials (basic) or token (token), by source name."
  value       = { for name, auth in module.auth : name => auth.secretsmanager_secret_arn }
}

output "source_signing_secret_arns" {
  description = "Signing secret ARN of each signed source (created empty unless brought): put the sender's signing secret into it, see README, Connecting senders."
  value       = module.consumer.secretsmanager_secret_arns
}

output "source_handshake_secret_arns" {
  description = "The secret each handshake source's edge function answers with, by source name: a verify token (meta; created empty unless handshake.secret_arn is given: put the token you give the sender) or the source's signing secret (zoom, x). Sources whose preset needs no secret are absent."
  value       = module.front.handshake_secret_arns
}

################################################################################
# Payload bucket and claim-check front function
################################################################################

output "s3_bucket_id" {
  description = "Name of the payload bucket (claim checks, raw archive, large item bodies); null when no source needs it."
  value       = module.storage.s3_bucket_id
}

output "s3_bucket_arn" {
  description = "ARN of the payload bucket; null when no source needs it."
  value       = module.storage.s3_bucket_arn
}

output "front_lambda_function_name" {
  description = "Name of the claim-check front function; null without claim-check sources."
  value       = length(local.edge_sources) > 0 ? module.front.lambda_function_name : null
}

output "cloudwatch_event_bus_arn" {
  description = "ARN of the EventBridge bus every stored event is published to (fan_out: the brought bus or the one created); null without fan_out."
  value       = module.event_bus.cloudwatch_event_bus_arn
}

output "cloudwatch_event_bus_name" {
  description = "Name of that bus: the one EventBridge rules routing the events name; null without fan_out."
  value       = module.event_bus.cloudwatch_event_bus_name
}

output "apigatewayv2_domain_name_target_domain_name" {
  description = "With a custom domain (domain): the API Gateway target your DNS record points to (alias or CNAME), when the module does not create it (domain.route53_zone_id); null without a domain."
  value       = module.api.apigatewayv2_domain_name_target_domain_name
}

output "apigatewayv2_domain_name_hosted_zone_id" {
  description = "With a custom domain: the hosted zone of that target, for an alias record; null without a domain."
  value       = module.api.apigatewayv2_domain_name_hosted_zone_id
}

output "route53_record_fqdn" {
  description = "The alias record created for the custom domain in domain.route53_zone_id; null when none was asked."
  value       = module.api.route53_record_fqdn
}

output "apigatewayv2_api_base_url" {
  description = "Where senders reach the API: https://<domain>[/<base path>] with a custom domain, else the execute-api address. Every route URL starts with it."
  value       = module.api.apigatewayv2_api_base_url
}
