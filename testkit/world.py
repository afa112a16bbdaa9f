"""The fake Sentry's world, whatever front end carries it (a request: `method`, `path`, `url`, `pairs`,
`query_dict()`, `json()`); its answers are the examples of the contract's extract of Sentry's OpenAPI document
(contract_test/data/contract.json), with the fake's issue and event IDs. See docs/design/testing.md."""

import copy
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from testkit.wire import NOT_FOUND, paged_items

CONTRACT_FILE = Path(__file__).resolve().parent.parent / "contract_test" / "data" / "contract.json"

# The operations whose examples the world answers with, by the key "METHOD path" of the document
LIST_PROJECT_ISSUES = "GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/issues/"
LIST_ISSUE_EVENTS = "GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/"
RETRIEVE_ISSUE = "GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/"
RETRIEVE_ORGANIZATION = "GET /api/0/organizations/{organization_id_or_slug}/"
RETRIEVE_ISSUE_EVENT = "GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/{event_id}/"
RESOLVE_SHORT_ID = "GET /api/0/organizations/{organization_id_or_slug}/shortids/{issue_id}/"
LIST_ORGANIZATION_PROJECTS = "GET /api/0/organizations/{organization_id_or_slug}/projects/"
LIST_ORGANIZATION_TEAMS = "GET /api/0/organizations/{organization_id_or_slug}/teams/"

ABSENT = object()  # an organization answer without links.regionUrl
_DIGITS = re.compile(r"^[0-9]+$")


@lru_cache(maxsize=None)
def contract() -> dict:
    return json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))


def response_examples(key: str) -> Dict[str, object]:
    return contract()["operations"][key]["response200"]["examples"]


def page_of(items: list, query: Dict[str, str], size_param: str, url: str) -> Tuple[list, Dict[str, str]]:
    """One page of `items` (the page size read from `size_param` only) and its Link header."""
    return paged_items(items, query, url.split("?")[0], names=(size_param,))


def numbered(template: dict, count: int, id_field: str = "id") -> List[dict]:
    """`count` (shallow) copies of an item, with ids 1, 2, ..."""
    return [dict(template, **{id_field: str(number)}) for number in range(1, count + 1)]


class SentryWorld:
    """Sentry's Web API (and ingestion) for every host, recording each request as requests sends it.

    scoped_routes=False is a server without organization-scoped issue routes (Sentry 9: its catch-all answers
    404 with no body; `catch_all` changes that answer, e.g. a single-page app's HTML 200); the legacy routes take
    numeric issue IDs only (Sentry 9's `(?P<issue_id>\\d+)`). Short IDs, the organization's projects (by default
    the issue's project, so that the issue is the organization's) and teams, events by keyword or ID, notes and the
    bulk updates are served on every server, as Sentry 9.1.2 and today's Sentry both do. Answers are of today's
    shape: the document's examples, with the issue's and events' IDs of the fake."""

    def __init__(
        self,
        *,
        scoped_routes: bool = True,
        regions: Optional[Dict[str, object]] = None,
        organization: Optional[dict] = None,
        issues: Optional[List[dict]] = None,
        events: Optional[List[dict]] = None,
        issue: Optional[dict] = None,
        put_answer: Optional[Callable[[dict, dict], dict]] = None,
        known_issues: Tuple[str, ...] = ("612424900", "BACKEND-1A"),
        ingest_answer: Optional[dict] = None,
        projects: Optional[List[dict]] = None,
        catch_all: Tuple[int, bytes, Dict[str, str]] = (404, b"", {}),
        notes: Optional[List[dict]] = None,
        event_groups: Optional[Dict[str, str]] = None,
        listing_filters_id: bool = True,
    ):
        self.scoped_routes = scoped_routes
        self.regions = regions or {}
        self.organization = organization
        if issues is None:
            issues = numbered(response_examples(LIST_PROJECT_ISSUES)["example"][0], 3)
        self.issues = issues
        self.events = events if events is not None else numbered(default_event(), 3)
        self.issue = issue if issue is not None else default_issue()
        self.put_answer = put_answer
        self.known_issues = known_issues
        self.ingest_answer = ingest_answer
        self.projects = projects if projects is not None else [default_project(self.issue)]
        self.catch_all = catch_all
        self.notes = notes if notes is not None else [note(number) for number in (3, 2, 1)]  # newest first
        self.event_groups = event_groups or {}  # event ID -> the issue it belongs to, when not the one asked
        # True: the issue listings keep the issues whose IDs `id` gives. Neither Sentry 9.1.2's nor today's listings
        # read `id` (project_group_index.py get(); organization_group_index.py reads `group`): False is that.
        self.listing_filters_id = listing_filters_id
        self.updated: List[str] = []  # issue IDs a bulk update changed
        self.requests: list = []

    def answer(self, request) -> Tuple[int, object, Dict[str, str]]:
        for route in (self._root_answer, self._organization_routes, self._project_routes, self._issue_routes):
            found = route(request)
            if found is not None:
                return found
        return 404, NOT_FOUND, {}

    def _root_answer(self, request):
        path, method = request.path, request.method
        if re.match(r"^/api/\d+/(envelope|store)/$", path) and method == "POST":
            return 200, self.ingest_answer or {"id": "afd25d0e868f495fa802179d33ef3b97"}, {}
        if path == "/api/0/" and method == "GET":
            return 200, {"version": "0", "auth": {"scopes": ["event:read", "event:write"]}, "user": None}, {}
        return None

    def _organization_routes(self, request):
        found = re.match(r"^/api/0/organizations/([^/]+)/(|projects/|teams/|issues/|shortids/([^/]+)/)$", request.path)
        if not found:
            return None
        organization, what, short_id = found.groups()
        if what == "" and request.method == "GET":
            return 200, self.organization_answer(organization), {}
        if what in ("projects/", "teams/") and request.method == "GET":
            items = self.projects if what == "projects/" else teams()
            return (200, *page_of(items, request.query_dict(), "per_page", request.url))
        if what == "issues/":
            return self._issues(request)
        if short_id is not None and request.method == "GET":
            return self.short_id_answer(organization, short_id)
        return None

    def _project_routes(self, request):
        found = re.match(r"^/api/0/projects/[^/]+/([^/]+)/(issues/|events/([^/]+)/)$", request.path)
        if not found:
            return None
        project, what, event_id = found.groups()
        if what == "issues/":
            return self._issues(request)
        if request.method != "GET":
            return None
        if project not in {str(p.get("slug")) for p in self.projects}:
            return 404, NOT_FOUND, {}
        return 200, self.full_event(event_id, self.event_groups.get(event_id, self.numeric_id)), {}

    def _issues(self, request):
        """An issue listing (GET) or a bulk update (PUT) of a project or an organization."""
        ids = [value for key, value in request.pairs if key == "id"]
        if request.method == "GET":
            issues = self.issues
            if ids and self.listing_filters_id:
                issues = [issue for issue in issues if str(issue.get("id")) in ids]
            return (200, *page_of(issues, request.query_dict(), "limit", request.url))
        if request.method != "PUT":
            return None
        known = {str(issue.get("id")) for issue in self.issues} | {i for i in self.known_issues if _DIGITS.match(i)}
        matched = [issue_id for issue_id in ids if issue_id in known]
        if not matched:
            return 204, b"", {}  # Sentry: nothing matched, no body and no Content-Type
        self.updated += matched
        return 200, bulk_answer(request.json()), {}

    def _issue_routes(self, request):
        path, method = request.path, request.method
        suffix = r"(|events/|events/[^/]+/|notes/)"
        scoped = re.match(rf"^/api/0/organizations/[^/]+/issues/([^/]+)/{suffix}$", path)
        legacy = re.match(rf"^/api/0/issues/([^/]+)/{suffix}$", path)
        if scoped and not self.scoped_routes:
            return self.catch_all  # the catch-all of a server without the route
        if not (scoped or legacy):
            return None
        issue_id, what = (scoped or legacy).groups()
        if legacy and what.startswith("events/") and what not in ("events/", "events/latest/", "events/oldest/"):
            return 404, b"", {}  # Sentry 9's catch-all: no /events/recommended/ nor /events/{event_id}/ there
        if issue_id not in self.known_issues or (legacy and not _DIGITS.match(issue_id)):
            return 404, NOT_FOUND, {}
        if what == "notes/":
            return self._notes(request)
        if what == "events/" and method == "GET":
            return (200, *page_of(self.events, request.query_dict(), "per_page", request.url))
        if what.startswith("events/") and method == "GET":
            event_id = what.split("/")[1]
            return 200, self.full_event(event_id, self.event_groups.get(event_id, issue_id)), {}
        return self._issue(request) if what == "" else None

    def _issue(self, request):
        if request.method == "GET":
            return 200, self.issue, {}
        if request.method == "PUT":
            changes = request.json()
            if self.put_answer is not None:
                return 200, self.put_answer(self.issue, changes), {}
            return 200, dict(self.issue, **{k: v for k, v in changes.items() if k in ("status", "substatus")}), {}
        return None

    def _notes(self, request):
        if request.method == "GET":
            return (200, *page_of(self.notes, request.query_dict(), "per_page", request.url))
        if request.method == "POST":
            added = dict(note(len(self.notes) + 1), data={"text": request.json().get("text")})
            self.notes.insert(0, added)
            return 201, added, {}
        return None

    @property
    def numeric_id(self) -> str:
        """The numeric ID of the fake's issue (the first numeric known issue)."""
        return next(issue_id for issue_id in self.known_issues if _DIGITS.match(issue_id))

    def short_id_answer(self, organization: str, short_id: str):
        """Today's answer (the document's example) for a known short ID, case-insensitively as Sentry matches."""
        known = {issue_id.upper() for issue_id in self.known_issues if not _DIGITS.match(issue_id)}
        if short_id.upper() not in known:
            return 404, NOT_FOUND, {}
        answer = copy.deepcopy(response_examples(RESOLVE_SHORT_ID)["ShortIDLookup"])
        group = dict(copy.deepcopy(self.issue), id=self.numeric_id, shortId=short_id.upper())
        project = group.get("project") or {}
        answer.update(
            organizationSlug=organization,
            projectSlug=project.get("slug"),
            shortId=short_id.upper(),
            groupId=self.numeric_id,
            group=group,
        )
        return 200, answer, {}

    def full_event(self, event_id: str, group_id: str) -> dict:
        """A full event of today's shape (the document's example) of the issue `group_id`."""
        event = default_full_event()
        if re.match(r"^[0-9a-f]{32}$", event_id):
            event["eventID"] = event_id
        return dict(event, groupID=group_id)

    def organization_answer(self, slug: str) -> dict:
        """The organization (the document's example: region us) with the regionUrl `regions` gives it, if any."""
        answer = copy.deepcopy(self.organization or response_examples(RETRIEVE_ORGANIZATION)["RetrieveAnOrganization"])
        if slug not in self.regions:
            return answer
        region = self.regions[slug]
        if region is ABSENT:
            answer.pop("links", None)
        else:
            answer.setdefault("links", {})["regionUrl"] = region
        return answer

    # what was asked, in the words of the tests

    def hosts(self) -> List[str]:
        return [request.origin for request in self.requests]

    def organization_lookups(self) -> list:
        return [r for r in self.requests if re.match(r"^/api/0/organizations/[^/]+/$", r.path)]


def default_issue() -> dict:
    return copy.deepcopy(response_examples(RETRIEVE_ISSUE)["ReturnAnIssue"])


def default_event() -> dict:
    return copy.deepcopy(response_examples(LIST_ISSUE_EVENTS)["ReturnAListOfErrorEventsBoundToAnIssue"][0])


def default_full_event() -> dict:
    return copy.deepcopy(response_examples(RETRIEVE_ISSUE_EVENT)["ReturnAnIssueEvent"])


def default_project(issue: dict) -> dict:
    """An organization's project of today's shape (the document's example) that is the issue's project."""
    project = copy.deepcopy(response_examples(LIST_ORGANIZATION_PROJECTS)["ListAnOrganization'sProjects"][0])
    own = issue.get("project") if isinstance(issue.get("project"), dict) else {}
    project.update({key: own[key] for key in ("id", "slug", "name") if key in own})
    return project


def teams() -> List[dict]:
    return copy.deepcopy(response_examples(LIST_ORGANIZATION_TEAMS)["GetListOfOrganization'sTeams"])


def note(number: int, text: Optional[str] = None) -> dict:
    """A note as Sentry serializes its activity (ActivitySerializer: id, user, type, data, dateCreated)."""
    return {
        "id": str(number),
        "user": {"id": "1", "name": "John Doe", "username": "john.doe", "email": "john.doe@example.com"},
        "type": "note",
        "data": {"text": text or f"note {number}"},
        "dateCreated": f"2026-11-{1 + number % 28:02d}T09:12:44.105221Z",
    }


def bulk_answer(changes: dict) -> dict:
    """What a bulk update answers: the changes applied (an assignee as the actor Sentry resolves it)."""
    answer = copy.deepcopy(changes)
    if "status" in answer:
        answer.setdefault("statusDetails", {})
    assignee = answer.get("assignedTo")
    if isinstance(assignee, str) and assignee:
        kind, _, actor_id = assignee.partition(":") if ":" in assignee else ("user", "", assignee)
        answer["assignedTo"] = {"type": kind, "id": actor_id, "name": actor_id}
    elif assignee == "":
        answer["assignedTo"] = None
    return answer
