"""The client's address, as seen through the reverse proxies the administrator trusts."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or, when it is a trusted proxy, the last address it was not itself given by
    another trusted proxy in X-Forwarded-For (the left-most entries can be forged)."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    trusted = set(settings.BANNETTE_TRUSTED_PROXIES)
    if remote not in trusted:
        return remote or "unknown"
    forwarded = [a.strip() for a in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    for address in reversed([a for a in forwarded if a]):
        if address not in trusted:
            return address
    return remote


def client_ip(request: HttpRequest) -> str | None:
    """The client's address when it is one (login throttling keys on it); None without any,
    as for requests made inside the process."""
    address = client_address(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address
