import insightconnect_plugin_runtime
import time
from .schema import NewIssueInput, NewIssueOutput, Input, Output, Component

from komand_sentry.util.mapping import conform_output, issue_from_sentry
from komand_sentry.util.component import validate_with_checked_schemas

PAUSE_SLICE = 0.5  # seconds between two looks for the orchestrator's shutdown flag while waiting


class NewIssue(insightconnect_plugin_runtime.Trigger):
    stopping = False  # set for good once the orchestrator's shutdown flag has appeared

    def __init__(self):
        super().__init__("new_issue", Component.DESCRIPTION, NewIssueInput(), NewIssueOutput())
        validate_with_checked_schemas(self.input, self.output)

    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        interval = params.get(Input.INTERVAL)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        project_slug = params.get(Input.PROJECT_SLUG)
        query = params.get(Input.QUERY)
        # END INPUT BINDING - DO NOT REMOVE
        from komand_sentry.util.new_issues import NewIssuePolls, check_interval, check_project, check_query

        project, query = check_project(organization_slug, project_slug), check_query(query)
        polls = NewIssuePolls(lambda: self.connection.api, project, query, check_interval(interval), self.logger)
        self.keep(polls.start(self.state))
        while self.running():  # the wait between polls in short slices, so that a shutdown ends the trigger promptly
            deadline = time.monotonic() + polls.poll(self.emit, self.keep, self.running)
            while self.running() and time.monotonic() < deadline:
                time.sleep(min(PAUSE_SLICE, deadline - time.monotonic()))

    def emit(self, issue: dict) -> None:
        self.send(conform_output({Output.ISSUE: issue_from_sentry(issue)}, self.output.schema))

    def keep(self, state: dict) -> None:
        self.state = state
        self._save_state()

    def _save_state(self):
        if self.state_file:  # the runtime keeps one for the workflow's triggerId; without one its own save would fail
            super()._save_state()

    def running(self) -> bool:
        """False from the moment the orchestrator's shutdown flag appears (`run_trigger` removes the flag)."""
        self.stopping = self.stopping or not self.run_trigger
        return not self.stopping
