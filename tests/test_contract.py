"""functions/shared/contract.json: the facts the Terraform and the functions share, written once.

Terraform reads the file with jsondecode(file(...)), the functions through
contract.py (scripts/build.py ships it into each package that imports it). These
tests prove that both languages read the same facts (terraform console against
the Python modules' names), that the schemes, tolerance bounds, algorithms and
encodings the contract lists are exactly what the consumer module accepts, that
the literal defaults Terraform's type system forces us to repeat still equal
the contract, and that no second copy of a fact creeps back into either language.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
from pathlib import Path

import pytest

from tfsetup import terraform_env

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = json.loads((ROOT / "functions" / "shared" / "contract.json").read_text())
SIGNATURES = CONTRACT["signatures"]
ATTRIBUTES = CONTRACT["message_attributes"]
PRESETS = [name for name in SIGNATURES["presets"] if not name.startswith("_")]
ALL_SCHEMES = [*SIGNATURES["schemes"], *PRESETS]
# The discard port: console evaluates no resource, but a stray provider call fails at once, locally.
NOWHERE = "http://127.0.0.1:9"


def strings(node: object) -> list[str]:
    """Every string value in the contract (keys starting with _ are notes, not facts)."""
    if isinstance(node, dict):
        return [value for key, item in node.items() if not key.startswith("_") for value in strings(item)]
    if isinstance(node, list):
        return [value for item in node for value in strings(item)]
    return [node] if isinstance(node, str) else []


# Facts distinctive enough that a literal copy anywhere in code is a second copy.
# Generic words ("source", "delivery", "hex", "sha256", "", HTTP methods) are used for
# other things too; the handshake secret kinds (signing, own, learned) are the
# vocabulary the code that reads the contract branches on, not facts it repeats; so are
# the timestamp formats (signature_parts.TIMESTAMP_READERS, checked against the contract below).
GENERIC = (
    {"source", "delivery", "principal", "GET", "POST", "signing", "own", "learned", "unix", "unix-ms", "rfc3339"}
    | {
        # How a public-key scheme verifies and what its secret holds: the vocabulary public_keys.py branches on.
        facts["public_key"][role]
        for facts in SIGNATURES["schemes"].values()
        if "public_key" in facts
        for role in ("verifier", "holds", "signature_encoding")
        if role in facts["public_key"]
    }
    | {"{url}"}  # a placeholder of signed_content (google-pubsub-push's whole one): the vocabulary, as {body} is
    # The placeholders of an auth mode's templates (secret_description, generated_secret): modules/auth fills them.
    | {"{name}", "{source}", "{username}", "{password}"}
    # Where a message attribute may come from (message_attributes.carried): the words trust.py branches on.
    | {facts["on"] for facts in ATTRIBUTES["carried"].values()}
    # A route's own settings (edge_routes): keys of the edge's ROUTES, and everyday words (a source's signature).
    | set(CONTRACT["edge_routes"]["settings"])
)
DISTINCTIVE = sorted(
    {value for value in strings(CONTRACT) if len(value) > 1 and value not in GENERIC}
    - set(SIGNATURES["algorithms"])
    - set(SIGNATURES["encodings"])
    - set(strings(SIGNATURES["hmac_defaults"]))
    - set(strings(SIGNATURES["pairs_defaults"]))
)
TERRAFORM_FILES = sorted([*ROOT.glob("*.tf"), *ROOT.glob("modules/*/*.tf")])
PYTHON_FILES = sorted(
    path
    for folder in ("shared", "consumer", "front")
    for path in (ROOT / "functions" / folder).glob("*.py")
    if path.name != "contract.py"
)


# --- The literals Terraform cannot take from the contract -------------------------------

# optional(type, default) needs a literal default: these are the only copies, checked here.
OPTIONAL_DEFAULT = re.compile(
    r"^\s*(tolerance_seconds|algorithm|encoding|prefix|signed_content|timestamp_format|separator|key_value|timestamp_key|signature_key)"
    r"\s*=\s*optional\(\w+, (.*)\)\s*$",
    re.M,
)


@pytest.mark.parametrize("path", ["variables.tf", "modules/consumer/variables.tf", "modules/_front/variables.tf"])
def test_terraform_signature_defaults_equal_the_contract(path: str) -> None:
    found = {name: json.loads(value) for name, value in OPTIONAL_DEFAULT.findall((ROOT / path).read_text())}
    expected = {"tolerance_seconds": SIGNATURES["tolerance_seconds"]["default"], **SIGNATURES["hmac_defaults"]}
    assert found == {**expected, **SIGNATURES["pairs_defaults"]}


def test_python_signature_defaults_are_the_contract() -> None:
    import signatures

    rule = signatures.load_signature({"scheme": "hmac", "header": "x-sig"}, "test")
    assert rule.tolerance_seconds == SIGNATURES["tolerance_seconds"]["default"]
    assert {name: getattr(rule, name) for name in SIGNATURES["hmac_defaults"]} == SIGNATURES["hmac_defaults"]


# --- No second copy ------------------------------------------------------------------------


def terraform_code_lines(path: Path) -> list[tuple[int, str]]:
    """Lines that are code: not comments, descriptions or error messages (prose may name a fact)."""
    return [
        (number, line)
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if not re.match(r"\s*(#|//|description\s*=|error_message\s*=|alarm_description\s*=)", line)
    ]


def test_no_terraform_file_writes_a_contract_fact_again() -> None:
    copies = [
        f"{path.relative_to(ROOT)}:{number}: {value}"
        for path in TERRAFORM_FILES
        for number, line in terraform_code_lines(path)
        for value in DISTINCTIVE
        if terraform_copy(value, line) and not any(same in line for same in TERRAFORM_NOT_A_COPY.get(value, ()))
    ]
    assert copies == []


def test_the_header_name_rule_is_the_contracts_in_both_languages() -> None:
    """A header name (key, detail-type, token or signature header) is one rule: the contract's pattern,
    which every Terraform validation interpolates and Python compiles; neither writes its own."""
    from signatures import HEADER_NAME

    pattern = CONTRACT["event_key"]["header_name"]
    assert HEADER_NAME.pattern == pattern
    written = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in TERRAFORM_FILES
        for number, line in terraform_code_lines(path)
        if pattern in line
    ]
    assert written == []
    uses = sum(path.read_text().count("local.contract.event_key.header_name") for path in TERRAFORM_FILES)
    assert uses >= 8  # root sources (3), auth's token_header, the consumer's key, detail-type and signature headers (4)


def terraform_copy(value: str, line: str) -> bool:
    """Whether a line writes `value` as a literal: quoted, inside a path or an escaped
    quote ("claims/", /items/, \\"DeadLettered\\"), or as an object key (receivedAt = ...)."""
    end = "" if value.endswith("/") else r'(?=["/$\\])'
    return bool(
        re.search(rf'(?<=["/]){re.escape(value)}{end}', line) or re.search(rf"(?<![\w.\"$-]){re.escape(value)}\s*=(?!=)", line)
    )


# The same word, meaning something else, on lines holding one of these: the access
# log's requestId field (modules/api), API Gateway's own variable; the CORS headers a browser may send, and
# the HTTP Authorization header an authorizer reads (a scheme signing in it needs an open route; a
# detail_type header is never a credential's, source.token_header's line).
TERRAFORM_NOT_A_COPY = {
    "requestId": ('"$context.requestId"',),
    "authorization": ("allow_headers", "local.signature_headers", "source.token_header"),
}


def python_literals(path: Path) -> list[tuple[int, str]]:
    """(line, value) of every string constant that is not a docstring."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


# The same words, meaning something else: (file, value) -> why it is not a copy.
NOT_A_COPY = {
    (
        "functions/shared/envelope.py",
        "receivedAt",
    ): "a field of the archive's JSON lines (Envelope.to_archive_line), not the attribute",
    ("functions/consumer/records.py", "Poison"): "the class Poison in __all__, not the metric",
    ("functions/front/app.py", "requestId"): "API Gateway's requestContext.requestId, not the attribute",
    (
        "functions/shared/envelope.py",
        "requestId",
    ): "API Gateway's requestContext.requestId (Envelope.from_proxy_event), not the attribute",
    ("functions/front/handshakes.py", "sha256="): "X's CRC response_token (developer.x.com), not github's prefix",
    ("functions/shared/signature_parts.py", "netlify"): "the scheme's name (SCHEME_PARTS' key), not its JWS issuer",
}


def test_no_function_module_writes_a_contract_fact_again() -> None:
    copies = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in PYTHON_FILES
        for line, value in python_literals(path)
        if value in DISTINCTIVE and (path.relative_to(ROOT).as_posix(), value) not in NOT_A_COPY
    ]
    assert copies == []


def test_each_fixed_scheme_names_which_header_is_which() -> None:
    # headers is the carried list, in the order the routes carry it; the roles point into it.
    for name, scheme in SIGNATURES["schemes"].items():
        if name == "hmac":
            assert "headers" not in scheme
            continue
        roles = [scheme[role] for role in ("signature_header", "timestamp_header", "id_header") if role in scheme]
        if "certificate_header" in scheme.get("public_key", {}):  # PayPal's: where its signing certificate is
            roles.append(scheme["public_key"]["certificate_header"])
        assert sorted(roles) == sorted(scheme["headers"]), name


def test_the_copy_checks_see_a_copy() -> None:
    # The two scans above would pass vacuously if they matched nothing: they must
    # catch the very copies this contract replaced.
    assert "x-hub-signature-256" in DISTINCTIVE and "claims/" in DISTINCTIVE and "ingest.failure_reason" in DISTINCTIVE
    line = '    github = ["x-hub-signature-256"]'
    assert any(terraform_copy(value, line) for value in DISTINCTIVE)
    assert terraform_copy("archive/", '"${var.arn}/archive/source=${name}/*"')
    assert terraform_copy("DeadLettered", 'MetricName=\\"DeadLettered\\" FunctionName')
    assert terraform_copy("receivedAt", '        { source = name, receivedAt = "x" },')
    assert not terraform_copy("receivedAt", "        { (local.attributes.received_at) = x },")
    assert any(value in DISTINCTIVE for _, value in python_literals_of('CLAIMS_PREFIX = "claims/"\n'))


def python_literals_of(text: str) -> list[tuple[int, str]]:
    return [(node.lineno, node.value) for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Constant)]


# --- Python reads the contract -------------------------------------------------------------


@pytest.mark.parametrize("scheme", ALL_SCHEMES)
def test_python_accepts_each_contract_scheme_and_refuses_it_misspelt(scheme: str) -> None:
    import signatures

    settings = every_scheme_source(scheme)["signature"]
    assert signatures.load_signature(settings, "test").scheme == scheme
    with pytest.raises(ValueError, match=r"signature\.scheme must be one of"):
        signatures.load_signature({**settings, "scheme": scheme + "x"}, "test")


# --- Terraform reads the same facts --------------------------------------------------------


def console(directory: Path, expression: str, inputs: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    env = terraform_env()
    env.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=NOWHERE
    )
    if not (directory / ".terraform").is_dir():
        subprocess.run(
            ["terraform", "init", "-backend=false", "-input=false"], cwd=directory, env=env, capture_output=True, check=True
        )
    var_file = tmp_path / "inputs.tfvars.json"
    var_file.write_text(json.dumps(inputs))
    return subprocess.run(
        ["terraform", "console", "-no-color", f"-var-file={var_file}"],
        cwd=directory,
        env=env,
        input=expression + "\n",
        capture_output=True,
        text=True,
        check=False,
    )


def every_scheme_source(scheme: str) -> dict:
    signature = {"scheme": scheme, "header": "x-sig"} if scheme == "hmac" else {"scheme": scheme}
    signed_content = {**SIGNATURES["schemes"], **SIGNATURES["presets"]}.get(scheme, {}).get("signed_content", "")
    if "{url}" in signed_content:
        signature["url"] = "https://hooks.example.com/hooks/" + scheme  # what the root sets: the source's URL
    if "{form}" in signed_content:  # a signed form is stored as it came (keyed by what was signed)
        return {"event_key": CONTRACT["event_key"]["signed_content"], "body": "raw", "signature": signature}
    return {"event_key": "/id", "signature": signature}


@pytest.mark.terraform
def test_the_root_carries_the_headers_python_verifies(tmp_path: Path) -> None:
    import envelope

    import signatures

    sources = {f"s-{scheme}": {"auth": "none", **every_scheme_source(scheme)} for scheme in ALL_SCHEMES}
    result = console(
        ROOT,
        "jsonencode({ carried = { for name, s in local.sources : name => s.carried_headers }, contract = local.contract })",
        {"name": "contract", "sources": sources},
        tmp_path,
    )
    assert result.returncode == 0 and "Error" not in result.stdout + result.stderr, result.stdout + result.stderr
    seen = json.loads(json.loads(result.stdout.strip().splitlines()[-1]))
    assert seen["contract"] == CONTRACT
    for name, source in sources.items():
        rule = signatures.load_signature(source["signature"], name)
        assert set(seen["carried"][name]) == set(rule.headers), name
        assert rule.signature_header in seen["carried"][name] or not rule.headers  # mailgun, adyen, graph: in the body
    assert seen["contract"]["message_attributes"]["header_value_prefix"] == envelope.HEADER_VALUE_PREFIX


CONSUMER_INPUTS = {"name": "contract", "queue_arn": "arn:aws:sqs:us-east-1:123456789012:q"}


def consumer_rejections(tmp_path: Path, sources: dict) -> str:
    result = console(ROOT / "modules" / "consumer", "length(var.sources)", {**CONSUMER_INPUTS, "sources": sources}, tmp_path)
    return "\n".join(line for line in (result.stdout + result.stderr).splitlines() if line.startswith("sources: "))


@pytest.mark.terraform
def test_the_consumer_module_accepts_what_the_contract_lists(tmp_path: Path) -> None:
    sources = {f"s-{scheme}"[:20]: every_scheme_source(scheme) for scheme in ALL_SCHEMES}
    low, high = SIGNATURES["tolerance_seconds"]["min"], SIGNATURES["tolerance_seconds"]["max"]
    sources["low"] = {"event_key": "/id", "signature": {"scheme": "github", "tolerance_seconds": low}}
    sources["high"] = {"event_key": "/id", "signature": {"scheme": "github", "tolerance_seconds": high}}
    for algorithm in SIGNATURES["algorithms"]:
        for encoding in SIGNATURES["encodings"]:
            signature = {"scheme": "hmac", "header": "x-sig", "algorithm": algorithm, "encoding": encoding}
            sources[f"h-{algorithm}-{encoding}"] = {"event_key": "/id", "signature": signature}
    sources["keyed-by-content"] = {"event_key": CONTRACT["event_key"]["signed_content"], "signature": {"scheme": "github"}}
    for timestamp_format in SIGNATURES["timestamp_formats"]:
        signature = {"scheme": "hmac", "header": "x-sig", "timestamp_header": "x-t", "signed_content": "{timestamp}{body}"}
        sources[f"t-{timestamp_format}"] = {"event_key": "/id", "signature": {**signature, "timestamp_format": timestamp_format}}
    pairs = {"separator": ";", "key_value": ":", "timestamp_key": "", "signature_key": "h1"}
    sources["pairs"] = {"event_key": "/id", "signature": {"scheme": "hmac", "header": "x-sig", "pairs": pairs}}
    assert consumer_rejections(tmp_path, sources) == ""


def misspelt_cases() -> dict[str, dict]:
    tolerance = SIGNATURES["tolerance_seconds"]
    # Every fixed scheme misspelt, and one preset (each case is a terraform console run).
    cases = {f"scheme {scheme}x": {"scheme": scheme + "x", "header": "x-sig"} for scheme in [*SIGNATURES["schemes"], PRESETS[0]]}
    cases["tolerance below"] = {"scheme": "github", "tolerance_seconds": tolerance["min"] - 1}
    cases["tolerance above"] = {"scheme": "github", "tolerance_seconds": tolerance["max"] + 1}
    cases["algorithm"] = {"scheme": "hmac", "header": "x-sig", "algorithm": SIGNATURES["algorithms"][0] + "x"}
    cases["encoding"] = {"scheme": "hmac", "header": "x-sig", "encoding": SIGNATURES["encodings"][0] + "x"}
    cases["timestamp format"] = {
        "scheme": "hmac",
        "header": "x-sig",
        "timestamp_format": "iso",
        "timestamp_header": "x-t",
        "signed_content": "{timestamp}.{body}",
    }
    cases["pairs and a timestamp header"] = {
        "scheme": "hmac",
        "header": "x-sig",
        "pairs": {},
        "timestamp_header": "x-t",
        "signed_content": "{timestamp}.{body}",
    }
    cases["pairs without timestamp in content"] = {"scheme": "hmac", "header": "x-sig", "pairs": {}}
    cases["pairs with one separator"] = {"scheme": "hmac", "header": "x-sig", "pairs": {"separator": "=", "timestamp_key": ""}}
    cases["preset with a header"] = {"scheme": PRESETS[0], "header": "x-sig"}
    return cases


@pytest.mark.terraform
@pytest.mark.parametrize("case", list(misspelt_cases()))
def test_the_consumer_module_refuses_what_the_contract_does_not_list(tmp_path: Path, case: str) -> None:
    rejected = consumer_rejections(tmp_path, {"one": {"event_key": "/id", "signature": misspelt_cases()[case]}})
    refusals = (
        "sources: signature.scheme is one of",
        "sources: an hmac signature needs",
        "sources: signature.pairs",
        "sources: a named sender",
    )
    assert any(refusal in rejected for refusal in refusals), rejected


@pytest.mark.parametrize("case", list(misspelt_cases()))
def test_python_refuses_what_the_consumer_module_refuses(case: str) -> None:
    import signatures

    with pytest.raises(ValueError, match="test"):
        signatures.load_signature(misspelt_cases()[case], "test")


def test_every_contract_timestamp_format_has_code_that_reads_it() -> None:
    import signature_parts

    assert set(signature_parts.TIMESTAMP_READERS) == set(SIGNATURES["timestamp_formats"])


def test_every_contract_scheme_has_code_that_verifies_it() -> None:
    # A scheme added to the contract alone would be accepted by Terraform and fail every message.
    import signatures

    verified = set(signatures.SCHEME_PARTS) | signatures.PUBLIC_KEY_SCHEMES | signatures.ITEM_SCHEMES | signatures.TENANT_SCHEMES
    assert verified == set(SIGNATURES["schemes"])
    import public_keys

    assert {facts["public_key"]["verifier"] for facts in public_keys.SCHEMES.values()} <= set(public_keys.VERIFIERS)
