"""The hosts a credential may go to: a URL's host is accepted only when it is made of host-name characters and
every URL parser on the way to the socket reads the same host, scheme and port.

urllib.parse (which the plugin's checks use) and urllib3 (which requests sends with) do not always agree: for
`https://attacker.example\\.sentry.io` urlsplit reads a sentry.io subdomain while urllib3 stops the host at the
backslash and connects to attacker.example. Checking the characters first, and then that both parsers agree,
closes that gap for the connection URL, region URLs and DSN hosts alike.

    origin = check_url("https://de.sentry.io/api/0/")   # Origin(scheme='https', host='de.sentry.io', ...)
    check_url("https://evil.example\\.sentry.io")        # HostError: its host holds characters ...

A HostError's text is the problem only (never the URL, which may hold a DSN's keys), worded to follow
"Invalid input 'dsn': " or "Invalid connection setting 'url': ".
"""

import ipaddress
import re
from dataclasses import dataclass
from typing import Optional, Tuple
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

DEFAULT_PORTS = {"http": 80, "https": 443}
_BRACKETED = re.compile(r"^\[([0-9A-Fa-f:.]+)\](?::([0-9]*))?$")
_NAME = re.compile(r"^([A-Za-z0-9._-]+)(?::([0-9]*))?$")
_LABEL = re.compile(r"^[A-Za-z0-9-]{1,63}$")
_LABEL_WITH_UNDERSCORE = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
NOT_HTTP = "it is not an http or https URL with a host"
NOT_A_HOST = "its host is not a valid host name or IP address"
BAD_CHARACTERS = "its host holds characters a host name never has (only letters, digits, '-' and '.')"
BAD_PORT = "its port is not a number from 1 to 65535"
PARSERS_DISAGREE = "its host is read differently by the URL parsers on the way to the network"


class HostError(ValueError):
    """What is wrong with a URL's host, as a phrase: 'its host holds characters a host name never has'."""


@dataclass(frozen=True)
class Origin:
    scheme: str  # "http" or "https"
    host: str  # lower case; an IPv6 address in brackets
    port: Optional[int]  # as written; None when the URL has none
    path: str

    @property
    def netloc(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """'https://de.sentry.io' (the port only when the URL gave one)."""
        return f"{self.scheme}://{self.netloc}"

    @property
    def key(self) -> Tuple[str, str, int]:
        """What decides where a request goes: the scheme, the host and the port a connection is made to."""
        return self.scheme, self.host, self.port if self.port is not None else DEFAULT_PORTS[self.scheme]


def check_url(url: str, allow_userinfo: bool = False, allow_underscore: bool = False) -> Origin:
    """The URL's origin, or HostError. `allow_userinfo` for a DSN (its keys sit before '@'); `allow_underscore`
    for a DSN host too (Docker Compose service names such as sentry_web resolve although DNS forbids them)."""
    if not isinstance(url, str) or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise HostError("it is empty or contains spaces or control characters")
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme not in DEFAULT_PORTS or not rest:
        raise HostError(NOT_HTTP)
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, at, hostport = authority.rpartition("@")
    if at and not allow_userinfo:
        raise HostError("it holds credentials (a user name or password before the host)")
    host, port = _host_and_port(hostport, allow_underscore)
    origin = Origin(scheme, host, port, _path(url))
    if _read_by_urllib(url) != origin.key or _read_by_urllib3(url) != origin.key:
        raise HostError(PARSERS_DISAGREE)
    return origin


def _host_and_port(hostport: str, allow_underscore: bool) -> Tuple[str, Optional[int]]:
    if not hostport:
        raise HostError("it has no host")
    bracketed = _BRACKETED.match(hostport)
    if bracketed:
        return _ipv6(bracketed.group(1)), _port(bracketed.group(2))
    if "[" in hostport or "]" in hostport:
        raise HostError(NOT_A_HOST)
    named = _NAME.match(hostport)
    if not named:
        raise HostError(BAD_PORT if re.match(r"^[A-Za-z0-9._-]+:", hostport) else BAD_CHARACTERS)
    name = named.group(1).lower()
    label = _LABEL_WITH_UNDERSCORE if allow_underscore else _LABEL
    if len(name) > 253 or not all(label.match(part) for part in name.split(".")):
        raise HostError(BAD_CHARACTERS if "_" in name else NOT_A_HOST)
    return name, _port(named.group(2))


def _ipv6(address: str) -> str:
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        raise HostError(NOT_A_HOST)
    return f"[{address.lower()}]"


def _port(text: Optional[str]) -> Optional[int]:
    if not text:  # 'host:' means the default port to every parser
        return None
    port = int(text)
    if not 1 <= port <= 65535:
        raise HostError(BAD_PORT)
    return port


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        raise HostError(PARSERS_DISAGREE)


def _read_by_urllib(url: str):
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return None
    host = f"[{host}]" if ":" in host else host
    scheme = parts.scheme.lower()
    return scheme, host, port if port is not None else DEFAULT_PORTS.get(scheme)


def _read_by_urllib3(url: str):
    try:
        parts = parse_url(url)
    except LocationParseError:
        return None
    scheme = (parts.scheme or "").lower()
    return scheme, (parts.host or "").lower(), parts.port if parts.port is not None else DEFAULT_PORTS.get(scheme)


def same_origin(url: str, origin: Origin) -> bool:
    """Whether `url` goes to exactly the scheme, host and port of `origin` (False for a URL that is not valid)."""
    try:
        return check_url(url, allow_underscore=True).key == origin.key
    except HostError:
        return False
