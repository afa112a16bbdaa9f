import insightconnect_plugin_runtime

from insightconnect_plugin_runtime.telemetry import auto_instrument

from .schema import GetIssueInput, GetIssueOutput, Input, Output, Component

# Custom imports below
from komand_sentry.util.mapping import conform_output, issue_from_sentry
from komand_sentry.util.validation import validate_with_checked_schemas


class GetIssue(insightconnect_plugin_runtime.Action):

    def __init__(self):
        super(self.__class__, self).__init__(
            name="get_issue", description=Component.DESCRIPTION, input=GetIssueInput(), output=GetIssueOutput()
        )
        validate_with_checked_schemas(self.input, self.output)

    @auto_instrument
    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        issue_id = params.get(Input.ISSUE_ID)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        # END INPUT BINDING - DO NOT REMOVE

        issue = self.connection.api.get_issue(issue_id, organization_slug)
        return conform_output({Output.ISSUE: issue_from_sentry(issue)}, self.output.schema)
