import insightconnect_plugin_runtime

from insightconnect_plugin_runtime.telemetry import auto_instrument

from .schema import AddIssueCommentInput, AddIssueCommentOutput, Input, Output, Component

# Custom imports below
from komand_sentry.util.mapping import comment_from_sentry, conform_output
from komand_sentry.util.validation import validate_with_checked_schemas


class AddIssueComment(insightconnect_plugin_runtime.Action):

    def __init__(self):
        super(self.__class__, self).__init__(
            name="add_issue_comment",
            description=Component.DESCRIPTION,
            input=AddIssueCommentInput(),
            output=AddIssueCommentOutput(),
        )
        validate_with_checked_schemas(self.input, self.output)

    @auto_instrument
    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        issue_id = params.get(Input.ISSUE_ID)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        text = params.get(Input.TEXT)
        # END INPUT BINDING - DO NOT REMOVE

        comment = self.connection.api.add_issue_comment(issue_id, text, organization_slug)
        return conform_output({Output.COMMENT: comment_from_sentry(comment)}, self.output.schema)
