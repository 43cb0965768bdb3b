"""The local runner's custom domain (scripts/local_runner/custom_domain.py), without a stack:
the base path, the execute-api address closed, the refusal modes, and a listener refusing a
client without a certificate in each mode."""

from __future__ import annotations

import http.client
import json
import ssl

import pytest
from sources_stack import client_identity

from local_runner.custom_domain import CustomDomain, mapped_path, refusal_mode
from local_runner.front_door import FrontDoor


def front_door(api: dict) -> FrontDoor:
    return FrontDoor(api, [], {}, None, "123456789012")


@pytest.mark.parametrize(
    ("base_path", "path", "expected"),
    [
        ("hooks", "/hooks/submit", "/submit"),
        ("hooks", "/hooks", "/"),
        ("hooks", "/hooksx/submit", None),
        ("hooks", "/submit", None),
        ("v1/hooks", "/v1/hooks/github", "/github"),
        (None, "/submit", "/submit"),
    ],
)
def test_the_base_path_is_stripped_and_a_path_outside_it_is_none(base_path, path, expected):
    assert mapped_path(CustomDomain("hooks.example.test", base_path, None), path) == expected


def test_the_execute_api_address_is_403_when_the_api_disables_it():
    assert front_door({"DisableExecuteApiEndpoint": True}).at_the_door(None, "/submit", False) == (
        403,
        {"message": "Forbidden"},
    )
    assert front_door({"DisableExecuteApiEndpoint": False}).at_the_door(None, "/submit", False) == "/submit"


def test_a_wrong_refusal_mode_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("LOCAL_RUNNER_MTLS_REFUSAL", "forbidden")
    assert refusal_mode() == "forbidden" and refusal_mode("handshake") == "handshake"
    with pytest.raises(ValueError, match="handshake"):
        refusal_mode("drop")


@pytest.mark.parametrize("refusal", ["handshake", "forbidden"])
def test_a_listener_with_mutual_tls_refuses_a_client_without_a_certificate(tmp_path, refusal):
    ca_pem, client_pem = client_identity(tmp_path, "trusted")
    door = front_door({})
    url = door.serve(0, CustomDomain("hooks.example.test", "hooks", ca_pem), refusal)
    port = int(url.rsplit(":", 1)[1])

    def status(with_certificate: bool) -> int | str:
        context = ssl.create_default_context(cadata=door.server_certificate_pem.decode())
        context.check_hostname = False
        if with_certificate:
            context.load_cert_chain(client_pem)
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
        try:
            connection.request("POST", "/hooks/submit", json.dumps({}))
            return connection.getresponse().status
        except ssl.SSLCertVerificationError:
            raise  # the client refused the server: not what is tested
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
            return "handshake refused"
        finally:
            connection.close()

    try:
        assert status(False) == ("handshake refused" if refusal == "handshake" else 403)
        assert status(True) == 404  # let in: no route is deployed on this bare door
    finally:
        door.stop()
