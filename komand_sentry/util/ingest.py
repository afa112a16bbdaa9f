"""Submit Event: the envelope endpoint, or the store endpoint of Sentry before 20.6."""

import gzip
import json
from datetime import datetime, timezone
from typing import Optional

import requests

from komand_sentry.util.answers import NOT_JSON, json_or
from komand_sentry.util.dsn import Dsn, parse_dsn
from komand_sentry.util.errors import Preset, http_error, input_error, preset_error, redact, remember_secret
from komand_sentry.util.errors import sentry_detail
from komand_sentry.util.event import encode_event, normalise_event
from komand_sentry.util.transport import Transport, header_seconds, one_step, web_api_rate_limit_wait

ENVELOPE, STORE, AUTO = "envelope", "store", "auto"
_EVENT_CATEGORIES = {"", "error", "default"}
_ENVELOPE_HEADERS = {"Content-Type": "application/x-sentry-envelope", "Content-Encoding": "gzip"}
_CONTENT_HEADERS = {ENVELOPE: _ENVELOPE_HEADERS, STORE: {"Content-Type": "application/json"}}
_NOT_CONFIRMED = (  # a 2xx answer that does not confirm the event sent: (cause, assistance)
    "Sentry's answer to {what} did not confirm an event ID, so the event may not have been stored.",
    "Verify that the DSN points at a Sentry server (not a proxy or login page) and try again.",
)
_OTHER_CONFIRMED = (
    "Sentry's answer to {what} confirmed another event ID ({other}) than the one sent ({sent}), so this event may "
    "not have been stored.",
    "Verify that the DSN points at the Sentry server meant, not a proxy; sending again cannot store the event twice.",
)
_NO_ENVELOPE_ENDPOINT = (
    "The server has no envelope endpoint (HTTP {status}): it is most likely a Sentry older than 20.6.",
    "Set Endpoint to auto (or store); on Sentry 20.6 or later, verify the DSN's key and project ID instead.",
)


class Ingestor:
    def __init__(self, transport: Transport, client_name: str, logger):
        self.transport, self.client_name, self.logger = transport, client_name, logger  # "komand-sentry/2.0.0"

    @one_step
    def submit_event(self, dsn_text: str, event_json: dict, sentry_version: Optional[int], endpoint: Optional[str]):
        """The Submit Event action: everything is checked first, so that a refused event sends nothing."""
        dsn = parse_dsn(dsn_text)
        remember_secret(dsn.public_key, dsn.secret_key)  # hidden in every error and log line from now on
        version = 7 if sentry_version is None else sentry_version
        if not 1 <= version <= 99:  # the runtime's schema check made it an integer
            raise input_error("sentry_version", "it is not a protocol version number", "Use 7, the current version.")
        event = normalise_event(event_json, *self.client_name.partition("/")[::2])  # the sdk's name and version
        used = STORE if endpoint == STORE else ENVELOPE
        response = self._post(dsn, used, event, version)
        if used == ENVELOPE and _has_no_envelope_endpoint(response):
            if (endpoint or AUTO) != AUTO:
                raise _unsent(response, dsn, ENVELOPE, Preset.NOT_FOUND, _NO_ENVELOPE_ENDPOINT, cut=None)
            status = response.status_code
            self.logger.info(f"The server has no envelope endpoint (HTTP {status}); sending to the store endpoint.")
            used, response = STORE, self._post(dsn, STORE, event, version)
        event_id = _confirmed(response, dsn, used, event["event_id"])
        self.logger.info(f"Sentry stored event {event_id} through the {used} endpoint.")
        return {"id": event_id, "endpoint": used}

    def _post(self, dsn: Dsn, kind: str, event: dict, sentry_version: int) -> requests.Response:
        auth = dsn.auth_header(sentry_version, self.client_name)
        headers = {"X-Sentry-Auth": auth, "User-Agent": self.client_name, **_CONTENT_HEADERS[kind]}
        body = gzip.compress(build_envelope(dsn, event), compresslevel=6) if kind == ENVELOPE else encode_event(event)
        url = dsn.endpoint(kind)
        return self.transport.request("POST", url, data=body, headers=headers, rate_limit_wait=rate_limit_wait)


def _confirmed(response: requests.Response, dsn: Dsn, endpoint: str, sent: str) -> str:
    """The event's ID, once Sentry's answer confirms it (as `id`, or as `event_id` on some store endpoints)."""
    if not 200 <= response.status_code < 300:
        raise http_error(response.status_code, _what(dsn, endpoint), sentry_detail(response), "dsn")
    body = json_or(response.content)
    ids = [body.get(key) for key in ("id", "event_id")] if isinstance(body, dict) else []
    confirmed = sorted({text.strip().lower().replace("-", "") for text in ids if isinstance(text, str)} - {""})
    if sent in confirmed:
        return sent
    other = redact(repr(confirmed[0][:40])) if confirmed else None
    texts = _OTHER_CONFIRMED if confirmed else _NOT_CONFIRMED
    raise _unsent(response, dsn, endpoint, Preset.INVALID_JSON, texts, other=other, sent=sent)


def _unsent(response, dsn: Dsn, endpoint: str, preset: str, texts: tuple, cut=200, **values):
    """The error for an answer after which the event is not (or not known to be) stored; texts: cause, assistance."""
    what, status, detail = _what(dsn, endpoint), response.status_code, sentry_detail(response)[:cut]
    data = f"HTTP {status} from {what}" + (f": {detail}" if detail else "")
    return preset_error(preset, data, texts[0].format(what=what, status=status, **values), texts[1])


def _what(dsn: Dsn, endpoint: str) -> str:
    return f"POST {dsn.path_prefix}/api/{dsn.project_id}/{endpoint}/"


def build_envelope(dsn: Dsn, event: dict) -> bytes:
    payload = encode_event(event)
    sent_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    header = {"event_id": event["event_id"], "dsn": dsn.without_secret(), "sent_at": sent_at}
    item = {"type": "event", "length": len(payload), "content_type": "application/json"}
    return b"\n".join([json.dumps(part, separators=(",", ":")).encode() for part in (header, item)] + [payload]) + b"\n"


def _has_no_envelope_endpoint(response: requests.Response) -> bool:
    """404/405, or a 403 that is not Sentry's JSON (Sentry 9 answers an unknown route with an HTML 403)."""
    status = response.status_code
    return status in (404, 405) or status == 403 and json_or(response.content, NOT_JSON) is NOT_JSON


def rate_limit_wait(response: requests.Response) -> Optional[float]:
    """The longest X-Sentry-Rate-Limits entry that covers events, else Retry-After (or the Web API headers)."""
    entries = (entry.strip().split(":") for entry in response.headers.get("X-Sentry-Rate-Limits", "").split(","))
    covering = [fields[0] for fields in entries if len(fields) >= 2 and set(fields[1].split(";")) & _EVENT_CATEGORIES]
    waits = [wait for wait in map(header_seconds, covering) if wait is not None]  # inf counts; nan or words do not
    return max(waits) if waits else web_api_rate_limit_wait(response)
