import insightconnect_plugin_runtime

from insightconnect_plugin_runtime.telemetry import auto_instrument

from .schema import BulkUpdateIssuesInput, BulkUpdateIssuesOutput, Input, Output, Component

# Custom imports below


class BulkUpdateIssues(insightconnect_plugin_runtime.Action):

    def __init__(self):
        super(self.__class__, self).__init__(
            name="bulk_update_issues",
            description=Component.DESCRIPTION,
            input=BulkUpdateIssuesInput(),
            output=BulkUpdateIssuesOutput(),
        )

    @auto_instrument
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

        return {
            Output.CHANGES: None,
            Output.ISSUE_IDS: None,
        }
