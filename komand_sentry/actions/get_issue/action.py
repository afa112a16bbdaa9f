from .schema import GetIssueInput, GetIssueOutput, Input, Output, Component

from komand_sentry.util.component import SentryAction
from komand_sentry.util.mapping import issue_from_sentry


class GetIssue(SentryAction):

    def __init__(self):
        super().__init__("get_issue", Component, GetIssueInput(), GetIssueOutput())

    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        issue_id = params.get(Input.ISSUE_ID)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        # END INPUT BINDING - DO NOT REMOVE

        issue = self.connection.api.get_issue(issue_id, organization_slug)
        return self.shaped(**{Output.ISSUE: issue_from_sentry(issue)})
