import insightconnect_plugin_runtime

from insightconnect_plugin_runtime.telemetry import auto_instrument

from .schema import MonitorIssuesInput, MonitorIssuesOutput, MonitorIssuesState, Input, Component

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.mapping import conform_output, issue_from_sentry
from komand_sentry.util.component import validate_with_checked_schemas

_ISSUE = dict(MonitorIssuesOutput.schema["definitions"]["Issue"], definitions=MonitorIssuesOutput.schema["definitions"])


class MonitorIssues(insightconnect_plugin_runtime.Task):

    def __init__(self):
        super().__init__(
            "monitor_issues", Component.DESCRIPTION, MonitorIssuesInput(), MonitorIssuesOutput(), MonitorIssuesState()
        )
        validate_with_checked_schemas(self.input, self.output, self.state)

    @auto_instrument
    def run(self, params={}, state={}, custom_config={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        project_slug = params.get(Input.PROJECT_SLUG)
        # END INPUT BINDING - DO NOT REMOVE
        from komand_sentry.util.new_issues import IssueCollection, check_project

        try:
            project = check_project(organization_slug, project_slug)
        except PluginException as error:  # a task answers with its error object; the state stays as it was
            return [], state, False, 400, error
        collection = IssueCollection(lambda: self.connection.api, project, self.logger)
        return collection.collect(state, custom_config, lambda issue: conform_output(issue_from_sentry(issue), _ISSUE))
