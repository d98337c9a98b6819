"""Where a webhook may go. A URL that resolves to loopback, private,
link-local, shared or cloud-metadata addresses is refused (SSRF), unless the
operator allow-lists the host or its network (TALKFARM_WEBHOOK_ALLOW_HOSTS).
Checked when the URL is registered and again at every delivery, since DNS
can change in between."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import sqlalchemy as sa

from domain.config import Settings
from domain.errors import ProblemError
from domain.models import WebhookEndpoint

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: addresses a tenant's webhook must never reach unless allow-listed
_METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}


def _allowed(host: str, addresses: list[IPAddress], allow: tuple[str, ...]) -> bool:
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


#: ranges the ``ipaddress`` flags miss: shared address space (CGNAT), 6to4 (2002::/16 embeds any IPv4
#: address, private ones included) and the deprecated IPv6 site-local range (fec0::/10)
_ALSO_FORBIDDEN = tuple(ipaddress.ip_network(n) for n in ("100.64.0.0/10", "2002::/16", "fec0::/10"))


def _forbidden(addr: IPAddress) -> bool:
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return (
        addr.is_loopback
        or addr.is_private
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or any(addr.version == net.version and addr in net for net in _ALSO_FORBIDDEN)
    )


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (a name that resolves to several is checked on all of them: one private
    address is enough to refuse).
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:  # a label getaddrinfo's IDNA codec refuses (empty, over 63 characters)
        raise ProblemError("webhook_url_invalid", f"The webhook host {host!r} is not a valid host name.", 422) from exc
    except (socket.gaierror, OSError) as exc:
        raise ProblemError("webhook_url_unresolvable", f"The webhook host {host!r} does not resolve.", 422) from exc
    # an AF_INET or AF_INET6 sockaddr starts with the address as a string
    return sorted({ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}, key=str)


#: the longest URL the webhook columns hold
_URL_TYPE = WebhookEndpoint.__table__.c.url.type
assert isinstance(_URL_TYPE, sa.String) and _URL_TYPE.length is not None  # url is a String(n) column
MAX_URL_CHARS = _URL_TYPE.length


def _invalid(why: str) -> ProblemError:
    return ProblemError("webhook_url_invalid", f"webhook URLs must be absolute http(s) URLs: {why}", 422)


def parse_webhook_url(url: str) -> tuple[str, str, int]:
    """(scheme, ASCII host, port) of a webhook URL, or ``webhook_url_invalid``.
    Every way urlsplit, the port or IDNA can fail is a 422 here, not a 500 later."""
    if not isinstance(url, str) or len(url) > MAX_URL_CHARS:
        raise _invalid(f"at most {MAX_URL_CHARS} characters.")
    if any(ord(c) < 0x20 or ord(c) == 0x7F or 0xD800 <= ord(c) <= 0xDFFF or c.isspace() for c in url):
        raise _invalid("no spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError when not a number or outside 0..65535
        host = parts.hostname
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    if parts.scheme not in ("http", "https") or not host:
        raise _invalid("a scheme of http or https and a host are needed.")
    if parts.username or parts.password:
        raise ProblemError("webhook_url_invalid", "webhook URLs may not carry credentials.", 422)
    if port == 0:
        raise _invalid("port 0 is not a port.")
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError as exc:
        raise _invalid(f"the host name cannot be encoded (IDNA: {exc}).") from None
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or any(not label or len(label) > 63 for label in labels) and not is_ip(ascii_host):
        raise _invalid("the host name is not a valid DNS name.")
    return parts.scheme, ascii_host, port or (443 if parts.scheme == "https" else 80)


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def check_webhook_url(
    url: str, settings: Settings, *, lookup: Callable[[str, int], list[IPAddress]] | None = None
) -> list[IPAddress]:
    """The addresses ``url``'s host resolves to, once all of them passed the check. A delivery
    connects to these very addresses (tasks/webhook_transport.py) and never resolves the name
    again, so a name that answers differently the second time (DNS rebinding) reaches nothing.
    ``lookup`` replaces ``resolve`` where the look-up needs a deadline (tasks/webhook_lookups.py)."""
    _, host, port = parse_webhook_url(url)
    addresses = (lookup or resolve)(host, port)
    if _allowed(host, addresses, settings.webhook_allow_hosts):
        return addresses
    if host.lower() in _METADATA_HOSTS or any(_forbidden(a) for a in addresses):
        raise ProblemError(
            "webhook_url_forbidden",
            f"{host} resolves to a loopback, private, link-local or metadata address; "
            "the operator can allow it with TALKFARM_WEBHOOK_ALLOW_HOSTS.",
            422,
        )
    return addresses
