from .schema import UpdateIssueInput, UpdateIssueOutput, Input, Output, Component

from komand_sentry.util.component import SentryAction
from komand_sentry.util.mapping import issue_from_sentry
from komand_sentry.util.update import changes_in


class UpdateIssue(SentryAction):

    def __init__(self):
        super().__init__("update_issue", Component, UpdateIssueInput(), UpdateIssueOutput())

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
        return self.shaped(**{Output.ISSUE: issue_from_sentry(issue)})
