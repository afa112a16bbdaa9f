from .schema import ListProjectIssuesInput, ListProjectIssuesOutput, Input, Output, Component

from komand_sentry.util.component import SentryAction
from komand_sentry.util.mapping import issue_from_sentry


class ListProjectIssues(SentryAction):

    def __init__(self):
        super().__init__("list_project_issues", Component, ListProjectIssuesInput(), ListProjectIssuesOutput())

    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        cursor = params.get(Input.CURSOR)
        limit = params.get(Input.LIMIT)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        project_slug = params.get(Input.PROJECT_SLUG)
        query = params.get(Input.QUERY)
        shortidlookup = params.get(Input.SHORTIDLOOKUP)
        statsperiod = params.get(Input.STATSPERIOD)
        # END INPUT BINDING - DO NOT REMOVE

        fetch = self.connection.api.list_project_issues
        args = (organization_slug, project_slug, query, statsperiod, shortidlookup, limit, cursor)
        return self.listing(Output.ISSUES, issue_from_sentry, fetch, *args)
