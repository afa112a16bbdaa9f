import insightconnect_plugin_runtime
import time
from .schema import NewIssueInput, NewIssueOutput, Input, Output, Component

# Custom imports below


class NewIssue(insightconnect_plugin_runtime.Trigger):

    def __init__(self):
        super(self.__class__, self).__init__(
            name="new_issue", description=Component.DESCRIPTION, input=NewIssueInput(), output=NewIssueOutput()
        )

    def run(self, params={}):
        # START INPUT BINDING - DO NOT REMOVE - ANY INPUTS BELOW WILL UPDATE WITH YOUR PLUGIN SPEC AFTER REGENERATION
        interval = params.get(Input.INTERVAL)
        organization_slug = params.get(Input.ORGANIZATION_SLUG)
        project_slug = params.get(Input.PROJECT_SLUG)
        query = params.get(Input.QUERY)
        # END INPUT BINDING - DO NOT REMOVE

        while True:
            # TODO: Implement trigger functionality
            self.send(
                {
                    Output.ISSUE: None,
                }
            )
            time.sleep(5)
