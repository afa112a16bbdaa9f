import insightconnect_plugin_runtime

from insightconnect_plugin_runtime.telemetry import auto_instrument

from .schema import ListIssueCommentsInput, ListIssueCommentsOutput, Input, Output, Component

# Custom imports below
from komand_sentry.util.mapping import comment_from_sentry, conform_output
from komand_sentry.util.validation import validate_with_checked_schemas


class ListIssueComments(insightconnect_plugin_runtime.Action):

    def __init__(self):
        super(self.__class__, self).__init__(
            name="list_issue_comments",
            description=Component.DESCRIPTION,
            input=ListIssueCommentsInput(),
            output=ListIssueCommentsOutput(),
        )
        validate_with_checked_schemas(self.input, self.output)

    @auto_instrument
    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        issue_id = params.get(Input.ISSUE_ID)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        # END INPUT BINDING - DO NOT REMOVE

        comments = self.connection.api.list_issue_comments(issue_id, organization_slug)
        return conform_output(
            {Output.COMMENTS: [comment_from_sentry(comment) for comment in comments]}, self.output.schema
        )
