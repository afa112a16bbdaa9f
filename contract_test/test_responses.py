"""Every action is fed answers of today's shape: the document's examples where it has them, otherwise instances
built from the answer's schema (every property, required ones only, nullable ones null, and seeded random ones);
each yields output that passes the action's output schema (the runtime's check, and date-time formats)."""

import copy

import jsonschema
import pytest

from komand_sentry.actions.list_issue_events.action import ListIssueEvents
from komand_sentry.actions.list_project_issues.action import ListProjectIssues
from komand_sentry.actions.submit_event.action import SubmitEvent
from komand_sentry.actions.update_issue.action import UpdateIssue
from contract_test.scenarios import delta_answer
from contract_test.util import (
    BULK_UPDATE_ORGANIZATION_ISSUES,
    BULK_UPDATE_PROJECT_ISSUES,
    LIST_ISSUE_EVENTS,
    LIST_ORGANIZATION_ISSUES,
    LIST_ORGANIZATION_PROJECTS,
    LIST_ORGANIZATION_TEAMS,
    LIST_PROJECT_ISSUES,
    MODES,
    RESOLVE_SHORT_ID,
    RETRIEVE_ISSUE,
    RETRIEVE_ISSUE_EVENT,
    RETRIEVE_ORGANIZATION,
    RETRIEVE_PROJECT_EVENT,
    TOKEN,
    UPDATE_ISSUE,
    FakeSentry,
    bulk_answer,
    connect,
    instance,
    response_examples,
    response_schema,
    run,
    teams,
    to_json_schema,
)

SEEDS = range(8)
ORG = "the-interstellar-jurisdiction"


def shapes(key: str, item_of_list: bool) -> list:
    """(id, answer item) for an operation: its examples, then instances of its schema in every mode."""
    found = []
    for name, example in response_examples(key).items():
        for number, item in enumerate(example if item_of_list else [example]):
            found.append((f"example-{name}-{number}", item))
    schema = response_schema(key)
    schema = schema["items"] if item_of_list else schema
    for mode in list(MODES) + list(SEEDS):
        found.append((f"schema-{mode if isinstance(mode, str) else f'seed{mode}'}", instance(schema, mode)))
    return found


def params_of(found):
    return pytest.mark.parametrize("item", [item for _, item in found], ids=[name for name, _ in found])


PROJECT_ISSUES = shapes(LIST_PROJECT_ISSUES, True)
# Today's issue as the current issue operations describe it (the project listing serializes the same group)
CURRENT_ISSUES = shapes(RETRIEVE_ISSUE, False) + [(f"update-answer-{n}", i) for n, i in shapes(UPDATE_ISSUE, False)]
EVENT_SUMMARIES = shapes(LIST_ISSUE_EVENTS, True)
FULL_EVENTS = shapes(RETRIEVE_ISSUE_EVENT, False)


def declared(action_class, type_name: str) -> set:
    return set(action_class().output.schema["definitions"][type_name]["properties"])


def expected_keys(item: dict, declared_fields: set) -> set:
    """What the output keeps of an answer: everything but the nulls of declared fields (plus groupId)."""
    kept = {key for key, value in item.items() if value is not None or key not in declared_fields}
    if item.get("groupID") is not None:
        kept.add("groupId")
    return kept


@pytest.mark.parametrize(
    "key,item_of_list",
    [
        (LIST_PROJECT_ISSUES, True),
        (RETRIEVE_ISSUE, False),
        (UPDATE_ISSUE, False),
        (LIST_ISSUE_EVENTS, True),
        (RETRIEVE_ISSUE_EVENT, False),
        (RETRIEVE_ORGANIZATION, False),
        (RESOLVE_SHORT_ID, False),
        (LIST_ORGANIZATION_PROJECTS, True),
        (LIST_ORGANIZATION_TEAMS, True),
        (LIST_ORGANIZATION_ISSUES, True),
        (BULK_UPDATE_ORGANIZATION_ISSUES, False),
        (BULK_UPDATE_PROJECT_ISSUES, False),
        (RETRIEVE_PROJECT_EVENT, False),
    ],
    ids=[
        "project-issues",
        "retrieve-issue",
        "update-issue",
        "issue-events",
        "issue-event",
        "organization",
        "short-id",
        "organization-projects",
        "teams",
        "organization-issues",
        "bulk-organization",
        "bulk-project",
        "project-event",
    ],
)
def test_the_fixtures_are_instances_of_the_documented_answer(key, item_of_list):
    schema = to_json_schema(response_schema(key))
    schema = schema["items"] if item_of_list else schema
    found = shapes(key, item_of_list)
    assert len(found) >= len(MODES) + len(SEEDS) + len(response_examples(key))
    for name, item in found:
        errors = [error.message for error in jsonschema.Draft4Validator(schema).iter_errors(item)]
        assert not errors, (name, errors[:3])


@params_of(PROJECT_ISSUES + [(f"current-{name}", item) for name, item in CURRENT_ISSUES])
def test_list_project_issues_output(item):
    fake = FakeSentry(issues=[item, dict(item, id="2")])
    connection, fake = connect("https://sentry.example.com", fake=fake)
    output = run(ListProjectIssues, connection, {"organization_slug": "acme", "project_slug": "backend"})
    assert output["has_more"] is False and "next_cursor" not in output
    assert len(output["issues"]) == 2
    assert set(output["issues"][0]) == expected_keys(item, declared(ListProjectIssues, "Issue"))


@params_of(EVENT_SUMMARIES)
def test_list_issue_events_output(item):
    connection, fake = connect("https://sentry.example.com", fake=FakeSentry(events=[item]))
    output = run(ListIssueEvents, connection, {"issue_id": "612424900"})
    (event,) = output["events"]
    assert set(event) == expected_keys(item, declared(ListIssueEvents, "Event"))


@params_of(FULL_EVENTS)
def test_list_issue_events_output_with_full_event_bodies(item):
    connection, fake = connect("https://sentry.example.com", "acme", fake=FakeSentry(events=[item, item]))
    output = run(ListIssueEvents, connection, {"issue_id": "612424900", "full": True, "limit": 1})
    assert dict(fake.requests[0].query)["full"] == "1"
    (event,) = output["events"]
    assert output["has_more"] is True and output["next_cursor"] == "0:1:0"
    assert set(event) == expected_keys(item, declared(ListIssueEvents, "Event"))


@params_of(CURRENT_ISSUES)
def test_update_issue_output(item):
    connection, fake = connect("https://sentry.io", "acme", fake=FakeSentry(issue=item))
    output = run(UpdateIssue, connection, {"issue_id": "612424900", "status": "resolved"})
    answer = dict(item, status="resolved")
    assert set(output["issue"]) == expected_keys(answer, declared(UpdateIssue, "Issue"))


@params_of(CURRENT_ISSUES)
def test_update_issue_output_read_back_after_an_answer_of_the_changed_fields_only(item):
    fake = FakeSentry(issue=item, put_answer=delta_answer)
    connection, fake = connect("https://sentry.example.com", "acme", fake=fake)
    output = run(UpdateIssue, connection, {"issue_id": "612424900", "status": "ignored"})
    assert [r.method for r in fake.requests] == ["PUT", "GET"]
    assert set(output["issue"]) == expected_keys(item, declared(UpdateIssue, "Issue"))


@pytest.mark.parametrize("endpoint", ["auto", "envelope", "store"])
def test_submit_event_output(endpoint):
    """Ingestion is not in the document; its answer is `{"id": <event_id>}` (PROTOCOL.md, Relay), the event's own."""
    event_id = "afd25d0e868f495fa802179d33ef3b97"
    connection, fake = connect(fake=FakeSentry(ingest_answer={"id": event_id}))
    output = run(
        SubmitEvent,
        connection,
        {
            "dsn": "https://abc123@o1.ingest.us.sentry.io/456",
            "event_json": {"message": "m", "event_id": event_id},
            "endpoint": endpoint,
        },
    )
    used = "store" if endpoint == "store" else "envelope"
    assert output == {"id": "afd25d0e868f495fa802179d33ef3b97", "endpoint": used}
    (request,) = fake.requests
    assert request.origin == "https://o1.ingest.us.sentry.io" and "Authorization" not in request.headers
    assert TOKEN not in str(request.headers)


ORGANIZATIONS = shapes(RETRIEVE_ORGANIZATION, False)


@params_of(ORGANIZATIONS)
def test_organization_answers_route_the_issue_requests(item):
    """The example's regionUrl (https://us.sentry.io) is followed; a schema instance's (a placeholder string)
    is not an https sentry.io host, so the requests stay on sentry.io."""
    connection, fake = connect("https://sentry.io", "acme", fake=FakeSentry(organization=item))
    run(ListIssueEvents, connection, {"issue_id": "612424900"})
    lookup, listing = fake.requests
    region = item["links"]["regionUrl"]
    assert lookup.origin == "https://sentry.io"
    assert listing.origin == (region if region == "https://us.sentry.io" else "https://sentry.io")


# Specific mappings of today's shapes to the spec's types ---------------------------------------------------------


def listed_issues(*items):
    connection, fake = connect("https://sentry.example.com", fake=FakeSentry(issues=list(items)))
    return run(ListProjectIssues, connection, {"organization_slug": "acme", "project_slug": "backend"})["issues"]


def listed_events(*items, full=False):
    connection, fake = connect("https://sentry.example.com", fake=FakeSentry(events=list(items)))
    return run(ListIssueEvents, connection, {"issue_id": "612424900", "full": full})["events"]


def updated_issue(item):
    connection, fake = connect("https://sentry.example.com", "acme", fake=FakeSentry(issue=item))
    return run(UpdateIssue, connection, {"issue_id": "612424900", "isBookmarked": True})["issue"]


def test_assigned_to_is_kept_as_the_object_sentry_returns():
    example = response_examples(RETRIEVE_ISSUE)["ReturnAnIssue"]
    issue = updated_issue(example)
    assert issue["assignedTo"] == {"type": "user", "id": "1", "name": "John Doe", "email": "john.doe@example.com"}
    team = dict(example, assignedTo={"type": "team", "id": "2", "name": "backend"})
    assert listed_issues(team)[0]["assignedTo"] == {"type": "team", "id": "2", "name": "backend"}


def test_annotations_are_kept_as_objects_and_plain_text_ones_become_objects():
    current = instance(response_schema(UPDATE_ISSUE), "all")
    assert current["annotations"] and all(set(a) == {"displayName", "url"} for a in current["annotations"])
    assert updated_issue(current)["annotations"] == current["annotations"]
    deprecated = dict(response_examples(LIST_PROJECT_ISSUES)["example"][0], annotations=["JIRA-1", "PROJ-7"])
    assert listed_issues(deprecated)[0]["annotations"] == [{"displayName": "JIRA-1"}, {"displayName": "PROJ-7"}]


def test_nulls_of_declared_fields_are_dropped_and_other_fields_pass_through():
    example = response_examples(LIST_PROJECT_ISSUES)["example"][0]
    assert example["assignedTo"] is None and example["logger"] is None and example["subscriptionDetails"] is None
    (issue,) = listed_issues(example)
    assert not {"assignedTo", "logger", "shareId", "subscriptionDetails"} & set(issue)
    assert issue["count"] == "1" and issue["userCount"] == 0 and issue["numComments"] == 0
    assert issue["stats"] == example["stats"] and issue["statusDetails"] == {}
    current = updated_issue(response_examples(RETRIEVE_ISSUE)["ReturnAnIssue"])
    assert (current["count"], current["userCount"]) == ("150", 12)
    assert (current["substatus"], current["priority"], current["issueCategory"]) == ("ongoing", "medium", "error")
    assert current["priorityLockedAt"] is None  # not a field of the spec's Issue: passed through as Sentry sent it


def test_event_group_id_is_given_as_the_spec_names_it_and_a_null_user_is_dropped():
    example = copy.deepcopy(response_examples(LIST_ISSUE_EVENTS)["ReturnAListOfErrorEventsBoundToAnIssue"][0])
    (event,) = listed_events(example)
    assert event["groupId"] == event["groupID"] == "1889724436"
    assert "user" not in event and event["event.type"] == "error" and event["crashFile"] is None
    assert event["tags"][0] == {"key": "browser", "value": "Chrome 60.0"}
    no_group = dict(example, groupID=None)
    assert "groupId" not in listed_events(no_group)[0]


def test_a_full_event_keeps_its_entries_user_and_contexts():
    example = copy.deepcopy(response_examples(RETRIEVE_ISSUE_EVENT)["ReturnAnIssueEvent"])
    (event,) = listed_events(example, full=True)
    assert event["entries"] == example["entries"] and event["groupId"] == example["groupID"]
    assert event["user"] == {k: v for k, v in example["user"].items() if v is not None}  # username: null dropped
    assert event["size"] == 107762 and event["dateReceived"] == "2020-06-17T22:26:56.428721Z"
    assert "dist" not in event and event["contexts"] == example["contexts"]


def test_an_answer_of_another_type_than_declared_does_not_break_the_output():
    """count as a number, userCount as a string, hasSeen as a string: shaped to the spec's types or dropped."""
    example = dict(response_examples(LIST_PROJECT_ISSUES)["example"][0], count=7, userCount="12", hasSeen="yes")
    (issue,) = listed_issues(example)
    assert (issue["count"], issue["userCount"]) == ("7", 12) and "hasSeen" not in issue


@pytest.mark.parametrize(
    "answer",
    [["not", "an", "organization"], {"links": None}, {"links": {"regionUrl": None}}, {"links": "https://us.sentry.io"}],
    ids=["a-list", "links-null", "regionUrl-null", "links-a-string"],
)
def test_an_organization_answer_without_a_usable_region_keeps_the_requests_on_sentry_io(answer):
    fake = FakeSentry()
    fake.organization_answer = lambda slug: answer
    connection, fake = connect("https://sentry.io", "acme", fake=fake)
    run(ListIssueEvents, connection, {"issue_id": "612424900"})
    assert [(r.origin, r.path) for r in fake.requests] == [
        ("https://sentry.io", "/api/0/organizations/acme/"),
        ("https://sentry.io", "/api/0/organizations/acme/issues/612424900/events/"),
    ]


def _valid(schema: dict, value) -> list:
    return [error.message for error in jsonschema.Draft4Validator(to_json_schema(schema)).iter_errors(value)]


def test_the_fakes_answers_of_the_new_routes_are_instances_of_the_documented_answers():
    """What FakeSentry answers on the routes the document describes is of today's shape."""
    fake = FakeSentry()
    status, answer, _ = fake.short_id_answer("acme", "backend-1a")
    assert status == 200 and not _valid(response_schema(RESOLVE_SHORT_ID), answer)
    assert (answer["shortId"], answer["groupId"], answer["group"]["id"]) == ("BACKEND-1A", "612424900", "612424900")
    assert fake.short_id_answer("acme", "OTHER-1")[0] == 404
    project_item = response_schema(LIST_ORGANIZATION_PROJECTS)["items"]
    assert not _valid(project_item, fake.projects[0]) and fake.projects[0]["id"] == fake.issue["project"]["id"]
    assert all(not _valid(response_schema(LIST_ORGANIZATION_TEAMS)["items"], team) for team in teams())
    event = fake.full_event("9fac2ceed9344f2bbfdd1fdacb0ed9b1", "612424900")
    assert not _valid(response_schema(RETRIEVE_ISSUE_EVENT), event)
    assert not _valid(response_schema(RETRIEVE_PROJECT_EVENT), event)
    assert (event["eventID"], event["groupID"]) == ("9fac2ceed9344f2bbfdd1fdacb0ed9b1", "612424900")
    changes = {"status": "resolved", "assignedTo": "team:2", "isBookmarked": True}
    assert not _valid(response_schema(BULK_UPDATE_ORGANIZATION_ISSUES), bulk_answer(changes))
    assert bulk_answer(changes)["assignedTo"] == {"type": "team", "id": "2", "name": "2"}


@pytest.mark.parametrize("ids,status", [(["1", "2"], 200), (["999999"], 204), (["1", "999999"], 200)])
def test_the_fakes_bulk_update_answers_the_changes_or_204_when_no_id_matched(ids, status):
    fake = FakeSentry(issues=[{"id": "1"}, {"id": "2"}])
    connection, fake = connect("https://sentry.example.com", "acme", fake=fake)
    response = connection.api.send(
        "PUT", "https://sentry.example.com/api/0/organizations/acme/issues/", {"id": ids}, {"status": "resolved"}
    )
    assert response.status_code == status
    if status == 204:
        assert response.content == b"" and "Content-Type" not in response.headers
    else:
        assert response.json() == {"status": "resolved", "statusDetails": {}}
    assert fake.updated == [issue_id for issue_id in ids if issue_id in ("1", "2")]
