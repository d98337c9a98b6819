"""Where a webhook may go. A URL that resolves to loopback, private,
link-local, shared or cloud-metadata addresses is refused (SSRF), unless the
operator allow-lists the host or its network (TALKFARM_WEBHOOK_ALLOW_HOSTS).
Checked when the URL is registered and again at every delivery, since DNS
can change in between."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from domain.config import Settings
from domain.errors import ProblemError

#: addresses a tenant's webhook must never reach unless allow-listed
_METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}


def _allowed(host: str, addresses: list[ipaddress._BaseAddress], allow: tuple[str, ...]) -> bool:
    for entry in allow:
        if entry.lower() == host.lower():
            return True
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue
        if addresses and all(addr in network for addr in addresses):
            return True
    return False


def _forbidden(addr: ipaddress._BaseAddress) -> bool:
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return (addr.is_loopback or addr.is_private or addr.is_link_local or addr.is_multicast or addr.is_reserved
            or addr.is_unspecified or (isinstance(addr, ipaddress.IPv4Address) and addr in ipaddress.ip_network("100.64.0.0/10")))


def resolve(host: str, port: int) -> list[ipaddress._BaseAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ProblemError("webhook_url_unresolvable", f"The webhook host {host!r} does not resolve.", 422) from exc
    return sorted({ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}, key=str)


def check_webhook_url(url: str, settings: Settings) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProblemError("webhook_url_invalid", "webhook URLs must be absolute http(s) URLs.", 422)
    if parts.username or parts.password:
        raise ProblemError("webhook_url_invalid", "webhook URLs may not carry credentials.", 422)
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    if _allowed(host, addresses, settings.webhook_allow_hosts):
        return
    if host.lower() in _METADATA_HOSTS or any(_forbidden(a) for a in addresses):
        raise ProblemError("webhook_url_forbidden",
                           f"{host} resolves to a loopback, private, link-local or metadata address; "
                           "the operator can allow it with TALKFARM_WEBHOOK_ALLOW_HOSTS.", 422)
