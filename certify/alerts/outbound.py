"""Requests to addresses that strangers give us, without letting them aim the server at its
own network (SSRF; OWASP's SSRF Prevention Cheat Sheet). Standard library only: no Flask, no
database.

``check_url`` resolves the host and refuses the address when ANY of its IPs is private,
loopback, link-local, multicast, reserved or otherwise not global (IPv4-mapped IPv6 addresses
are judged as the IPv4 they carry). ``post`` checks again at each delivery and then connects
to the very IP it checked (the Host header and TLS name stay the host's), so a DNS answer that
changes between the check and the connection (DNS rebinding) cannot slip a private address in.
http.client follows no redirects: a 3xx is an answer like any other, and not a success.
``allow_private`` (tests, a local demo) lifts both the address rule and the https rule."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_ANSWER_BYTES = 64 * 1024  # what is read of a receiver's answer (and then dropped)


class RefusedAddress(ValueError):
    """Why an address is refused: ``reason`` is "scheme", "host", "unresolvable" or
    "private" (then ``address`` names the IP)."""

    def __init__(self, reason: str, address: str = ""):
        super().__init__(f"{reason} {address}".strip())
        self.reason = reason
        self.address = address


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local
                                 or ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def check_url(url: str, *, allow_private: bool = False) -> list[str]:
    """The IPs the address's host resolves to, all of them allowed; else ``RefusedAddress``."""
    parts = urlsplit(url)
    allowed_schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed_schemes:
        raise RefusedAddress("scheme")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:  # a port that is not a number, or out of range
        raise RefusedAddress("host") from error
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise RefusedAddress("host")
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise RefusedAddress("unresolvable") from error
    addresses = list(dict.fromkeys(info[4][0].split("%")[0] for info in found))
    if not addresses:
        raise RefusedAddress("unresolvable")
    if not allow_private:
        for address in addresses:
            if not is_public(ipaddress.ip_address(address)):
                raise RefusedAddress("private", address)
    return addresses


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int | None, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int | None, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float,
         allow_private: bool = False) -> Answer:
    """POST ``body`` to ``url`` once; never raises for the network's or the receiver's sake."""
    started = time.monotonic()

    def answer(status_code: int | None = None, error: str | None = None) -> Answer:
        return Answer(status_code, error, round((time.monotonic() - started) * 1000))

    try:
        addresses = check_url(url, allow_private=allow_private)
    except RefusedAddress as refused:
        return answer(error=f"refused address: {refused}")
    parts = urlsplit(url)
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(parts.hostname, parts.port, addresses[0], timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_ANSWER_BYTES)
        return answer(status_code=response.status)
    except (OSError, http.client.HTTPException) as error:
        return answer(error=f"{type(error).__name__}: {error}"[:2000])
    finally:
        connection.close()
