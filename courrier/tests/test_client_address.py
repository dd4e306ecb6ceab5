"""Behind trusted proxies the client's address comes from X-Forwarded-For, and only then."""

from __future__ import annotations

from django.test import RequestFactory

from courrier.client_address import client_address


def request(remote: str, forwarded: str = ""):
    made = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded:
        made.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return made


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.BANNETTE_TRUSTED_PROXIES = []
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_nearest_untrusted_address_is_the_client(settings):
    settings.BANNETTE_TRUSTED_PROXIES = ["10.0.0.2", "10.0.0.3"]
    # A forged left-most entry is skipped: the proxy appended the real client after it.
    assert client_address(request("10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.3")) == "203.0.113.9"
    assert client_address(request("10.0.0.2")) == "10.0.0.2"
