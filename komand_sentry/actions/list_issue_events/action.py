import insightconnect_plugin_runtime

from insightconnect_plugin_runtime.telemetry import auto_instrument

from .schema import ListIssueEventsInput, ListIssueEventsOutput, Input, Output, Component

# Custom imports below
from komand_sentry.util.heap import cyclic_gc_paused
from komand_sentry.util.mapping import page_output, event_from_sentry
from komand_sentry.util.validation import validate_with_checked_schemas


class ListIssueEvents(insightconnect_plugin_runtime.Action):

    def __init__(self):
        super(self.__class__, self).__init__(
            name="list_issue_events",
            description=Component.DESCRIPTION,
            input=ListIssueEventsInput(),
            output=ListIssueEventsOutput(),
        )
        validate_with_checked_schemas(self.input, self.output)

    @auto_instrument
    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        cursor = params.get(Input.CURSOR)
        full = params.get(Input.FULL)
        issue_id = params.get(Input.ISSUE_ID)
        limit = params.get(Input.LIMIT)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        # END INPUT BINDING - DO NOT REMOVE

        with cyclic_gc_paused():  # the listing is built (and the raw pages freed) without GC passes: see heap.py
            return page_output(
                self.connection.api.list_issue_events(issue_id, organization_slug, full, limit, cursor),
                Output.EVENTS,
                event_from_sentry,
                self.output.schema,
            )
