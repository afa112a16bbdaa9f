"""Sentry DSNs: `{scheme}://{public_key}[:{secret_key}]@{host}[:{port}]{path_prefix}/{project_id}`."""

import re
from dataclasses import dataclass, field
from typing import Optional, Tuple
from urllib.parse import unquote, urlsplit

from komand_sentry.util.errors import input_error
from komand_sentry.util.hosts import HostError, check_url

ASSISTANCE = (
    "Copy the DSN again from the Sentry project's Client Keys (DSN) settings. It has the form "
    "https://<public key>@<host>/<project ID>, for example https://abc123@o1.ingest.us.sentry.io/456."
)


@dataclass(frozen=True)
class Dsn:
    scheme: str
    host: str  # as it goes in a URL: an IPv6 address keeps its brackets
    port: Optional[int]
    path_prefix: str  # "" or "/prefix", never ending in "/"
    project_id: str
    public_key: str = field(repr=False)
    secret_key: Optional[str] = field(default=None, repr=False)

    def _url(self, userinfo: str, path: str) -> str:
        port = "" if self.port is None else f":{self.port}"
        return f"{self.scheme}://{userinfo}{self.host}{port}{self.path_prefix}{path}"

    def endpoint(self, kind: str) -> str:
        """The ingestion URL: kind is 'store' or 'envelope'."""
        return self._url("", f"/api/{self.project_id}/{kind}/")

    def without_secret(self) -> str:
        return self._url(f"{self.public_key}@", f"/{self.project_id}")

    def auth_header(self, sentry_version: int, client: str) -> str:
        pairs = [f"sentry_version={sentry_version}", f"sentry_client={client}", f"sentry_key={self.public_key}"]
        return "Sentry " + ", ".join(pairs + ([f"sentry_secret={self.secret_key}"] if self.secret_key else []))


def parse_dsn(value: str) -> Dsn:
    try:
        origin = check_url(value, allow_userinfo=True, allow_underscore=True)
    except HostError as problem:
        raise _invalid(str(problem))
    parts = urlsplit(value)  # check_url has made sure that urlsplit reads it, and reads it as urllib3 does
    public_key, secret_key = unquote(parts.username or ""), unquote(parts.password or "") or None
    if not public_key:
        raise _invalid("it has no public key (the part before '@')")
    if not all(re.fullmatch(r"[A-Za-z0-9_\-]+", key) for key in filter(None, (public_key, secret_key))):
        raise _invalid("its key holds characters a Sentry key never has")  # fullmatch: not even a final '\n'
    return Dsn(origin.scheme, origin.host, origin.port, *_prefix_and_project(origin.path), public_key, secret_key)


def _prefix_and_project(path: str) -> Tuple[str, str]:
    prefix, _, project_id = path.rstrip("/").rpartition("/")
    if not project_id:
        raise _invalid("it has no project ID (the last part of its path)")
    if not re.fullmatch(r"[0-9]+", project_id):
        raise _invalid("its project ID (the last part of its path) is not a number")
    if "/." in prefix or "//" in path.rstrip("/"):
        raise _invalid("its path holds empty or dot segments")
    return prefix, project_id


def _invalid(problem: str):
    return input_error("dsn", problem, ASSISTANCE)
