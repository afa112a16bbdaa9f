import insightconnect_plugin_runtime

from insightconnect_plugin_runtime.telemetry import auto_instrument

from .schema import ListIssueCommentsInput, ListIssueCommentsOutput, Input, Output, Component

# Custom imports below


class ListIssueComments(insightconnect_plugin_runtime.Action):

    def __init__(self):
        super(self.__class__, self).__init__(
            name="list_issue_comments",
            description=Component.DESCRIPTION,
            input=ListIssueCommentsInput(),
            output=ListIssueCommentsOutput(),
        )

    @auto_instrument
    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        issue_id = params.get(Input.ISSUE_ID)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        # END INPUT BINDING - DO NOT REMOVE

        return {
            Output.COMMENTS: None,
        }
