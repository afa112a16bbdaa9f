import insightconnect_plugin_runtime

from insightconnect_plugin_runtime.telemetry import auto_instrument

from .schema import UpdateIssueInput, UpdateIssueOutput, Input, Output, Component

# Custom imports below
from komand_sentry.util.mapping import conform_output, issue_from_sentry
from komand_sentry.util.update import changes_in
from komand_sentry.util.validation import validate_with_checked_schemas


class UpdateIssue(insightconnect_plugin_runtime.Action):

    def __init__(self):
        super(self.__class__, self).__init__(
            name="update_issue", description=Component.DESCRIPTION, input=UpdateIssueInput(), output=UpdateIssueOutput()
        )
        validate_with_checked_schemas(self.input, self.output)

    @auto_instrument
    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        assignedto = params.get(Input.ASSIGNEDTO)
        hasseen = params.get(Input.HASSEEN)
        isbookmarked = params.get(Input.ISBOOKMARKED)
        ispublic = params.get(Input.ISPUBLIC)
        issubscribed = params.get(Input.ISSUBSCRIBED)
        issue_id = params.get(Input.ISSUE_ID)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        status = params.get(Input.STATUS)
        statusdetails = params.get(Input.STATUSDETAILS)
        substatus = params.get(Input.SUBSTATUS)
        # END INPUT BINDING - DO NOT REMOVE

        changes = changes_in(params)  # the change inputs, by their Sentry names
        issue = self.connection.api.update_issue(issue_id, organization_slug, changes)
        return conform_output({Output.ISSUE: issue_from_sentry(issue)}, self.output.schema)
