from .schema import ListIssueEventsInput, ListIssueEventsOutput, Input, Output, Component

from komand_sentry.util.component import SentryAction
from komand_sentry.util.mapping import event_from_sentry


class ListIssueEvents(SentryAction):

    def __init__(self):
        super().__init__("list_issue_events", Component, ListIssueEventsInput(), ListIssueEventsOutput())

    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        cursor = params.get(Input.CURSOR)
        full = params.get(Input.FULL)
        issue_id = params.get(Input.ISSUE_ID)
        limit = params.get(Input.LIMIT)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        # END INPUT BINDING - DO NOT REMOVE

        fetch = self.connection.api.list_issue_events
        return self.listing(Output.EVENTS, event_from_sentry, fetch, issue_id, organization_slug, full, limit, cursor)
