# The local profile with several sources on one deployment: an internal sender
# with HTTP Basic on today's /submit, Stripe with a URL token keyed by the
# body's /id, and GitHub with a URL token keyed by its X-GitHub-Delivery header;
# then one signed source per signature scheme, open (auth = none) and verified
# at the edge and by the consumer, each with the secret the module creates
# empty; senders by name with their handshakes (Slack, Meta, Zoom, X, Dropbox,
# Twitch, Asana, Microsoft Graph, Okta) and a fixed response (Twilio); every stored event fanned out to
# an EventBridge bus (first write wins, so a repeat is stored and published once).
# Used by the end-to-end tests; try it with make local CONFIG=examples/local-sources.
# The emulator settings are examples/local's, each explained there.

provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["123456789012"]
}

module "webhook_ingest" {
  source = "../.."

  name = var.name

  sources = {
    orders = { auth = "basic", route_key = "POST /submit" }
    # detail_type: each stored event's detail-type on the fan-out bus, from the body or a header.
    stripe = { auth = "token", event_key = "/id", detail_type = "/type" }
    github = { auth = "token", event_key = "x-github-delivery", detail_type = "x-github-event" }
    # Bodies up to about 6 MB: kept in S3 by the front function, a pointer queued; archived for replay.
    large = { auth = "token", delivery = "claim-check", archive = true }
    # Stripe through the front function, which checks the signature itself (401 on failure).
    edge-stripe = { auth = "none", event_key = "/id", delivery = "claim-check", verify_at_edge = true, signature = { scheme = "stripe" } }

    signed-stripe = { auth = "none", event_key = "/id", signature = { scheme = "stripe" } }
    signed-github = { auth = "none", event_key = "x-github-delivery", signature = { scheme = "github" } }
    webhooks      = { auth = "none", event_key = "webhook-id", signature = { scheme = "standard-webhooks" } }
    svix          = { auth = "none", event_key = "svix-id", signature = { scheme = "svix" } }
    # Slack's Events API: its url_verification handshake is answered by the edge function once signed.
    slack = { auth = "none", event_key = "/event_id", signature = { scheme = "slack" }, handshake = { preset = "slack" } }
    # Meta: GET hub.* verification with a verify token of its own (an empty secret created here).
    meta = { auth = "none", event_key = "/entry/0/id", signature = { scheme = "hmac", header = "x-hub-signature-256", prefix = "sha256=" }, handshake = { preset = "meta" } }
    # Senders by name (signature.scheme) with the handshake each answers before it delivers.
    zoom    = { auth = "none", event_key = "@signed-content", signature = { scheme = "zoom" }, handshake = { preset = "zoom" } }
    x       = { auth = "none", event_key = "@signed-content", signature = { scheme = "x" }, handshake = { preset = "x" } }
    dropbox = { auth = "none", event_key = "@signed-content", signature = { scheme = "dropbox" }, handshake = { preset = "dropbox" } }
    twitch  = { auth = "none", event_key = "twitch-eventsub-message-id", signature = { scheme = "twitch" }, handshake = { preset = "twitch" } }
    # Square signs the URL it was given with the body: the source's own URL (source_urls.square) by default.
    square = { auth = "none", event_key = "/event_id", signature = { scheme = "square" } }
    # Public keys (the functions serving them carry the public-key layer): Discord's PING is answered
    # once its Ed25519 signature verifies; SendGrid posts a JSON array, kept raw.
    discord  = { auth = "none", event_key = "/id", signature = { scheme = "discord" }, handshake = { preset = "discord" } }
    sendgrid = { auth = "none", event_key = "@signed-content", body = "raw", signature = { scheme = "sendgrid" } }
    # PayPal: four signed headers, so its delivery (left unset) is a claim check; the secret holds the webhook ID.
    paypal = { auth = "none", event_key = "/id", signature = { scheme = "paypal" } }
    # Plaid: an ES256 token whose key is asked of Plaid's API with the credentials in the secret.
    plaid = { auth = "none", event_key = "@signed-content", signature = { scheme = "plaid" } }
    # A Jira Connect app: its JWT binds the URL (source_urls.jira by default) and names the installation
    # whose shared secret signs it; the secret holds {"<clientKey>": "<sharedSecret>"}.
    jira = { auth = "none", event_key = "x-atlassian-webhook-identifier", signature = { scheme = "jira-connect" } }
    # Signatures in the body: Mailgun's signature object, Adyen's HMAC in each item (answered [accepted]).
    mailgun = { auth = "none", event_key = "/signature/token", signature = { scheme = "mailgun" } }
    adyen   = { auth = "none", event_key = "/notificationItems/0/NotificationRequestItem/pspReference", signature = { scheme = "adyen" }, response = { body = "[accepted]" } }
    # Asana's handshake sets the signing secret (created empty here): connect Asana right after deploying.
    asana = { auth = "none", event_key = "@signed-content", signature = { scheme = "asana" }, handshake = { preset = "asana" } }
    # Notion's subscription verification sets it likewise (its verification_token); paste it into Notion's Verify.
    notion = { auth = "none", event_key = "/id", signature = { scheme = "notion" }, handshake = { preset = "notion" } }
    # Senders without signatures: a URL token (Graph appends validationToken to the URL it is given) and Basic (Okta).
    graph = { auth = "token", event_key = "/value/0/resourceData/id", handshake = { preset = "microsoft-graph" } }
    okta  = { auth = "basic", handshake = { preset = "okta" } }
    # GitLab's secret token in its own header (X-Gitlab-Token): out of URLs and access logs.
    gitlab = { auth = "token", token_header = "x-gitlab-token", event_key = "idempotency-key" }
    # Twilio reads the answer's body: an empty TwiML document once the message is queued.
    twilio = { auth = "token", event_key = "i-twilio-idempotency-token", body = "raw", response = { content_type = "text/xml", body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>" } }
    # A custom sender signing a form-encoded body: stored raw, keyed by its delivery header.
    custom = {
      auth      = "none"
      event_key = "x-delivery"
      body      = "raw"
      signature = {
        scheme           = "hmac"
        header           = "x-signature"
        algorithm        = "sha512"
        encoding         = "base64"
        prefix           = "sha512="
        signed_content   = "{id}.{timestamp}.{body}"
        timestamp_header = "x-timestamp"
        id_header        = "x-delivery"
      }
    }
  }

  payloads = { force_destroy = true }
  alarms   = { signature_rejection_alarm_threshold = 5 }
  api      = { authorizer_result_ttl_in_seconds = 300 }
  auth     = { secret_recovery_window_in_days = 0 }
  queue    = { redrive_allow_policy_enabled = false }
  # First write wins: a sender's repeat is a duplicate, stored and published once.
  consumer = { event_source_mapping_enabled = false, timeout_seconds = var.consumer_timeout_seconds, write_mode = "first-write-wins" }
  # Every stored event published once to a bus created here (README, Fan-out).
  fan_out = {}

  # Optional: a custom domain on /hooks, with mutual TLS when a truststore is given; the local
  # runner serves it over TLS on a port of its own (scripts/local_runner/custom_domain.py). The
  # execute-api address stays open here, for the tests that use it (in production leave the
  # default: closed with mutual TLS). moto checks no certificate, so any ACM ARN does.
  domain = var.domain_name == null ? null : {
    name                         = var.domain_name
    certificate_arn              = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    base_path                    = "hooks"
    disable_execute_api_endpoint = false
    mutual_tls                   = var.truststore_uri == null ? null : { truststore_uri = var.truststore_uri }
  }
  table = { deletion_protection_enabled = false }
}
