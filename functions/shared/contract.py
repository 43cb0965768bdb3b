"""The facts the Terraform and the functions must agree on, read from contract.json.

contract.json sits beside this module in every package that imports it
(scripts/build.py ships it) and in the repository, where Terraform reads the
same file with jsondecode(file(...)). Read once at import: a local file, no
network. Modules define their public names from it (signatures.SCHEMES,
envelope.SOURCE_ATTRIBUTE, ...) so no fact is written twice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONTRACT_FILE = Path(__file__).with_name("contract.json")
CONTRACT: dict[str, Any] = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))

AUTH_MODES: dict[str, Any] = CONTRACT["auth_modes"]
SIGNATURES: dict[str, Any] = CONTRACT["signatures"]
ATTRIBUTES: dict[str, Any] = CONTRACT["message_attributes"]
BUCKET_PREFIXES: dict[str, str] = CONTRACT["bucket_prefixes"]
METRICS: dict[str, str] = CONTRACT["metrics"]
SIGNED_CONTENT_KEY: str = CONTRACT["event_key"]["signed_content"]
