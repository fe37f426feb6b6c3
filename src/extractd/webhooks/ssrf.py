"""Where a webhook may be sent: never to loopback, private, link-local, CGNAT or cloud-metadata addresses
(unless EXTRACTD_WEBHOOK_ALLOW_PRIVATE), checked on the resolved address that is then connected to.

A host is resolved once per attempt; every address it resolves to must pass, and the request goes to
those addresses (the next one only when connecting to the previous failed) with the original ``Host``
header and TLS server name, so a DNS answer that changes between the check and the connection
(rebinding) cannot redirect the request.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from extractd.domain.errors import ValidationFailed, WebhookUrlRefused

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean…
        "169.254.170.2",  # AWS ECS task metadata
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (classic)
        "fd00:ec2::254",  # AWS over IPv6
    )
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
MAX_URL_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class WebhookUrl:
    """A parsed webhook URL: what to resolve and what to present to the server."""

    url: str
    scheme: str
    host: str
    port: int


def refusal_reason(address: IpAddress) -> str | None:
    """Why webhooks may not go to ``address`` (its class), or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "the unspecified address (it reaches this host)"
    if address.is_link_local:
        return "a link-local address"
    if isinstance(address, ipaddress.IPv4Address) and address in CGNAT:
        return "a carrier-grade NAT (CGNAT) address"
    if address.is_private:
        return "a private address"
    if address.is_multicast or address.is_reserved or not address.is_global:
        return "a non-public address"
    return None


def parse_url(url: str) -> WebhookUrl:
    """Check the URL's shape: absolute http(s), a host, no credentials."""
    if len(url) > MAX_URL_LENGTH:
        raise ValidationFailed(f"url: at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationFailed(f"url: not a valid URL ({exc}).") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("url: an absolute http:// or https:// URL is required.")
    if parts.username or parts.password:
        raise ValidationFailed("url: credentials in the URL are not allowed.")
    default_port = 443 if parts.scheme == "https" else 80
    return WebhookUrl(url, parts.scheme, parts.hostname, port or default_port)


def check_addresses(target: WebhookUrl, addresses: list[IpAddress], allow_private: bool) -> IpAddress:
    """The address to connect to first, once every resolved address passed; WebhookUrlRefused otherwise."""
    return checked_addresses(target, addresses, allow_private)[0]


def checked_addresses(target: WebhookUrl, addresses: list[IpAddress], allow_private: bool) -> list[IpAddress]:
    """The addresses to try in order, once every one of them passed; WebhookUrlRefused otherwise."""
    if not addresses:
        raise WebhookUrlRefused(f"The webhook host {target.host} does not resolve.")
    if not allow_private:
        for address in addresses:
            reason = refusal_reason(address)
            if reason is not None:
                raise WebhookUrlRefused(
                    f"The webhook URL resolves to {address}, {reason}; webhooks are not sent there "
                    "(EXTRACTD_WEBHOOK_ALLOW_PRIVATE=true allows it)."
                )
    return addresses


def addresses_from_getaddrinfo(infos: list[tuple[object, ...]]) -> list[IpAddress]:
    found: list[IpAddress] = []
    for info in infos:
        sockaddr = info[4]
        assert isinstance(sockaddr, tuple)
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in found:
            found.append(address)
    return found


def resolve(target: WebhookUrl) -> list[IpAddress]:
    """Every address the host resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return addresses_from_getaddrinfo(list(infos))


def check_url(url: str, allow_private: bool) -> WebhookUrl:
    """Create-time check: the shape, then every address the host resolves to now."""
    target = parse_url(url)
    check_addresses(target, resolve(target), allow_private)
    return target
