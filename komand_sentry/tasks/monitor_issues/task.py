import insightconnect_plugin_runtime

from insightconnect_plugin_runtime.telemetry import auto_instrument

from .schema import MonitorIssuesInput, MonitorIssuesOutput, MonitorIssuesState, Input, Output, Component, State

# Custom imports below


class MonitorIssues(insightconnect_plugin_runtime.Task):

    def __init__(self):
        super(self.__class__, self).__init__(
            name="monitor_issues",
            description=Component.DESCRIPTION,
            input=MonitorIssuesInput(),
            output=MonitorIssuesOutput(),
            state=MonitorIssuesState(),
        )

    @auto_instrument
    def run(self, params={}, state={}, custom_config={}):
        # TODO: Implement run function
        return {}, {}
