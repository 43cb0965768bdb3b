"""Whether an address is loopback: the one check between our local tools and the internet.

Standard library only: the local runner's function workers load this file by
path, with nothing of the project on their import path.
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """True only for a loopback IP address, or the name localhost.

    The address is checked, not the spelling: "127.attacker.example" is a
    name that resolves wherever its owner wants, so any other name is refused.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
