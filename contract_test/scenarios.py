"""Every request the plugin can make to the Web API, as scenarios: an action x a route (legacy, organization-scoped
on a self-hosted server, a sentry.io region, the fallback of a server without organization-scoped routes, ...)
x its inputs (each optional input with and without each of its values); and the requests each route adds before
the step's own (a short ID resolved within the organization, the membership of an issue confirmed before a legacy
route acts on it)."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.actions.add_issue_comment.action import AddIssueComment
from komand_sentry.actions.bulk_update_issues.action import BulkUpdateIssues
from komand_sentry.actions.get_issue.action import GetIssue
from komand_sentry.actions.get_issue_event.action import GetIssueEvent
from komand_sentry.actions.list_issue_comments.action import ListIssueComments
from komand_sentry.actions.list_issue_events.action import ListIssueEvents
from komand_sentry.actions.list_project_issues.action import ListProjectIssues
from komand_sentry.actions.update_issue.action import UpdateIssue

from contract_test.util import (
    ABSENT,
    LEGACY_RETRIEVE_ISSUE,
    LIST_ORGANIZATION_PROJECTS,
    RESOLVE_SHORT_ID,
    FakeSentry,
    Recorded,
    connect,
    numbered,
    run,
    teams,
)

ORG = "acme"
PROJECT = "backend"
ISSUE = "612424900"
SHORT_ID = "BACKEND-1A"
EVENT_ID = "9fac2ceed9344f2bbfdd1fdacb0ed9b1"
TEAM_SLUG = teams()[0]["slug"]  # a team of the document's example listing
SELF_HOSTED = "https://sentry.example.com"
SENTRY9 = "http://sentry9.local:9000"
SAAS = "https://sentry.io"
US = "https://us.sentry.io"
DE = "https://de.sentry.io"
EVIL = "https://sentry.io.evil.example"


@dataclass(frozen=True)
class Route:
    id: str
    url: str
    issue_host: str  # where the issue (or project) requests go
    connection_org: Optional[str] = None
    action_org: Optional[str] = None
    scoped_routes: bool = True  # False: a server without organization-scoped issue routes (Sentry 9)
    region: object = None  # links.regionUrl of the organization on sentry.io
    learned_legacy: bool = False  # an earlier step of the connection found that the server has legacy routes only
    lookup: bool = False  # the organization's region is looked up on sentry.io first

    @property
    def organization(self) -> Optional[str]:
        return self.action_org or self.connection_org

    @property
    def kind(self) -> str:
        if not self.organization or self.learned_legacy:
            return "legacy"
        return "scoped" if self.scoped_routes else "fallback"


ISSUE_ROUTES = [
    Route("legacy-self-hosted-no-org", SELF_HOSTED, SELF_HOSTED),
    Route("legacy-sentry.io-no-org", SAAS, SAAS),
    Route("scoped-self-hosted-org-in-action", SELF_HOSTED, SELF_HOSTED, action_org=ORG),
    Route("scoped-self-hosted-org-in-connection", SELF_HOSTED, SELF_HOSTED, connection_org=ORG),
    Route("region-us-org-in-action", SAAS, US, action_org=ORG, region=US, lookup=True),
    Route("region-de-org-in-connection-api-form-url", SAAS + "/api/0/", DE, connection_org=ORG, region=DE, lookup=True),
    Route("region-untrusted-stays-on-sentry.io", SAAS, SAAS, action_org=ORG, region=EVIL, lookup=True),
    Route("region-host-configured-no-lookup", DE, DE, action_org=ORG),
    Route("fallback-sentry9-org-given", SENTRY9, SENTRY9, action_org=ORG, scoped_routes=False),
    Route("legacy-learned-sentry9", SENTRY9, SENTRY9, action_org=ORG, scoped_routes=False, learned_legacy=True),
]

PROJECT_ROUTES = [
    Route("self-hosted", SELF_HOSTED, SELF_HOSTED, action_org=ORG),
    Route("sentry9", SENTRY9, SENTRY9, action_org=ORG, scoped_routes=False),
    Route("region-us", SAAS, US, action_org=ORG, region=US, lookup=True),
    Route("region-de-api-form-url", SAAS + "/api/0/", DE, action_org=ORG, region=DE, lookup=True),
    Route("region-untrusted", SAAS, SAAS, action_org=ORG, region="http://us.sentry.io", lookup=True),
    Route("region-missing", SAAS, SAAS, action_org=ORG, region=ABSENT, lookup=True),
    Route("region-host-configured", US, US, action_org=ORG),
]

PROJECT_VARIANTS: Dict[str, dict] = {
    "no-options": {},
    "query-empty": {"query": ""},
    "query-given": {"query": "is:unresolved level:error"},
    "statsPeriod-empty": {"statsPeriod": ""},
    "statsPeriod-24h": {"statsPeriod": "24h"},
    "statsPeriod-14d": {"statsPeriod": "14d"},
    "shortIdLookup-true": {"shortIdLookup": True},
    "shortIdLookup-false": {"shortIdLookup": False},
    "limit-0": {"limit": 0},
    "limit-5": {"limit": 5},
    "limit-100": {"limit": 100},
    "limit-250": {"limit": 250},
    "cursor-given": {"cursor": "1700000000000:100:0"},
    "cursor-empty": {"cursor": ""},
    "everything": {
        "query": "is:unresolved",
        "statsPeriod": "24h",
        "shortIdLookup": True,
        "limit": 150,
        "cursor": "1700000000000:100:0",
    },
}

EVENT_VARIANTS: Dict[str, dict] = {
    "numeric-id": {},
    "short-id": {"issue_id": SHORT_ID},
    "full-true": {"full": True},
    "full-false": {"full": False},
    "limit-0": {"limit": 0},
    "limit-5": {"limit": 5},
    "limit-100": {"limit": 100},
    "limit-250": {"limit": 250},
    "cursor-given": {"cursor": "0:100:0"},
    "cursor-empty": {"cursor": ""},
    "everything": {"full": True, "limit": 150, "cursor": "0:100:0"},
}

_SUBSTATUS_STATUS = {
    "archived_until_escalating": "ignored",
    "archived_until_condition_met": "ignored",
    "archived_forever": "ignored",
    "escalating": "unresolved",
    "ongoing": "unresolved",
    "regressed": "unresolved",
    "new": "unresolved",
}

UPDATE_VARIANTS: Dict[str, dict] = {
    **{f"status-{s}": {"status": s} for s in ("resolved", "resolvedInNextRelease", "unresolved", "ignored")},
    "statusDetails-inRelease": {"status": "resolved", "statusDetails": {"inRelease": "1.2.3"}},
    "statusDetails-inRelease-latest": {"status": "resolved", "statusDetails": {"inRelease": "latest"}},
    "statusDetails-inNextRelease": {"status": "resolved", "statusDetails": {"inNextRelease": True}},
    "statusDetails-inCommit": {
        "status": "resolved",
        "statusDetails": {"inCommit": {"commit": "a" * 40, "repository": "acme/backend"}},
    },
    "statusDetails-ignoreDuration": {"status": "ignored", "statusDetails": {"ignoreDuration": 30}},
    "statusDetails-ignoreCount": {"status": "ignored", "statusDetails": {"ignoreCount": 100}},
    "statusDetails-ignoreCount-ignoreWindow": {
        "status": "ignored",
        "statusDetails": {"ignoreCount": 100, "ignoreWindow": 60},
    },
    "statusDetails-ignoreUserCount": {"status": "ignored", "statusDetails": {"ignoreUserCount": 10}},
    "statusDetails-ignoreUserCount-ignoreUserWindow": {
        "status": "ignored",
        "statusDetails": {"ignoreUserCount": 10, "ignoreUserWindow": 10080},
    },
    "statusDetails-empty-fields": {"status": "resolved", "statusDetails": {"inRelease": ""}},
    **{f"substatus-{sub}": {"status": status, "substatus": sub} for sub, status in _SUBSTATUS_STATUS.items()},
    "substatus-empty": {"status": "unresolved", "substatus": ""},
    **{
        f"assignedTo-{name}": {"assignedTo": value}
        for name, value in (
            ("email", "user@example.com"),
            ("user-id", "user:1"),
            ("team-id", "team:2"),
            ("username", "jdoe"),
            ("unassign", ""),
            ("team-slug", f"#{TEAM_SLUG}"),  # resolved to team:<id> through the organization's teams
        )
    },
    **{
        f"{flag}-{str(value).lower()}": {flag: value}
        for flag in ("hasSeen", "isBookmarked", "isSubscribed", "isPublic")
        for value in (True, False)
    },
    "everything": {
        "status": "ignored",
        "statusDetails": {"ignoreCount": 100, "ignoreWindow": 60},
        "substatus": "archived_until_condition_met",
        "assignedTo": "team:2",
        "hasSeen": True,
        "isBookmarked": False,
        "isSubscribed": True,
        "isPublic": False,
    },
    "everything-but-substatus": {
        "status": "resolved",
        "statusDetails": {"inRelease": "latest"},
        "assignedTo": "user:1",
        "hasSeen": False,
        "isBookmarked": True,
        "isSubscribed": False,
        "isPublic": True,
    },
    "short-id": {"issue_id": SHORT_ID, "status": "resolved"},
    "answer-without-id-read-back": {"status": "resolved"},  # the server answers the changed fields only
}


@dataclass
class Outcome:
    output: Optional[dict]
    error: Optional[PluginException]
    requests: List[Recorded]  # the requests of the step itself
    warm_up: List[Recorded] = field(default_factory=list)  # the requests of an earlier step of the connection


def fake_for(route: Route, **more) -> FakeSentry:
    """130 issues and events (two pages); small ones: their shapes are test_responses.py's business."""
    return FakeSentry(
        scoped_routes=route.scoped_routes,
        regions={ORG: route.region} if route.region is not None else {},
        issues=numbered({"shortId": "BACKEND-1", "status": "unresolved"}, 130),
        events=numbered({"eventID": "9fac2ceed9344f2bbfdd1fdacb0ed9b1", "groupID": ISSUE}, 130),
        **more,
    )


def perform(action_class, route: Route, params: dict, check_output: bool = False, **fake_options) -> Outcome:
    connection, fake = connect(route.url, route.connection_org, fake_for(route, **fake_options))
    warm_up = []
    if route.learned_legacy:
        first = {"issue_id": ISSUE, "organization_slug": route.organization, "limit": 1}
        run(ListIssueEvents, connection, first, check_output=False)
        assert connection.api.legacy_routes_only
        warm_up, fake.requests = fake.requests, []
    params = dict(params)
    if route.action_org and action_class is not ListProjectIssues:
        params.setdefault("organization_slug", route.action_org)
    try:
        return Outcome(run(action_class, connection, params, check_output), None, fake.requests, warm_up)
    except PluginException as error:
        return Outcome(None, error, fake.requests, warm_up)


def project_params(variant: str) -> dict:
    return dict({"organization_slug": ORG, "project_slug": PROJECT}, **PROJECT_VARIANTS[variant])


def event_params(variant: str) -> dict:
    return dict({"issue_id": ISSUE}, **EVENT_VARIANTS[variant])


def update_params(variant: str) -> dict:
    return dict({"issue_id": ISSUE}, **UPDATE_VARIANTS[variant])


def delta_answer(issue: dict, changes: dict) -> dict:
    """What Sentry's bulk mutation answers: the changed fields, no id."""
    return {key: value for key, value in changes.items() if key in ("status", "statusDetails", "substatus")} or {
        "status": issue["status"]
    }


def expected_failure(route: Route, params: dict) -> Optional[Tuple[str, int]]:
    """(words of the error, requests the step sends) when the step must fail; None when it must succeed."""
    short_id = params.get("issue_id") == SHORT_ID
    substatus = bool(params.get("substatus"))
    team_slug = str(params.get("assignedTo", "")).startswith("#")
    if not route.organization and (short_id or substatus or team_slug):
        words = "needs an organization" if short_id or team_slug else "used only with an organization"
        return words, 0
    if substatus and route.kind == "legacy":
        return "does not have (an older Sentry)", 0
    if substatus and route.kind == "fallback":
        return "does not have (an older Sentry)", 1  # the organization-scoped route only: no legacy attempt
    return None


def resolution(route: Route, params: dict) -> List[str]:
    """A short ID is first resolved within the organization (which proves the issue is the organization's)."""
    return [RESOLVE_SHORT_ID] if params.get("issue_id") == SHORT_ID and route.organization else []


def confirmation(route: Route, params: dict) -> List[str]:
    """Before a legacy route acts on an issue with an organization named: the issue read, then the organization's
    projects (listed once per connection: the warm-up step of a learnt server listed them already). None for an
    issue that came from the organization's short-ID lookup."""
    if not route.organization or params.get("issue_id") == SHORT_ID:
        return []
    return [LEGACY_RETRIEVE_ISSUE] + ([] if route.learned_legacy else [LIST_ORGANIZATION_PROJECTS])


WORKFLOW_VARIANTS: Dict[str, dict] = {
    "get-issue": {"issue_id": ISSUE},
    "get-issue-short-id": {"issue_id": SHORT_ID},
    "event-latest": {"issue_id": ISSUE},
    "event-oldest": {"issue_id": ISSUE, "event_id": "oldest"},
    "event-recommended": {"issue_id": ISSUE, "event_id": "recommended"},
    "event-by-id": {"issue_id": ISSUE, "event_id": EVENT_ID},
    "event-short-id-by-id": {"issue_id": SHORT_ID, "event_id": EVENT_ID},
    "event-environment": {"issue_id": ISSUE, "event_id": "latest", "environment": "production"},
    "comment": {"issue_id": ISSUE, "text": "Escalated to the on-call team"},
    "comment-short-id": {"issue_id": SHORT_ID, "text": "Ünïcode\nand lines"},
    "comments": {"issue_id": ISSUE},
    "bulk-query-project": {"project_slug": PROJECT, "query": "is:unresolved", "status": "resolved", "hasSeen": True},
    "bulk-query-organization": {
        "query": "is:unresolved level:error",
        "status": "ignored",
        "substatus": "archived_forever",
        "isSubscribed": True,
        "assignedTo": f"#{TEAM_SLUG}",
    },
}


def workflow_params(variant: str) -> dict:
    return dict(WORKFLOW_VARIANTS[variant])


SCOPED_ROUTES = [route for route in ISSUE_ROUTES if route.kind == "scoped"]
CATALOG_VARIANTS = [
    (ListProjectIssues, ["no-options", "everything", "shortIdLookup-false", "statsPeriod-empty"], project_params, None),
    (ListIssueEvents, ["numeric-id", "everything", "short-id"], event_params, None),
    (
        UpdateIssue,
        ["everything", "everything-but-substatus", "short-id", "answer-without-id-read-back", "assignedTo-team-slug"],
        update_params,
        None,
    ),
    (GetIssue, ["get-issue", "get-issue-short-id"], workflow_params, None),
    (
        GetIssueEvent,
        ["event-latest", "event-oldest", "event-recommended", "event-by-id", "event-short-id-by-id"],
        workflow_params,
        None,
    ),
    # the legacy latest/oldest routes declare no environment: test_requests.py has that case on its own
    (GetIssueEvent, ["event-environment"], workflow_params, SCOPED_ROUTES),
    (AddIssueComment, ["comment", "comment-short-id"], workflow_params, None),
    (ListIssueComments, ["comments"], workflow_params, None),
    # by query only: the confirmation of given IDs is test_requests.py's case on its own
    (BulkUpdateIssues, ["bulk-query-project", "bulk-query-organization"], workflow_params, PROJECT_ROUTES),
]


def catalog() -> Dict[str, str]:
    """The distinct requests of a representative set of scenarios (every route, the widest inputs), each with the
    operation it matches: `python -m contract_test.scenarios` prints them."""
    from contract_test.util import match

    found: Dict[str, str] = {}
    for action_class, variants, params_for, only in CATALOG_VARIANTS:
        routes = only or (PROJECT_ROUTES if action_class is ListProjectIssues else ISSUE_ROUTES)
        for route in routes:
            for variant in variants:
                options = {"put_answer": delta_answer} if variant == "answer-without-id-read-back" else {}
                outcome = perform(action_class, route, params_for(variant), **options)
                for request in outcome.warm_up + outcome.requests:
                    body = f" {request.body.decode()}" if request.body else ""
                    found.setdefault(f"{request}{body}", match(request).key)
    return found


if __name__ == "__main__":
    for request, key in catalog().items():
        print(f"- `{request}` -> `{key}`")
