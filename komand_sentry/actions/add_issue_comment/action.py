from .schema import AddIssueCommentInput, AddIssueCommentOutput, Input, Output, Component

from komand_sentry.util.component import SentryAction
from komand_sentry.util.mapping import comment_from_sentry


class AddIssueComment(SentryAction):

    def __init__(self):
        super().__init__("add_issue_comment", Component, AddIssueCommentInput(), AddIssueCommentOutput())

    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        issue_id = params.get(Input.ISSUE_ID)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        text = params.get(Input.TEXT)
        # END INPUT BINDING - DO NOT REMOVE

        comment = self.connection.api.add_issue_comment(issue_id, text, organization_slug)
        return self.shaped(**{Output.COMMENT: comment_from_sentry(comment)})
