"""The hosts a credential may go to: host-name characters, read alike by urllib.parse and urllib3."""

import ipaddress
import re
from contextlib import suppress
from typing import NamedTuple, Optional, Tuple
from urllib.parse import urlsplit

from urllib3.util import parse_url

DEFAULT_PORTS = {"http": 80, "https": 443}
SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")  # \s: what str.isspace() calls a space
_HOST_PORT = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9._-]+))(?::(?P<port>[0-9]*))?")
_LABEL = {False: re.compile(r"[A-Za-z0-9-]{1,63}"), True: re.compile(r"[A-Za-z0-9_-]{1,63}")}  # by allow_underscore
NOT_HTTP = "its scheme is not http or https, or it has no host"
NOT_A_HOST = "its host is not a valid host name or IP address"
BAD_CHARACTERS = "its host holds characters a host name never has (only letters, digits, '-' and '.')"
BAD_PORT = "its port is not a number from 1 to 65535"
PARSERS_DISAGREE = "its host is read differently by the URL parsers on the way to the network"


class HostError(ValueError):
    """What is wrong with a URL's host, as a phrase: 'its host holds characters a host name never has'."""


# scheme "http" or "https"; host lower case, an IPv6 address in brackets; port as written (None when not written)
Origin = NamedTuple("Origin", [("scheme", str), ("host", str), ("port", Optional[int]), ("path", str)])


def check_url(url: str, allow_userinfo: bool = False, allow_underscore: bool = False) -> Origin:
    """The URL's origin, or HostError; a DSN allows userinfo (its keys) and underscores (Docker Compose host names)."""
    if not isinstance(url, str) or not url or SPACE_OR_CONTROL.search(url):
        raise HostError("it is empty or contains spaces or control characters")
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in DEFAULT_PORTS or not rest:
        raise HostError(NOT_HTTP)
    _, at, hostport = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")
    if at and not allow_userinfo:
        raise HostError("it holds credentials (a user name or password before the host)")
    host, port = _host_and_port(hostport, allow_underscore)
    by_urllib, by_urllib3, path = _readings(url)
    if not by_urllib == by_urllib3 == _key(scheme, host, port):  # the scheme, host and port connected to
        raise HostError(PARSERS_DISAGREE)
    return Origin(scheme.lower(), host, port, path)


def _host_and_port(hostport: str, allow_underscore: bool) -> Tuple[str, Optional[int]]:
    found = _HOST_PORT.fullmatch(hostport)
    if not found:
        raise HostError(_why_not_a_host(hostport))
    host = (found["ipv6"] or found["name"]).lower()
    if not (_is_ipv6(host) if found["ipv6"] else _is_host_name(host, allow_underscore)):
        raise HostError(BAD_CHARACTERS if "_" in host else NOT_A_HOST)
    port = int(found["port"]) if found["port"] else None  # 'host:' means the default port to every parser
    if port is not None and not 1 <= port <= 65535:
        raise HostError(BAD_PORT)
    return f"[{host}]" if found["ipv6"] else host, port


def _why_not_a_host(hostport: str) -> str:
    if not hostport:
        return "it has no host"
    if "[" in hostport or "]" in hostport:
        return NOT_A_HOST
    return BAD_PORT if re.match(r"[A-Za-z0-9._-]+:", hostport) else BAD_CHARACTERS


def _is_ipv6(address: str) -> bool:
    with suppress(ValueError):
        return bool(ipaddress.IPv6Address(address))
    return False


def _is_host_name(name: str, allow_underscore: bool) -> bool:
    return len(name) <= 253 and all(_LABEL[allow_underscore].fullmatch(label) for label in name.split("."))


def _key(scheme: str, host: str, port: Optional[int]):
    scheme = scheme.lower()
    return scheme, host, port if port is not None else DEFAULT_PORTS.get(scheme)


def _readings(url: str):
    """(scheme, host, port) as urllib.parse reads them and as urllib3 does, and urllib.parse's path."""
    try:
        split, parsed = urlsplit(url), parse_url(url)
        host = split.hostname or ""
        by_urllib = _key(split.scheme, f"[{host}]" if ":" in host else host, split.port)
    except ValueError:  # urllib3's LocationParseError too
        raise HostError(PARSERS_DISAGREE)
    return by_urllib, _key(parsed.scheme or "", (parsed.host or "").lower(), parsed.port), split.path
