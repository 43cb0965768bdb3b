# The front function's least privilege, planned against moto.

variables {
  name      = "unit-front"
  queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/unit-front"
  queue_arn = "arn:aws:sqs:us-east-1:123456789012:unit-front"
  routes = {
    "POST /hooks/github" = { source = "github", headers = ["x-hub-signature-256", "x-github-delivery"] }
    "POST /hooks/big"    = { source = "big", headers = [] }
  }
  bucket_name       = "unit-payloads"
  bucket_arn        = "arn:aws:s3:::unit-payloads"
  api_execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abc123"
  # The root's front defaults, with its log retention (modules/_function validates them).
  function = { architecture = "arm64", memory_size = 512, timeout_seconds = 15, log_retention_in_days = 365 }
}

provider "aws" {
  allowed_account_ids = ["123456789012"]
}

run "puts_claims_of_its_sources_and_sends_to_its_queue_only" {
  command = plan

  assert {
    condition = jsonencode({
      for statement in module.function.iam_role_policy_statements : statement.sid => [sort(statement.actions), sort(statement.resources)]
      if contains(["PutClaims", "SendPointers"], statement.sid)
      }) == jsonencode({
      PutClaims    = [["s3:PutObject"], ["arn:aws:s3:::unit-payloads/claims/big/*", "arn:aws:s3:::unit-payloads/claims/github/*"]]
      SendPointers = [["sqs:SendMessage"], [var.queue_arn]]
    })
    error_message = "The front function may only put claims under its sources' prefixes and send to its queue."
  }

  assert {
    condition     = length([for statement in module.function.iam_role_policy_statements : statement if anytrue([for action in statement.actions : startswith(action, "s3:") && action != "s3:PutObject"])]) == 0
    error_message = "The front function can neither read, list nor delete objects."
  }

  assert {
    condition     = aws_lambda_permission.api[0].source_arn == "${var.api_execution_arn}/*/*" && aws_lambda_permission.api[0].principal == "apigateway.amazonaws.com"
    error_message = "Only this API may invoke the front function."
  }

  assert {
    condition     = output.routes["POST /hooks/github"].headers[1] == "x-github-delivery"
    error_message = "The function knows each route's source and the headers it keeps."
  }

  assert {
    condition     = length([for statement in module.function.iam_role_policy_statements : statement if anytrue([for action in statement.actions : startswith(action, "kms:")])]) == 0
    error_message = "An SSE-S3 bucket and no module key: the function gets no KMS statement at all."
  }

  assert {
    condition     = module.function.lambda_function.memory_size == 512
    error_message = "The front function gets 512 MB by default: a 6 MB body is held several times over."
  }
}

run "a_bucket_encrypted_with_its_own_key_gets_a_data_key_for_claims_only" {
  command = plan

  variables {
    bucket_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"
  }

  assert {
    # kms:GenerateDataKey is what one PutObject to an SSE-KMS bucket needs; S3
    # names the object in the encryption context, or the bucket with Bucket Keys.
    condition = jsonencode([for s in module.function.iam_role_policy_statements : [s.sid, sort(s.actions), sort(s.resources), sort([for c in s.condition : "${c.test} ${c.variable} ${join(",", sort(c.values))}"])] if anytrue([for action in s.actions : startswith(action, "kms:")])]) == jsonencode([
      ["EncryptClaims", ["kms:GenerateDataKey"], ["arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"], [
        "StringEquals kms:ViaService s3.us-east-1.amazonaws.com",
        "StringLike kms:EncryptionContext:aws:s3:arn arn:aws:s3:::unit-payloads,arn:aws:s3:::unit-payloads/claims/big/*,arn:aws:s3:::unit-payloads/claims/github/*",
      ]],
    ])
    error_message = "The bucket's key: a data key through S3, for the function's claims only, and no kms:Decrypt."
  }
}

run "the_function_reads_its_routes_compressed" {
  command = plan

  assert {
    condition     = module.function.lambda_function.environment[0].variables.ROUTES == base64gzip(jsonencode(output.routes))
    error_message = "ROUTES is the routes' JSON, gzipped and base64-encoded: Lambda's environment holds 4 KB in all."
  }
}

run "checking_a_signature_at_the_edge_reads_only_that_secret" {
  command = plan

  variables {
    routes = {
      "POST /hooks/stripe" = {
        source  = "stripe"
        headers = ["stripe-signature"]
        signature = {
          scheme     = "stripe"
          secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-signing-AbCdEf"
        }
      }
    }
    signing_secret_kms_key_arns = ["arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"]
  }

  assert {
    condition = jsonencode([for statement in module.function.iam_role_policy_statements : [statement.actions, statement.resources] if statement.sid == "ReadSigningSecrets"]) == jsonencode([
      [["secretsmanager:GetSecretValue"], ["arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-signing-AbCdEf"]]
    ])
    error_message = "The front function may read the signing secret of the route it checks, and no other."
  }

  assert {
    condition     = output.routes["POST /hooks/stripe"].signature.scheme == "stripe" && module.function.lambda_function.environment[0].variables.SIGNING_SECRET_CACHE_TTL_SECONDS == "300"
    error_message = "The route's signature rule and the secret cache settings reach the function."
  }
}

run "a_public_key_route_brings_the_layer" {
  command = plan

  variables {
    routes = {
      "POST /hooks/discord" = {
        source    = "discord"
        headers   = ["x-signature-ed25519", "x-signature-timestamp"]
        signature = { scheme = "discord", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:discord-AbCdEf" }
        handshake = { preset = "discord" }
      }
    }
  }

  assert {
    condition     = length(module.public_key_layer.lambda_layer_version_arns) == 1 && module.public_key_layer.lambda_layer_version_compatible_architectures == toset(["arm64"])
    error_message = "The edge function checking a discord signature carries the public-key layer of its architecture (arm64 by default)."
  }
}

run "no_signature_no_secret_access" {
  command = plan

  assert {
    condition     = length([for statement in module.function.iam_role_policy_statements : statement if statement.sid == "ReadSigningSecrets"]) == 0
    error_message = "Without a signature checked at the edge, the function reads no secret."
  }
}

run "an_edge_without_claim_checks_touches_no_bucket" {
  command = plan

  variables {
    routes = {
      "POST /hooks/github" = { source = "github", headers = ["x-hub-signature-256"], delivery = "direct" }
    }
    bucket_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"
  }

  assert {
    condition     = jsonencode(sort([for statement in module.function.iam_role_policy_statements : statement.sid if !contains(["WriteOwnLogs", "Tracing"], statement.sid)])) == jsonencode(["SendPointers"])
    error_message = "A direct edge route only sends to its queue: no claims, no bucket key."
  }

  assert {
    condition = (
      !can(module.function.lambda_function.environment[0].variables.PAYLOAD_BUCKET) &&
      output.routes["POST /hooks/github"].delivery == "direct" &&
      module.function.lambda_function.environment[0].variables.MAX_MESSAGE_BYTES == "262144" &&
      module.function.lambda_function.environment[0].variables.METRICS_NAMESPACE == "WebhookIngest/unit-front"
    )
    error_message = "The function learns each route's delivery, the queue's message limit and its metrics namespace; no bucket without claim checks."
  }
}

run "handshakes_read_their_secret_and_only_asana_may_write_one" {
  command = plan

  variables {
    routes = {
      "POST /hooks/meta" = { source = "meta", headers = ["x-hub-signature-256"], delivery = "direct", handshake = { preset = "meta" } }
      "GET /hooks/meta"  = { source = "meta", headers = ["x-hub-signature-256"], delivery = "direct", handshake = { preset = "meta" } }
      "POST /hooks/asana" = {
        source    = "asana"
        headers   = ["x-hook-signature"]
        delivery  = "direct"
        signature = { scheme = "hmac", header = "x-hook-signature", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:asana-signing-AbCdEf" }
        handshake = { preset = "asana" }
      }
      "POST /hooks/twilio" = { source = "twilio", headers = [], delivery = "direct", steps = { response = jsonencode({ status = 200, content_type = "text/xml", body = "<Response/>" }) } }
    }
  }

  assert {
    condition     = keys(aws_secretsmanager_secret.handshake) == ["meta"] && aws_secretsmanager_secret.handshake["meta"].name == "unit-front-meta-handshake"
    error_message = "Meta's verify token gets a secret of its own, created empty, once for its two routes."
  }

  assert {
    condition = jsonencode([for statement in module.function.iam_role_policy_statements : [statement.sid, statement.actions] if startswith(statement.sid, "ReadSigning") || startswith(statement.sid, "StoreLearned")]) == jsonencode([
      ["ReadSigningSecrets", ["secretsmanager:GetSecretValue"]],
      ["StoreLearnedSecrets", ["secretsmanager:PutSecretValue"]],
    ]) && jsonencode([for statement in module.function.iam_role_policy_statements : statement.resources if statement.sid == "StoreLearnedSecrets"]) == jsonencode([["arn:aws:secretsmanager:us-east-1:123456789012:secret:asana-signing-AbCdEf"]])
    error_message = "The function reads the secrets its handshakes answer with, and may write only Asana's (its handshake sets the signing secret)."
  }


  assert {
    condition     = keys(output.handshake_secret_arns) == ["meta"] && jsonencode(output.route_headers["meta"]) == jsonencode(["x-hub-signature-256"])
    error_message = "One entry per source, whatever its number of routes; only a preset that answers with a secret has one (asana's is the signing secret it sets)."
  }
}

run "handshakes_and_fixed_responses_reach_the_function" {
  command = plan

  variables {
    routes = {
      "POST /hooks/meta"   = { source = "meta", headers = [], delivery = "direct", handshake = { preset = "meta", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:meta-verify-AbCdEf" } }
      "GET /hooks/meta"    = { source = "meta", headers = [], delivery = "direct", handshake = { preset = "meta", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:meta-verify-AbCdEf" } }
      "POST /hooks/slack"  = { source = "slack", headers = [], delivery = "direct", handshake = { preset = "slack" } }
      "POST /hooks/twilio" = { source = "twilio", headers = [], delivery = "direct", steps = { response = jsonencode({ status = 200, content_type = "text/xml", body = "<Response/>" }) } }
    }
  }

  assert {
    condition = (
      output.routes["GET /hooks/meta"].handshake == { preset = "meta", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:meta-verify-AbCdEf" } &&
      output.routes["POST /hooks/slack"].handshake == { preset = "slack" } &&
      output.routes["POST /hooks/twilio"].response == { status = 200, content_type = "text/xml", body = "<Response/>" } &&
      !can(output.routes["POST /hooks/twilio"].handshake)
    )
    error_message = "Each route's handshake (with the secret it answers with, when its preset has one) and fixed response reach the function, nulls left out."
  }

  assert {
    condition     = length(aws_secretsmanager_secret.handshake) == 0 && jsonencode([for statement in module.function.iam_role_policy_statements : statement.resources if statement.sid == "ReadSigningSecrets"]) == jsonencode([["arn:aws:secretsmanager:us-east-1:123456789012:secret:meta-verify-AbCdEf"]])
    error_message = "A brought verify token is read, once for both routes, and no secret is created."
  }
}

run "an_unknown_handshake_is_refused" {
  command = plan

  variables {
    routes = {
      "POST /hooks/x" = { source = "x", headers = [], delivery = "direct", handshake = { preset = "carrier-pigeon" } }
    }
  }

  expect_failures = [var.routes]
}

# An edge step is its module, functions/front/edge_step_<setting>.py: a setting no module reads
# (or a core route setting passed as a step) is refused at plan, not at the function's cold start.
run "a_step_without_its_module_is_refused" {
  command = plan

  variables {
    routes = {
      "POST /hooks/x" = { source = "x", headers = [], delivery = "direct", steps = { signature = jsonencode({ scheme = "github" }) } }
    }
  }

  expect_failures = [var.routes]
}

run "a_signed_meta_source_reads_its_verify_token_and_its_signing_secret" {
  command = plan

  variables {
    routes = {
      "POST /hooks/meta" = {
        source    = "meta"
        headers   = ["x-hub-signature-256"]
        delivery  = "direct"
        signature = { scheme = "hmac", header = "x-hub-signature-256", prefix = "sha256=", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:meta-signing-AbCdEf" }
        handshake = { preset = "meta", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:meta-verify-AbCdEf" }
      }
      "POST /hooks/zoom" = {
        source    = "zoom"
        headers   = ["x-zm-signature", "x-zm-request-timestamp"]
        delivery  = "direct"
        signature = { scheme = "hmac", header = "x-zm-signature", prefix = "v0=", signed_content = "v0:{timestamp}:{body}", timestamp_header = "x-zm-request-timestamp", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:zoom-signing-AbCdEf" }
        handshake = { preset = "zoom" }
      }
    }
  }

  assert {
    condition = jsonencode([for statement in module.function.iam_role_policy_statements : sort(statement.resources) if statement.sid == "ReadSigningSecrets"]) == jsonencode([[
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:meta-signing-AbCdEf",
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:meta-verify-AbCdEf",
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:zoom-signing-AbCdEf",
    ]])
    error_message = "Meta's verify token is another secret than its signing secret: both are read; Zoom answers with its signing secret, read once."
  }

  assert {
    condition     = output.routes["POST /hooks/zoom"].handshake == { preset = "zoom" }
    error_message = "Zoom's handshake reads the signing secret through the route's signature rule (a rotation list answers with its newest entry)."
  }
}
