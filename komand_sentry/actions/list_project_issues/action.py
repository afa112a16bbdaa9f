import insightconnect_plugin_runtime

from insightconnect_plugin_runtime.telemetry import auto_instrument

from .schema import ListProjectIssuesInput, ListProjectIssuesOutput, Input, Output, Component

# Custom imports below
from komand_sentry.util.heap import cyclic_gc_paused
from komand_sentry.util.mapping import page_output, issue_from_sentry
from komand_sentry.util.validation import validate_with_checked_schemas


class ListProjectIssues(insightconnect_plugin_runtime.Action):

    def __init__(self):
        super(self.__class__, self).__init__(
            name="list_project_issues",
            description=Component.DESCRIPTION,
            input=ListProjectIssuesInput(),
            output=ListProjectIssuesOutput(),
        )
        validate_with_checked_schemas(self.input, self.output)

    @auto_instrument
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

        with cyclic_gc_paused():  # the listing is built (and the raw pages freed) without GC passes: see heap.py
            return page_output(
                self.connection.api.list_project_issues(
                    organization_slug, project_slug, query, statsperiod, shortidlookup, limit, cursor
                ),
                Output.ISSUES,
                issue_from_sentry,
                self.output.schema,
            )
