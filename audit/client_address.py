"""The client's address, as the sign-in lockout, the API throttles and the audit trail see it.

X-Forwarded-For is written by whoever sends the request, so it is believed only when the request
comes from one of TRUSTED_PROXIES (the load balancers or proxies in front of the web processes),
and then only its last entry: the address that proxy received the connection from. Reading the
header is django-ipware's job, configured here; without TRUSTED_PROXIES the header is ignored."""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


@cache
def _networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _from_trusted_proxy(address: str) -> bool:
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(peer in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str | None:
    peer = request.META.get("REMOTE_ADDR") or None
    if peer is None or not _from_trusted_proxy(peer):
        return peer
    # proxy_count=0, not strict: the chain may be longer (the client can write its own entries
    # first), and the last entry is the one the trusted proxy appended.
    forwarded, _ = get_client_ip(
        request,
        proxy_count=0,
        strict=False,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
    )
    return forwarded or peer
