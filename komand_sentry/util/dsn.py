"""Sentry DSNs of every form: `{scheme}://{public_key}[:{secret_key}]@{host}[:{port}]{path_prefix}/{project_id}`.

Errors say what is wrong with a DSN without ever repeating its keys. The host is accepted only as
komand_sentry.util.hosts accepts it (host-name characters, read alike by urllib and urllib3), with underscores
allowed for Docker Compose service names.
"""

import re
from dataclasses import dataclass, field
from typing import Optional, Tuple
from urllib.parse import unquote, urlsplit

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.hosts import HostError, check_url

ASSISTANCE = (
    "Copy the DSN again from the Sentry project's Client Keys (DSN) settings. It has the form "
    "https://<public key>@<host>/<project ID>, for example https://abc123@o1.ingest.us.sentry.io/456."
)
_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")
_PROJECT_ID = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class Dsn:
    scheme: str
    host: str  # as it goes in a URL: an IPv6 address keeps its brackets
    port: Optional[int]
    path_prefix: str  # "" or "/prefix", never ending in "/"
    project_id: str
    public_key: str = field(repr=False)
    secret_key: Optional[str] = field(default=None, repr=False)

    @property
    def host_port(self) -> str:
        return f"{self.host}:{self.port}" if self.port is not None else self.host

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host_port}"

    def endpoint(self, kind: str) -> str:
        """The ingestion URL: kind is 'store' or 'envelope'."""
        return f"{self.origin}{self.path_prefix}/api/{self.project_id}/{kind}/"

    def auth_header(self, sentry_version: int, client: str) -> str:
        pairs = [f"sentry_version={sentry_version}", f"sentry_client={client}", f"sentry_key={self.public_key}"]
        if self.secret_key:
            pairs.append(f"sentry_secret={self.secret_key}")
        return "Sentry " + ", ".join(pairs)

    @property
    def secrets(self) -> tuple:
        return tuple(key for key in (self.public_key, self.secret_key) if key)

    def without_secret(self) -> str:
        """The DSN as the envelope header carries it: public key only."""
        return f"{self.scheme}://{self.public_key}@{self.host_port}{self.path_prefix}/{self.project_id}"


def parse_dsn(value: str) -> Dsn:
    if not isinstance(value, str) or not value.strip():
        raise _invalid("it is empty")
    if any(ch.isspace() for ch in value) or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise _invalid("it contains spaces or control characters")
    if value.partition("://")[0].lower() not in ("http", "https"):
        raise _invalid("its scheme must be http or https")
    try:
        origin = check_url(value, allow_userinfo=True, allow_underscore=True)
    except HostError as problem:
        raise _invalid(str(problem))
    parts = urlsplit(value)  # check_url has made sure that urlsplit reads it, and reads it as urllib3 does
    public_key, secret_key = _keys(parts.netloc)
    prefix, project_id = _prefix_and_project(parts.path)
    return Dsn(origin.scheme, origin.host, origin.port, prefix, project_id, public_key, secret_key)


def _prefix_and_project(path: str) -> Tuple[str, str]:
    path = path.rstrip("/")
    prefix, _, project_id = path.rpartition("/")
    if not project_id:
        raise _invalid("it has no project ID (the last part of its path)")
    if not _PROJECT_ID.match(project_id):
        raise _invalid("its project ID (the last part of its path) is not a number")
    if "/." in prefix or "//" in path:
        raise _invalid("its path holds empty or dot segments")
    return prefix, project_id


def _keys(netloc: str) -> Tuple[str, Optional[str]]:
    if "@" not in netloc:
        raise _invalid("it has no public key (the part before '@')")
    userinfo = netloc.rsplit("@", 1)[0]
    public_key, _, secret_key = userinfo.partition(":")
    public_key, secret_key = unquote(public_key), unquote(secret_key) or None
    if not public_key:
        raise _invalid("it has no public key (the part before '@')")
    if not _KEY.match(public_key) or (secret_key is not None and not _KEY.match(secret_key)):
        raise _invalid("its key holds characters a Sentry key never has")
    return public_key, secret_key


def _invalid(problem: str) -> PluginException:
    return PluginException(cause=f"Invalid input 'dsn': {problem}.", assistance=ASSISTANCE)
