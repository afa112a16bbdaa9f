from .schema import GetIssueEventInput, GetIssueEventOutput, Input, Output, Component

from komand_sentry.util.component import SentryAction
from komand_sentry.util.mapping import event_from_sentry


class GetIssueEvent(SentryAction):

    def __init__(self):
        super().__init__("get_issue_event", Component, GetIssueEventInput(), GetIssueEventOutput())

    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        environment = params.get(Input.ENVIRONMENT)
        event_id = params.get(Input.EVENT_ID)
        issue_id = params.get(Input.ISSUE_ID)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        # END INPUT BINDING - DO NOT REMOVE

        event = self.connection.api.get_issue_event(issue_id, event_id, organization_slug, environment)
        return self.shaped(**{Output.EVENT: event_from_sentry(event)})
