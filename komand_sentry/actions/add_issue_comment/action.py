import insightconnect_plugin_runtime

from insightconnect_plugin_runtime.telemetry import auto_instrument

from .schema import AddIssueCommentInput, AddIssueCommentOutput, Input, Output, Component

# Custom imports below


class AddIssueComment(insightconnect_plugin_runtime.Action):

    def __init__(self):
        super(self.__class__, self).__init__(
            name="add_issue_comment",
            description=Component.DESCRIPTION,
            input=AddIssueCommentInput(),
            output=AddIssueCommentOutput(),
        )

    @auto_instrument
    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        issue_id = params.get(Input.ISSUE_ID)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        text = params.get(Input.TEXT)
        # END INPUT BINDING - DO NOT REMOVE

        return {
            Output.COMMENT: None,
        }
