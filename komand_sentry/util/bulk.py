"""Bulk Update Issues: change many issues with an exact answer of which ones changed.

A query is never sent to Sentry's bulk update (Sentry would apply it to every match and not say which). The plugin
lists the matching issues first (at most MAX_QUERY_MATCHES), confirms given IDs the same way, then updates exactly
those IDs in chunks of CHUNK, Sentry's limit per request (a given ID is confirmed by reading the issue). 204 means none of a chunk matched: a success.
"""

from typing import Dict, List, Optional

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.errors import Preset, input_error
from komand_sentry.util.identifiers import check_issue_id, is_short_id
from komand_sentry.util.routes import NotInOrganization, segment

CHUNK = 1000
MAX_QUERY_MATCHES = 10_000
MAX_ISSUE_IDS = 10_000


class BulkUpdate:
    def __init__(self, api, organization: str, project: Optional[str]):
        self.api = api
        self.organization = organization
        self.project = project
        root = api.root_for(organization)
        if project:
            self.url = f"{root}/api/0/projects/{segment(organization)}/{segment(project)}/issues/"
        else:
            self.url = f"{root}/api/0/organizations/{segment(organization)}/issues/"

    def run(self, issue_ids: Optional[List[str]], query: Optional[str], changes: dict) -> dict:
        targets = self.targets(issue_ids, query)
        updated: List[str] = []
        applied: Dict = {}
        for start in range(0, len(targets), CHUNK):
            chunk = targets[start : start + CHUNK]
            answer = self._put(chunk, changes, updated)
            if answer is not None:  # None: 204, nothing of this chunk matched
                updated.extend(chunk)
                applied = applied or answer
        return {"issue_ids": updated, "changes": applied}

    def targets(self, issue_ids: Optional[List[str]], query: Optional[str]) -> List[str]:
        if issue_ids and query:
            raise input_error("query", "it cannot be combined with Issue IDs", "Give either Issue IDs or a Query.")
        if issue_ids:
            return self._confirmed(self._numeric(issue_ids))
        if query is not None and query.strip():
            return self._matching(query)
        raise input_error(
            "issue_ids", "neither Issue IDs nor a Query was given", "Give the issues to update as IDs or as a Query."
        )

    def _numeric(self, issue_ids: List[str]) -> List[str]:
        if len(issue_ids) > MAX_ISSUE_IDS:
            raise input_error("issue_ids", f"more than {MAX_ISSUE_IDS:,} IDs", "Update at most 10,000 issues a step.")
        checked = [check_issue_id("issue_ids", value) for value in issue_ids]
        numeric = [
            self.api.routes.target(value, self.organization).id if is_short_id(value) else value for value in checked
        ]
        return list(dict.fromkeys(numeric))  # in order, once each

    def _confirmed(self, issue_ids: List[str]) -> List[str]:
        """The given IDs that are issues of the organization (and project): each issue is read on its own, since
        no Sentry filters its issue listings by ID (9.1.2 ignores `id` there and answers the project's issues)."""
        return [issue_id for issue_id in issue_ids if self._in_scope(issue_id)]

    def _in_scope(self, issue_id: str) -> bool:
        """Whether the issue exists in the organization (and the project, if one is named)."""
        issue = self.api.routes.target(issue_id, self.organization)
        try:
            details = self.api.answer(self.api.routes.send("GET", issue, ""))
        except NotInOrganization:
            return False
        except PluginException as error:
            if error.preset == Preset.NOT_FOUND:
                return False
            raise
        project = details.get("project") if isinstance(details, dict) else None
        return not self.project or (isinstance(project, dict) and project.get("slug") == self.project)

    def _matching(self, query: str) -> List[str]:
        page = self._list({"query": query}, MAX_QUERY_MATCHES + 1)
        if len(page) > MAX_QUERY_MATCHES:
            raise PluginException(
                cause=f"The query matches more than {MAX_QUERY_MATCHES:,} issues, more than one Bulk Update changes.",
                assistance="Narrow the query (for example with a project, a release or a level), or update in parts.",
            )
        return list(dict.fromkeys(str(issue.get("id")) for issue in page))

    def _list(self, params: dict, limit: Optional[int]) -> List[dict]:
        return self.api.list_pages(self.url, params, limit, None).items

    def _put(self, chunk: List[str], changes: dict, updated: List[str]):
        try:
            response = self.api.send("PUT", self.url, {"id": chunk}, changes)
            return self.api.answer(response, assignee=changes.get("assignedTo"))
        except PluginException as error:
            if updated:
                error.data = f"{error.data} (already updated before this failure: {len(updated)} issues: " + (
                    ", ".join(updated[:50]) + (" ..." if len(updated) > 50 else "") + ")"
                )
            raise
