"""Outbound URL policy: crawled and user-supplied URLs may not reach loopback, private, link-local or
otherwise internal addresses unless an admin allows the host (setting ``allow_private_hosts``).

Checked on the resolved addresses, before every request and after every redirect — and the address
checked is the address connected to: ``check_url`` returns the vetted addresses, ``pinned`` hands them
to ``GuardedBackend`` (the httpcore network backend of the crawler's HTTP client), which connects to
exactly those. A host name is therefore resolved once per hop, so a DNS answer that changes between the
check and the connection (DNS rebinding) cannot redirect a request to an internal address. A
connection the backend opens without a pin (a client used directly) is resolved and checked by the
backend itself. The Host header, TLS SNI and certificate verification still use the real host name:
only the socket's destination is fixed."""
from __future__ import annotations

import ipaddress
import socket
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterable, Iterator
from urllib.parse import urlsplit

import httpcore


class BlockedURL(Exception):
    pass


# Set for the duration of one guarded request (crawlers.http.get): the admin allowance and the vetted
# addresses of the host being fetched. Context variables, so concurrent fetch threads do not mix them.
_allow: ContextVar[tuple[str, ...]] = ContextVar("presswatch_netguard_allow", default=())
_pin: ContextVar[tuple[str, int, tuple[str, ...]] | None] = ContextVar("presswatch_netguard_pin", default=None)


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


def is_internal(addr: ipaddress._BaseAddress) -> bool:
    return (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_multicast
            or addr.is_reserved or addr.is_unspecified
            or (isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None
                and not addr.ipv4_mapped.is_global))


def resolve(host: str, port: int, allow: tuple[str, ...] = (), url: str | None = None) -> list[str]:
    """The addresses ``host`` resolves to, in resolver order, if every one of them may be contacted.

    One internal address among them refuses the host (a round-robin answer must not smuggle one in)."""
    label = url or host
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise ConnectionError(f"{label}: cannot resolve host {host!r} ({exc.strerror}); check the URL or DNS") from exc
    addresses: list[str] = []
    for info in infos:
        text = info[4][0].split("%")[0]
        addr = ipaddress.ip_address(text)
        if is_internal(addr) and not _allowed(host, addr, allow):
            raise BlockedURL(
                f"{label}: {host} resolves to internal address {addr}; refused. An admin can allow it with "
                f"PRESSWATCH_ALLOW_PRIVATE_HOSTS={addr} (or allow_private_hosts in presswatch.toml)"
            )
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise ConnectionError(f"{label}: host {host!r} has no address; check the URL or DNS")
    return addresses


def check_url(url: str, allow: tuple[str, ...] = ()) -> list[str]:
    """Refuse non-http(s) URLs and hosts with internal addresses; return the vetted addresses to connect to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedURL(f"{url}: only http and https URLs are fetched")
    host = parts.hostname
    if not host:
        raise BlockedURL(f"{url}: no host name")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise BlockedURL(f"{url}: bad port ({exc})") from exc
    return resolve(host, port, allow, url)


@contextmanager
def pinned(url: str, addresses: Iterable[str], allow: tuple[str, ...] = ()) -> Iterator[None]:
    """Within the block, a connection to ``url``'s host and port goes to ``addresses`` (from ``check_url``)
    only; connections to any other host are resolved and checked against ``allow``."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    t_allow = _allow.set(tuple(allow))
    t_pin = _pin.set(((parts.hostname or "").lower(), port, tuple(addresses)))
    try:
        yield
    finally:
        _pin.reset(t_pin)
        _allow.reset(t_allow)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's synchronous socket backend, connecting only to vetted addresses."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options=None) -> httpcore.NetworkStream:
        pin = _pin.get()
        if pin is not None and pin[0] == host.lower() and pin[1] == port:
            addresses = list(pin[2])
        else:
            addresses = resolve(host, port, _allow.get())
        error: Exception | None = None
        for address in addresses:  # like socket.create_connection: each address in turn
            try:
                return self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                               socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        raise BlockedURL(f"unix socket {path}: refused; the crawler only opens TCP connections")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
