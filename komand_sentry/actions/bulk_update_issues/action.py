from .schema import BulkUpdateIssuesInput, BulkUpdateIssuesOutput, Input, Output, Component

from komand_sentry.util.component import SentryAction
from komand_sentry.util.update import changes_in


class BulkUpdateIssues(SentryAction):

    def __init__(self):
        super().__init__("bulk_update_issues", Component, BulkUpdateIssuesInput(), BulkUpdateIssuesOutput())

    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        assignedto = params.get(Input.ASSIGNEDTO)
        hasseen = params.get(Input.HASSEEN)
        isbookmarked = params.get(Input.ISBOOKMARKED)
        ispublic = params.get(Input.ISPUBLIC)
        issubscribed = params.get(Input.ISSUBSCRIBED)
        issue_ids = params.get(Input.ISSUE_IDS)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        project_slug = params.get(Input.PROJECT_SLUG)
        query = params.get(Input.QUERY)
        status = params.get(Input.STATUS)
        statusdetails = params.get(Input.STATUSDETAILS)
        substatus = params.get(Input.SUBSTATUS)
        # END INPUT BINDING - DO NOT REMOVE

        changes = changes_in(params)  # the change inputs, by their Sentry names
        updated = self.connection.api.bulk_update_issues(organization_slug, project_slug, issue_ids, query, changes)
        return self.shaped(**{Output.ISSUE_IDS: updated["issue_ids"], Output.CHANGES: updated["changes"]})
