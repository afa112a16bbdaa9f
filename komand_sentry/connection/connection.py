import insightconnect_plugin_runtime
from insightconnect_plugin_runtime.exceptions import ConnectionTestException, PluginException
from .schema import ConnectionSchema, Input

import requests

from komand_sentry.util.component import CachedValidation
from komand_sentry.util.errors import remember_secret
from komand_sentry.util.transport import Settings, Transport
from komand_sentry.util.version import CLIENT_NAME


class Connection(insightconnect_plugin_runtime.Connection):

    def __init__(self):
        super(self.__class__, self).__init__(input=ConnectionSchema())

    def _validate(self):  # the runtime's check of the settings, without checking the schema itself at every start
        CachedValidation(self.schema)(self.parameters)

    def connect(self, params):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        self.max_retry_wait = params.get(Input.MAX_RETRY_WAIT)
        self.organization_slug = params.get(Input.ORGANIZATION_SLUG)
        self.timeout = params.get(Input.TIMEOUT)
        self.token = params.get(Input.TOKEN)
        self.url = params.get(Input.URL)
        self.verify_tls = params.get(Input.VERIFY_TLS)
        # END INPUT BINDING - DO NOT REMOVE
        # No network I/O here: the clients are made on first use, so that Submit Event (DSN only) never
        # depends on the Web API settings or on the Web API being reachable.
        self.settings = _settings(self.timeout, self.max_retry_wait, self.verify_tls)
        if not self.settings.verify_tls:
            self.logger.warning("TLS certificate verification is off for this connection (Verify TLS is false).")
        self._api = self._ingest = None

    @property
    def api(self):  # a SentryApi
        if self._api is None:
            from komand_sentry.util.api import SentryApi  # imported by the steps that use it (cold start)
            from komand_sentry.util.routes import api_root

            token = checked_token(self.token)
            self._api = SentryApi(api_root(self.url), token, self._transport(), self.organization_slug, self.logger)
        return self._api

    @property
    def ingest(self):  # an Ingestor
        if self._ingest is None:
            from komand_sentry.util.ingest import Ingestor  # imported by the step that uses it (cold start)

            self._ingest = Ingestor(self._transport(), CLIENT_NAME, self.logger)
        return self._ingest

    def _transport(self) -> Transport:
        return Transport(requests.Session(), self.settings, self.logger)

    def test(self):
        try:
            self.api.check_token()
        except PluginException as error:
            raise ConnectionTestException(cause=error.cause, assistance=error.assistance, data=error.data)
        return {"success": True}


def checked_token(credential) -> str:
    """The token without surrounding white space; refused, without being shown, if it could not be a header value."""
    token = credential.get("token") if isinstance(credential, dict) else None
    token = token.strip() if isinstance(token, str) else ""
    if not token:
        raise PluginException(cause="The connection has no auth token.", assistance="Give one in the Auth Token field.")
    remember_secret(token)
    for position, char in enumerate(token, start=1):
        if char.isspace() or not 33 <= ord(char) <= 126:
            raise PluginException(
                cause=f"The connection's auth token has a space, line break, control or non-ASCII character at "
                f"position {position}, which no Sentry token has.",
                assistance="Copy the token again as one line (for example from Settings > Auth Tokens) and paste it "
                "into the connection's Auth Token field.",
            )
    return token


_SECONDS = {  # name: (lowest, highest, what to do about a value outside)
    "timeout": (1, 600, "Set Timeout to a number of seconds, such as 30."),
    "max_retry_wait": (0, 3600, "Set Max Retry Wait to a number of seconds, such as 60 (0 turns waiting off)."),
}


def _settings(timeout, max_retry_wait, verify_tls) -> Settings:
    """The transport's settings; the runtime's schema check has made them integers and a boolean already."""
    given = {"timeout": timeout, "max_retry_wait": max_retry_wait, "verify_tls": verify_tls}
    for name, (low, high, assistance) in _SECONDS.items():
        if given[name] is not None and not low <= given[name] <= high:
            cause = f"Invalid connection setting '{name}': it must be a number of seconds from {low} to {high}."
            raise PluginException(cause=cause, assistance=assistance)
    return Settings(**{name: value for name, value in given.items() if value is not None})
