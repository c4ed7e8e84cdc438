"""Outbound URL policy: crawled and user-supplied URLs may not reach loopback, private, link-local or
otherwise internal addresses unless an admin allows the host (setting ``allow_private_hosts``).

Checked on the resolved addresses, before every request and after every redirect."""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class BlockedURL(Exception):
    pass


def _allowed(host: str, addr: ipaddress._BaseAddress, allow: tuple[str, ...]) -> bool:
    for entry in allow:
        if entry == "*" or entry.lower() == host.lower():
            return True
        try:
            if addr in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def check_url(url: str, allow: tuple[str, ...] = ()) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedURL(f"{url}: only http and https URLs are fetched")
    host = parts.hostname
    if not host:
        raise BlockedURL(f"{url}: no host name")
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise ConnectionError(f"{url}: cannot resolve host {host!r} ({exc.strerror}); check the URL or DNS") from exc
    for info in infos:
        addr = ipaddress.ip_address(info[4][0].split("%")[0])
        internal = (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_multicast
                    or addr.is_reserved or addr.is_unspecified
                    or (isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None
                        and not addr.ipv4_mapped.is_global))
        if internal and not _allowed(host, addr, allow):
            raise BlockedURL(
                f"{url}: {host} resolves to internal address {addr}; refused. An admin can allow it with "
                f"PRESSWATCH_ALLOW_PRIVATE_HOSTS={addr} (or allow_private_hosts in presswatch.toml)"
            )
