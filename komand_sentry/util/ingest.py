"""Event ingestion: the envelope endpoint of today's Sentry, the store endpoint of older servers.

An event POST carries its own event_id, so sending it again after a fault cannot make a second event
(Sentry drops a repeated event_id); every attempt sends the same bytes.
"""

import gzip
import json
from datetime import datetime, timezone
from typing import Optional, Tuple

import requests
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.answers import parse_json
from komand_sentry.util.dsn import Dsn, parse_dsn
from komand_sentry.util.errors import (
    Preset,
    http_error,
    input_error,
    preset_error,
    redact,
    remember_secret,
    sentry_detail,
)
from komand_sentry.util.event import encode_event, normalise_event
from komand_sentry.util.transport import Transport, header_seconds, web_api_rate_limit_wait, one_step

ENVELOPE, STORE, AUTO = "envelope", "store", "auto"
DEFAULT_SENTRY_VERSION = 7
_EVENT_CATEGORIES = {"", "error", "default"}


class Ingestor:
    def __init__(self, transport: Transport, client_name: str, logger):
        self.transport = transport
        self.client_name = client_name  # "komand-sentry/2.0.0"
        self.logger = logger

    @one_step
    def submit_event(
        self, dsn_text: str, event_json: dict, sentry_version: Optional[int], endpoint: Optional[str]
    ) -> dict:
        """The Submit Event action: check everything first, so that a refused event sends nothing."""
        dsn = parse_dsn(dsn_text)
        remember_secret(dsn.public_key, dsn.secret_key)  # hidden in every error and log line from now on
        if sentry_version is None:
            sentry_version = DEFAULT_SENTRY_VERSION
        if not 1 <= sentry_version <= 99:  # the runtime's schema check made it an integer
            raise input_error("sentry_version", "it is not a protocol version number", "Use 7, the current version.")
        name, _, version = self.client_name.partition("/")
        event = normalise_event(event_json, name, version)
        event_id, used = self.submit(dsn, event, sentry_version, endpoint or AUTO)
        self.logger.info(f"Sentry stored event {event_id} through the {used} endpoint.")
        return {"id": event_id, "endpoint": used}

    def submit(self, dsn: Dsn, event: dict, sentry_version: int, endpoint: str = AUTO) -> Tuple[str, str]:
        """Send a normalised event; returns (the id Sentry confirms, the endpoint that took it)."""
        if endpoint == STORE:
            return self._confirm(self._post_store(dsn, event, sentry_version), dsn, STORE, event), STORE
        response = self._post_envelope(dsn, event, sentry_version)
        if _has_no_envelope_endpoint(response):
            if endpoint != AUTO:
                raise no_envelope_endpoint(response, dsn)
            self.logger.info(
                f"The server has no envelope endpoint (HTTP {response.status_code}); sending to the store endpoint."
            )
            return self._confirm(self._post_store(dsn, event, sentry_version), dsn, STORE, event), STORE
        return self._confirm(response, dsn, ENVELOPE, event), ENVELOPE

    def _post_envelope(self, dsn: Dsn, event: dict, sentry_version: int) -> requests.Response:
        body = gzip.compress(build_envelope(dsn, event), compresslevel=6)
        headers = self._headers(dsn, sentry_version, "application/x-sentry-envelope")
        headers["Content-Encoding"] = "gzip"
        return self._post(dsn.endpoint(ENVELOPE), body, headers, dsn)

    def _post_store(self, dsn: Dsn, event: dict, sentry_version: int) -> requests.Response:
        headers = self._headers(dsn, sentry_version, "application/json")
        return self._post(dsn.endpoint(STORE), encode_event(event), headers, dsn)

    def _post(self, url: str, body: bytes, headers: dict, dsn: Dsn) -> requests.Response:
        return self.transport.request(
            "POST", url, secrets=dsn.secrets, data=body, headers=headers, rate_limit_wait=ingest_rate_limit_wait
        )

    def _headers(self, dsn: Dsn, sentry_version: int, content_type: str) -> dict:
        return {
            "X-Sentry-Auth": dsn.auth_header(sentry_version, self.client_name),
            "Content-Type": content_type,
            "User-Agent": self.client_name,
        }

    def _confirm(self, response: requests.Response, dsn: Dsn, endpoint: str, event: dict) -> str:
        """The event's ID, once Sentry's answer confirms it (as `id`, or as `event_id` on some store endpoints)."""
        what = f"POST {dsn.path_prefix}/api/{dsn.project_id}/{endpoint}/"
        if not 200 <= response.status_code < 300:
            raise http_error(response.status_code, what, sentry_detail(response, dsn.secrets), scope="dsn")
        confirmed = _confirmed_ids(response)
        if event["event_id"] in confirmed:
            return event["event_id"]
        data = f"HTTP {response.status_code} from {what}: {sentry_detail(response, dsn.secrets)[:200]}"
        if confirmed:
            other = redact(repr(sorted(confirmed)[0][:40]), dsn.secrets)
            raise preset_error(
                Preset.INVALID_JSON,
                data,
                f"Sentry's answer to {what} confirmed another event ID ({other}) than the one sent "
                f"({event['event_id']}), so this event may not have been stored.",
                "Verify that the DSN points at the Sentry server meant (not a proxy or another service) and try "
                "again: the event keeps its event ID, so sending it again cannot store it twice.",
            )
        raise preset_error(
            Preset.INVALID_JSON,
            data,
            f"Sentry's answer to {what} did not confirm an event ID, so the event may not have been stored.",
            "Verify that the DSN points at a Sentry server (not a proxy or login page) and try again.",
        )


def _confirmed_ids(response: requests.Response) -> set:
    """The event IDs an answer confirms, in the event's own form (32 lower-case hexadecimal characters)."""
    try:
        body = parse_json(response.content)
    except ValueError:
        return set()
    if not isinstance(body, dict):
        return set()
    said = (body.get(key) for key in ("id", "event_id"))
    return {value.strip().lower().replace("-", "") for value in said if isinstance(value, str) and value.strip()}


def build_envelope(dsn: Dsn, event: dict) -> bytes:
    payload = encode_event(event)
    header = {
        "event_id": event["event_id"],
        "dsn": dsn.without_secret(),
        "sent_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    item = {"type": "event", "length": len(payload), "content_type": "application/json"}
    return b"\n".join([_compact(header), _compact(item), payload]) + b"\n"


def _compact(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def _has_no_envelope_endpoint(response: requests.Response) -> bool:
    """404/405, or a 403 that is not Sentry's JSON (Sentry 9 answers an unknown route with an HTML 403)."""
    if response.status_code in (404, 405):
        return True
    if response.status_code == 403:
        try:
            parse_json(response.content)
        except ValueError:
            return True
    return False


def no_envelope_endpoint(response: requests.Response, dsn: Dsn) -> PluginException:
    """Endpoint 'envelope' on a server without it (Sentry before 20.6 answers 404, 405 or an HTML 403)."""
    what = f"POST {dsn.path_prefix}/api/{dsn.project_id}/{ENVELOPE}/"
    detail = sentry_detail(response, dsn.secrets)
    return preset_error(
        Preset.NOT_FOUND,
        f"HTTP {response.status_code} from {what}" + (f": {detail}" if detail else ""),
        f"The server does not seem to have an envelope endpoint (HTTP {response.status_code}): it is most likely "
        "a Sentry older than 20.6.",
        "Set Endpoint to auto (or store) for this server. If it is Sentry 20.6 or later, verify the DSN's key and "
        "project ID instead.",
    )


def ingest_rate_limit_wait(response: requests.Response) -> Optional[float]:
    """The longest X-Sentry-Rate-Limits entry that covers events, else Retry-After (or the Web API headers)."""
    header = response.headers.get("X-Sentry-Rate-Limits", "")
    waits = []
    for entry in header.split(","):
        fields = entry.strip().split(":")
        if len(fields) < 2:
            continue
        categories = set(fields[1].split(";")) if fields[1] else {""}
        seconds = header_seconds(fields[0])  # inf (a wait too long) counts; nan or words do not
        if seconds is not None and categories & _EVENT_CATEGORIES:
            waits.append(seconds)
    if waits:
        return max(waits)
    return web_api_rate_limit_wait(response)
