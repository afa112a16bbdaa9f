"""Bulk Update Issues: the issues a query matches, or the given IDs confirmed one by one, updated by ID in chunks,
with an exact answer of which ones changed (docs/design/api.md)."""

from typing import List, Optional

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.errors import Preset, input_error
from komand_sentry.util.identifiers import check_issue_id, is_short_id
from komand_sentry.util.routes import NotInOrganization, dig

CHUNK = 1000  # Sentry's limit per request
MAX_QUERY_MATCHES = 10_000
MAX_ISSUE_IDS = 10_000


class BulkUpdate:
    def __init__(self, api, organization: str, project: Optional[str]):
        self.api, self.organization, self.project = api, organization, project
        scope = ("projects", organization, project) if project else ("organizations", organization)
        self.url = api.routes.url(organization, *scope, "issues")

    def run(self, issue_ids: Optional[List[str]], query: Optional[str], changes: dict) -> dict:
        targets, updated, applied = self.targets(issue_ids, query), [], {}
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
            return [issue_id for issue_id in self._numeric(issue_ids) if self._in_scope(issue_id)]
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

    def _in_scope(self, issue_id: str) -> bool:
        """Whether the issue exists in the organization (and the project, if one is named), read on its own."""
        issue = self.api.routes.target(issue_id, self.organization)
        try:
            details = self.api.answer(self.api.routes.send("GET", issue, ""))
        except NotInOrganization:
            return False
        except PluginException as error:
            if error.preset == Preset.NOT_FOUND:
                return False
            raise
        return not self.project or dig(details, "project", "slug") == self.project

    def _matching(self, query: str) -> List[str]:
        page = self.api.list_pages(self.url, {"query": query}, MAX_QUERY_MATCHES + 1, None).items
        if len(page) > MAX_QUERY_MATCHES:
            raise PluginException(
                cause=f"The query matches more than {MAX_QUERY_MATCHES:,} issues, more than one Bulk Update changes.",
                assistance="Narrow the query (for example with a project, a release or a level), or update in parts.",
            )
        return list(dict.fromkeys(str(issue.get("id")) for issue in page))

    def _put(self, chunk: List[str], changes: dict, updated: List[str]):
        try:
            response = self.api.send("PUT", self.url, {"id": chunk}, changes)
            return self.api.answer(response, assignee=changes.get("assignedTo"))
        except PluginException as error:
            if updated:
                listed = ", ".join(updated[:50]) + (" ..." if len(updated) > 50 else "")
                error.data = f"{error.data} (already updated before this failure: {len(updated)} issues: {listed})"
            raise
