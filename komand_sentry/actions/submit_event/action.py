import insightconnect_plugin_runtime

from insightconnect_plugin_runtime.telemetry import auto_instrument

from .schema import SubmitEventInput, SubmitEventOutput, Input, Output, Component

# Custom imports below
from komand_sentry.util.validation import validate_with_checked_schemas


class SubmitEvent(insightconnect_plugin_runtime.Action):

    def __init__(self):
        super(self.__class__, self).__init__(
            name="submit_event", description=Component.DESCRIPTION, input=SubmitEventInput(), output=SubmitEventOutput()
        )
        validate_with_checked_schemas(self.input, self.output)

    @auto_instrument
    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        dsn = params.get(Input.DSN)
        endpoint = params.get(Input.ENDPOINT)
        event_json = params.get(Input.EVENT_JSON)
        sentry_version = params.get(Input.SENTRY_VERSION)
        # END INPUT BINDING - DO NOT REMOVE

        return self.connection.ingest.submit_event(dsn, event_json, sentry_version, endpoint)
