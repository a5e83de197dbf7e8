"""DRF's throttles identify an anonymous caller by X-Forwarded-For whatever sent it; these use the
portal's one client address instead, so a caller cannot rotate the header to escape the limit."""

from __future__ import annotations

from rest_framework.throttling import ScopedRateThrottle

from audit.client_address import client_ip


class ClientAddressScopedRateThrottle(ScopedRateThrottle):
    def get_ident(self, request):
        return client_ip(request)
