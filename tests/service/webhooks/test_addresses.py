"""The outbound guard: schemes, non-global addresses in any spelling, and pinning to the address."""

from __future__ import annotations

import ipaddress

import pytest

from service.webhooks import addresses

LOOPBACK = ["127.0.0.0/8", "::1/128"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest/meta-data",  # cloud metadata, link-local
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",  # IPv4-mapped private
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",  # carrier-grade NAT
        "http://224.0.0.1/hook",  # multicast
    ],
)
def test_non_global_addresses_are_refused(url: str) -> None:
    with pytest.raises(addresses.UnsafeURL, match="non-public"):
        addresses.check(url, allowed_networks=[])


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://203.0.113.10/x", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://8.8.8.8/", "only http and https"),
        ("http:///nohost", "no host"),
        ("http://user:pw@8.8.8.8/", "credentials"),
        ("http://8.8.8.8:99999/", "not a valid URL"),
        ("http://8.8.8.8:0/", "port 0"),  # was stored as written and delivered to port 80
        ("http://no-such-host.invalid/", "does not resolve"),
        ("http://8.8.8.8/\x00", "control characters"),
        ("http://8.8.8.8/a\tb", "control characters"),
    ],
)
def test_malformed_or_unsafe_urls_say_why(url: str, reason: str) -> None:
    with pytest.raises(addresses.UnsafeURL, match=reason):
        addresses.check(url, allowed_networks=LOOPBACK)


def test_a_setting_allows_loopback_and_nothing_else() -> None:
    target = addresses.check("http://127.0.0.1:9/hook?x=1", allowed_networks=LOOPBACK)
    assert target.addresses == (ipaddress.ip_address("127.0.0.1"),)
    assert addresses.check("http://[::ffff:127.0.0.1]/", allowed_networks=LOOPBACK).port == 80
    with pytest.raises(addresses.UnsafeURL):
        addresses.check("http://10.0.0.1/", allowed_networks=LOOPBACK)


def test_a_global_address_passes_and_is_pinned_with_its_name_kept() -> None:
    target = addresses.check("https://8.8.8.8/hooks?a=b", allowed_networks=[])
    assert target.scheme == "https"
    assert target.port == 443
    url, host = addresses.pinned_url(target, ipaddress.ip_address("8.8.4.4"))
    assert (url, host) == ("https://8.8.4.4:443/hooks?a=b", "8.8.8.8")
    v6 = addresses.check("http://[2001:4860:4860::8888]:8080", allowed_networks=[])
    url, host = addresses.pinned_url(v6, v6.addresses[0])
    assert (url, host) == (
        "http://[2001:4860:4860::8888]:8080/",
        "[2001:4860:4860::8888]:8080",
    )
