"""A JSON setting of a Lambda environment (ROUTES, SOURCES), as Terraform writes it.

Lambda's environment holds 4 KB in all, so the module writes a long setting as
base64 of its gzip (Terraform's base64gzip) and a short one as plain JSON, which
stays readable in the console. Either form is read here; nothing else decodes them.
"""

from __future__ import annotations

import base64
import gzip


def json_text(name: str, value: str) -> str:
    """The setting's JSON text: given as is (it starts with "{"), or base64 of its gzip."""
    value = value.strip()
    if value.startswith("{"):
        return value
    try:
        return gzip.decompress(base64.b64decode(value, validate=True)).decode("utf-8")
    except (ValueError, OSError, EOFError) as error:  # binascii.Error and BadGzipFile are among these
        raise ValueError(f"{name} is neither JSON nor base64 of gzipped JSON ({type(error).__name__})") from None
