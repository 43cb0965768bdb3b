"""A handshake's own secret (Meta's verify token) is cached like the signing secrets:
a transient Secrets Manager failure keeps the cached value for
SIGNING_SECRET_MAX_STALENESS_SECONDS, after which the handshake cannot be answered."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from edge_handshakes import HandshakeSecrets

from cached_secret import SecretUnavailable


def throttled() -> str:
    raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "GetSecretValue")


@pytest.mark.parametrize(("staleness", "served"), [("600", True), ("0", False)])
def test_a_transient_failure_keeps_the_verify_token_only_within_the_configured_staleness(staleness, served):
    answers = iter([lambda: "verify-token", throttled])

    def fetcher(arn: str):
        def fetch() -> str:
            return next(answers)()

        return fetch

    environ = {"SIGNING_SECRET_CACHE_TTL_SECONDS": "0", "SIGNING_SECRET_MAX_STALENESS_SECONDS": staleness}
    secrets = HandshakeSecrets(environ, fetcher=fetcher)
    assert secrets.secret("arn:meta") == "verify-token"
    if served:
        assert secrets.secret("arn:meta") == "verify-token"
    else:
        with pytest.raises(SecretUnavailable):
            secrets.secret("arn:meta")
