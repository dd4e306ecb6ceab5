"""Bannette's requests to addresses an administrator typed in (webhooks): never to the machine
itself or to its network. An address must be HTTPS, carry no credentials, and resolve only to
public addresses; it is checked when saved and again at each connection, which goes to the
address that was checked (a name that resolves elsewhere a second later changes nothing).
Redirects are not followed, and only the answer's status and a short excerpt are kept.

BANNETTE_WEBHOOK_ALLOWED_ORIGINS lists origins exempt from these rules
(`http://127.0.0.1:8080`): receivers on the same machine or network, on purpose.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EXCERPT = 200  # characters of an answer kept in the delivery log


def _origin(parts: SplitResult) -> str:
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def _allowed(parts: SplitResult) -> bool:
    allowed = set()
    for origin in settings.BANNETTE_WEBHOOK_ALLOWED_ORIGINS:
        allowed.add(_origin(urlsplit(origin.strip())))
    return _origin(parts) in allowed


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _addresses(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ValidationError(
            _("The name %(host)s cannot be resolved: %(error)s") % {"host": host, "error": exc}
        ) from exc
    return list(dict.fromkeys(str(info[4][0]) for info in found))


@dataclass(frozen=True)
class Destination:
    url: str
    scheme: str
    host: str
    port: int
    target: str  # the path and query sent
    address: str  # the checked address connected to


def checked_destination(url: str) -> Destination:
    """The destination of `url`, resolved and checked; ValidationError says what is refused."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Only https:// addresses are accepted."))
    if parts.username is not None or parts.password is not None:
        raise ValidationError(_("The address must not carry a user name or a password."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ValidationError(_("The address's port is not a number.")) from exc
    allowed = _allowed(parts)
    if parts.scheme != "https" and not allowed:
        raise ValidationError(_("Only https:// addresses are accepted."))
    addresses = _addresses(parts.hostname, port)
    if not allowed:
        inside = [a for a in addresses if not _public(a)]
        if inside:
            raise ValidationError(
                _(
                    "%(host)s leads to %(address)s, an address of this machine or of a private"
                    " or reserved network: Bannette sends nothing there."
                )
                % {"host": parts.hostname, "address": inside[0]}
            )
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return Destination(url, parts.scheme, parts.hostname, port, target, addresses[0])


def check_url(url: str) -> None:
    """For forms: raise ValidationError when Bannette would refuse to post to `url`."""
    checked_destination(url)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, destination: Destination, timeout: float) -> None:
        super().__init__(destination.host, destination.port, timeout=timeout)
        self._address = destination.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, destination: Destination, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(destination.host, destination.port, timeout=timeout, context=self._tls)
        self._address = destination.address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the name typed in, the socket goes to the address
        # that was checked.
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float = 10) -> Answer:
    """POST to `url` once checked (ValidationError when refused); redirects are not followed."""
    destination = checked_destination(url)
    connection_class = (
        _PinnedHTTPSConnection if destination.scheme == "https" else _PinnedHTTPConnection
    )
    connection = connection_class(destination, timeout)
    try:
        connection.request("POST", destination.target, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT * 4).decode(errors="replace")[:EXCERPT]
        return Answer(response.status, excerpt)
    finally:
        connection.close()
