"""Switches for what AWS does not document, so a test (or a `make local` user) can run
the stack under every plausible behaviour instead of one guess.

- header_interpolation: what API Gateway does with a sender-controlled value (a
  header, query string or path parameter) interpolated as `${request.header.x}`
  into the `MessageAttributes` JSON of an SQS-SendMessage integration: "raw"
  inserts it as it is (a `"` ends the JSON string, so a value can rewrite the
  JSON), "escaped" JSON-escapes it first.
- duplicate_keys: what the SQS integration does with a `MessageAttributes` object
  that holds the same key twice: "first" or "last" occurrence wins, or "reject"
  (a mapping error: API Gateway answers 500).

The default is "raw" + "last": raw is the only mode in which a sender can change
the JSON at all, and last-wins is what the common JSON readers do (Jackson, which
AWS's Java services use, JavaScript, Python); docs/local-runner.md says more.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

HEADER_INTERPOLATIONS = ("raw", "escaped")
DUPLICATE_KEYS = ("first", "last", "reject")
HEADER_INTERPOLATION_VARIABLE = "LOCAL_RUNNER_HEADER_INTERPOLATION"
DUPLICATE_KEYS_VARIABLE = "LOCAL_RUNNER_DUPLICATE_KEYS"


@dataclass(frozen=True)
class Undocumented:
    header_interpolation: str = "raw"
    duplicate_keys: str = "last"

    def __post_init__(self) -> None:
        if self.header_interpolation not in HEADER_INTERPOLATIONS:
            raise ValueError(
                f"header_interpolation must be one of {', '.join(HEADER_INTERPOLATIONS)}: {self.header_interpolation!r}"
            )
        if self.duplicate_keys not in DUPLICATE_KEYS:
            raise ValueError(f"duplicate_keys must be one of {', '.join(DUPLICATE_KEYS)}: {self.duplicate_keys!r}")


def choose(header_interpolation: str | None = None, duplicate_keys: str | None = None) -> Undocumented:
    """A keyword argument wins, then the environment variable, then the default."""
    defaults = Undocumented()
    return Undocumented(
        header_interpolation or os.environ.get(HEADER_INTERPOLATION_VARIABLE) or defaults.header_interpolation,
        duplicate_keys or os.environ.get(DUPLICATE_KEYS_VARIABLE) or defaults.duplicate_keys,
    )
