import insightconnect_plugin_runtime

from insightconnect_plugin_runtime.telemetry import auto_instrument

from .schema import GetIssueEventInput, GetIssueEventOutput, Input, Output, Component

# Custom imports below
from komand_sentry.util.mapping import conform_output, event_from_sentry
from komand_sentry.util.validation import validate_with_checked_schemas


class GetIssueEvent(insightconnect_plugin_runtime.Action):

    def __init__(self):
        super(self.__class__, self).__init__(
            name="get_issue_event",
            description=Component.DESCRIPTION,
            input=GetIssueEventInput(),
            output=GetIssueEventOutput(),
        )
        validate_with_checked_schemas(self.input, self.output)

    @auto_instrument
    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        environment = params.get(Input.ENVIRONMENT)
        event_id = params.get(Input.EVENT_ID)
        issue_id = params.get(Input.ISSUE_ID)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        # END INPUT BINDING - DO NOT REMOVE

        event = self.connection.api.get_issue_event(issue_id, event_id, organization_slug, environment)
        return conform_output({Output.EVENT: event_from_sentry(event)}, self.output.schema)
