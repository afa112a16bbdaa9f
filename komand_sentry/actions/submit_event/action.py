from .schema import SubmitEventInput, SubmitEventOutput, Input, Output, Component

from komand_sentry.util.component import SentryAction


class SubmitEvent(SentryAction):

    def __init__(self):
        super().__init__("submit_event", Component, SubmitEventInput(), SubmitEventOutput())

    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        dsn = params.get(Input.DSN)
        endpoint = params.get(Input.ENDPOINT)
        event_json = params.get(Input.EVENT_JSON)
        sentry_version = params.get(Input.SENTRY_VERSION)
        # END INPUT BINDING - DO NOT REMOVE

        return self.connection.ingest.submit_event(dsn, event_json, sentry_version, endpoint)
