"""The API's custom domain, served locally: its base path, and mutual TLS with its truststore.

API Gateway serves a custom domain over HTTPS with the domain's ACM certificate;
locally the runner serves it on its own 127.0.0.1 port with a self-signed
certificate for the domain name (a client trusts `server_ca_pem`). The mapping's
base path is stripped before routing, as API Gateway does; a path outside it is
404. With mutual TLS, a client must present a certificate issued by a CA of the
truststore the domain names (read from the emulator's S3, at its version).

What API Gateway does with a client that presents no certificate, or an untrusted
one, is not documented beyond "403 Forbidden" in a troubleshooting article that
also speaks of the TLS connection failing. Both are refusals; the runner plays
either (LOCAL_RUNNER_MTLS_REFUSAL or `refusal`): "handshake" (the TLS handshake
fails: the default) or "forbidden" (a client without a certificate completes the
handshake and is answered 403 {"message": "Forbidden"}). In both modes a
certificate the truststore did not issue fails the handshake: Python's TLS checks
any certificate offered, so the runner cannot answer that case 403, which AWS's
article names. Tests run both modes.
"""

from __future__ import annotations

import datetime
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REFUSALS = ("handshake", "forbidden")
FORBIDDEN = (403, {"message": "Forbidden"})


@dataclass(frozen=True)
class CustomDomain:
    name: str
    base_path: str | None  # the mapping key; None maps the domain's root
    truststore_pem: bytes | None  # mutual TLS: the CAs whose client certificates are accepted


def read_domain(apigw: Any, s3: Any, api_id: str) -> CustomDomain | None:
    """The custom domain mapped to the API (the first, by name), with its truststore; None without one."""
    for domain in sorted(apigw.get_domain_names().get("Items", []), key=lambda d: d["DomainName"]):
        mappings = apigw.get_api_mappings(DomainName=domain["DomainName"]).get("Items", [])
        mapping = next((m for m in mappings if m["ApiId"] == api_id), None)
        if mapping is None:
            continue
        truststore = None
        mutual_tls = domain.get("MutualTlsAuthentication") or {}
        if mutual_tls.get("TruststoreUri"):
            bucket, _, key = mutual_tls["TruststoreUri"].removeprefix("s3://").partition("/")
            version = {"VersionId": mutual_tls["TruststoreVersion"]} if mutual_tls.get("TruststoreVersion") else {}
            truststore = s3.get_object(Bucket=bucket, Key=key, **version)["Body"].read()
        return CustomDomain(domain["DomainName"], mapping.get("ApiMappingKey") or None, truststore)
    return None


def refusal_mode(refusal: str | None = None) -> str:
    mode = refusal or os.environ.get("LOCAL_RUNNER_MTLS_REFUSAL") or "handshake"
    if mode not in REFUSALS:
        raise ValueError(f"mutual TLS refusal must be one of {REFUSALS}, got {mode!r}")
    return mode


def mapped_path(domain: CustomDomain, path: str) -> str | None:
    """The API's path for a request to the domain: without the base path; None outside it."""
    if domain.base_path is None:
        return path
    prefix = "/" + domain.base_path
    if path == prefix:
        return "/"
    return path[len(prefix) :] if path.startswith(prefix + "/") else None


def server_context(domain: CustomDomain, refusal: str) -> tuple[ssl.SSLContext, bytes]:
    """The TLS context of the domain's listener, and the PEM of its self-signed certificate (for clients)."""
    certificate_pem, key_pem = self_signed(domain.name)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # the domain's security policy, TLS_1_2
    with tempfile.TemporaryDirectory() as work:
        certificate, key = Path(work) / "cert.pem", Path(work) / "key.pem"
        certificate.write_bytes(certificate_pem)
        key.write_bytes(key_pem)
        context.load_cert_chain(certificate, key)
        if domain.truststore_pem is not None:
            # A file, not cadata: a bundle may hold text around its PEM blocks (comments, any charset).
            truststore = Path(work) / "truststore.pem"
            truststore.write_bytes(domain.truststore_pem)
            context.load_verify_locations(cafile=truststore)
            context.verify_mode = ssl.CERT_REQUIRED if refusal == "handshake" else ssl.CERT_OPTIONAL
    return context, certificate_pem


def self_signed(name: str) -> tuple[bytes, bytes]:
    """A certificate for `name` and its key, PEM: what ACM's certificate is for the real domain."""
    from cryptography import x509  # a dev dependency: the runner, not the functions, uses it
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem
