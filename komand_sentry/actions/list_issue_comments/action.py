from .schema import ListIssueCommentsInput, ListIssueCommentsOutput, Input, Output, Component

from komand_sentry.util.component import SentryAction
from komand_sentry.util.mapping import comment_from_sentry


class ListIssueComments(SentryAction):

    def __init__(self):
        super().__init__("list_issue_comments", Component, ListIssueCommentsInput(), ListIssueCommentsOutput())

    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        issue_id = params.get(Input.ISSUE_ID)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        # END INPUT BINDING - DO NOT REMOVE

        comments = self.connection.api.list_issue_comments(issue_id, organization_slug)
        return self.shaped(**{Output.COMMENTS: [comment_from_sentry(comment) for comment in comments]})
