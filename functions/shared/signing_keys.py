"""Which keys a signing secret holds (parse_signing_secrets): the provider's secret as shown, a
rotation list of them, or one shared secret per tenant; each key in the form its scheme signs with.

Split from signature_rules.py (the schemes as settings). signatures.py re-exports what the
consumer and the edge use (parse_signing_secrets, rotation_list, signing_key, SECRET_PADDING,
MAX_SECRETS); connect_tokens.py takes tenant_key from here.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from contract import SIGNATURES

from cached_secret import InvalidSecret
from signature_rules import PUBLIC_KEY_SCHEMES, TENANT_SCHEMES, SignatureRule

MAX_SECRETS = 10
# What is taken off a secret and each entry of a rotation list: ASCII whitespace
# (space, tab, CR, LF, VT, FF) at either end, what `echo`, a copied line or a
# pasted indent adds. No sender issues a secret that begins or ends with it.
SECRET_PADDING = " \t\r\n\v\f"  # noqa: S105 (characters, not a password)


def parse_signing_secrets(rule: SignatureRule, secret_string: str) -> tuple[bytes, ...]:
    """The HMAC keys in a secret: the provider's signing secret as shown, or, during a
    rotation, a JSON array of 1-10 of them.

    Exactly one thing is stripped: ASCII whitespace (SECRET_PADDING) at both ends
    of the value and of each entry of a rotation list; whitespace inside a secret
    is kept. Only a value that parses as a JSON array whose entries are all
    non-empty strings (after stripping) is a rotation list; any other value,
    including one that starts with "[" ("[abc", "[]", "[1]", '[""]'), is the
    literal secret. A value that is empty or only whitespace is refused
    (InvalidSecret: the messages wait, they are not forgeries), as is a rotation
    list of more than 10 secrets.

    Standard Webhooks and Svix secrets (whsec_<base64>) key with their decoded
    bytes; every other scheme keys with the text's UTF-8 bytes (Stripe's whsec_ included).
    """
    text = secret_string.strip(SECRET_PADDING) if isinstance(secret_string, str) else ""
    if rule.scheme in TENANT_SCHEMES:
        return tenant_keys(rule.scheme, text)
    secrets = rotation_list(text)
    if secrets is None:
        if not text:
            raise InvalidSecret("the signing secret is empty: put the provider's signing secret into it")
        secrets = [text]
    if len(secrets) > MAX_SECRETS:
        raise InvalidSecret(f"a rotation list holds at most {MAX_SECRETS} signing secrets")
    return tuple(signing_key(rule, secret) for secret in secrets)


# A tenant's key is "<tenant>" TENANT_SEPARATOR "<secret>": a tenant name never holds the separator.
TENANT_SEPARATOR = b"\n"


# Names a tenant never has: the fields of Connect's installed payload (developer.atlassian.com,
# "Lifecycle"), and the credentials of the module's other secrets. A secret holding such a document
# (the payload stored as it came, a Basic secret named by mistake) is refused, not read as tenants
# whose public values would be keys (iss "eventType", key "installed").
NOT_TENANTS = frozenset(
    {"key", "clientKey", "publicKey", "oauthClientId", "sharedSecret", "serverVersion", "pluginsVersion", "baseUrl"}
    | {"displayUrl", "displayUrlServicedeskHelpCenter", "productType", "description", "serviceEntitlementNumber"}
    | {"entitlementId", "entitlementNumber", "eventType", "cloudId", "installationId"}
    | {"username", "password", "token", "tokens", "credentials"}
)


def tenant_keys(scheme: str, text: str) -> tuple[bytes, ...]:
    """A secret of one shared secret per tenant, {"<tenant>": "<secret>", ...} (jira-connect: each
    installation's clientKey and sharedSecret): one key each, its tenant first (tenant_key finds it).
    A shared secret is at least min_secret_length characters (Atlassian's are longer; HS256 wants 256
    bits). Anything else waits as InvalidSecret, never shown in the error."""
    facts = SIGNATURES["schemes"][scheme]["tenant_jwt"]
    tenant = re.compile(facts["tenant"])
    try:
        parsed = json.loads(text) if text else None
    except (ValueError, RecursionError):
        parsed = None
    if not isinstance(parsed, dict) or not parsed:
        raise InvalidSecret('the secret holds {"<clientKey>": "<sharedSecret>", ...}: one entry per installation of the app')
    keys = []
    for name, value in parsed.items():
        if not tenant.fullmatch(name) or name in NOT_TENANTS or not isinstance(value, str):
            raise InvalidSecret(
                "each entry is an installation's clientKey (letters, digits, ':', '.', '_', '-') and its sharedSecret"
            )
        secret = value.strip(SECRET_PADDING)
        if len(secret) < facts["min_secret_length"]:
            raise InvalidSecret(f"a sharedSecret is at least {facts['min_secret_length']} characters")
        try:
            keys.append(name.encode("ascii") + TENANT_SEPARATOR + secret.encode("utf-8"))
        except UnicodeEncodeError as error:  # a lone surrogate from a JSON escape
            raise InvalidSecret("a sharedSecret is not valid text") from error
    return tuple(keys)


def tenant_key(keys: tuple[bytes, ...], tenant: str) -> bytes | None:
    """The key of `tenant` among tenant_keys' keys; None when the secret has no entry for it."""
    prefix = tenant.encode("utf-8", "replace") + TENANT_SEPARATOR
    for key in keys:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return None


def rotation_list(text: str) -> list[str] | None:
    """The stripped secrets of a JSON array of non-empty strings; None for any other text (a literal secret)."""
    if not text.startswith("["):
        return None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(parsed, list) or not parsed or not all(isinstance(entry, str) for entry in parsed):
        return None
    entries = [entry.strip(SECRET_PADDING) for entry in parsed]
    return entries if all(entries) else None


def signing_key(rule: SignatureRule, secret: str) -> bytes:
    if rule.scheme in PUBLIC_KEY_SCHEMES:
        # Imported here: cryptography is in the layer that only public-key sources' functions carry.
        from public_keys import secret_key

        return secret_key(rule.scheme, secret)
    if SIGNATURES["schemes"].get(rule.scheme, {}).get("secret_encoding") == "hex":  # Adyen's HMAC key
        try:
            return bytes.fromhex(secret)
        except ValueError as error:
            raise InvalidSecret("the HMAC key is hex, as the sender shows it") from error
    if rule.scheme not in ("standard-webhooks", "svix"):
        try:
            return secret.encode("utf-8")
        except UnicodeEncodeError as error:  # a lone surrogate from a JSON escape
            raise InvalidSecret("the signing secret is not valid text") from error
    encoded = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidSecret("a Standard Webhooks secret is whsec_ followed by base64") from error
