"""The five steps the fault matrix drives (four actions and the connection test), each with the one path the
plugin sends it to, the input, and a behaviour that answers it successfully."""

from dataclasses import dataclass, field
from typing import Callable

from fault_test import server as fs
from fault_test.util import dsn

ISSUE = {
    "id": "42",
    "shortId": "PROJ-1",
    "title": "ValueError: bad input",
    "status": "unresolved",
    "count": "3",
    "userCount": 1,
    "annotations": [],
    "assignedTo": None,
}
EVENT = {"eventID": "fc6d8c0c43fc4630ad850ee518f1b9d0", "id": "fc6d8c0c43fc4630ad850ee518f1b9d0", "groupID": "42"}


@dataclass
class Target:
    name: str
    action: str
    path: str
    method: str
    input: Callable[[int], dict]  # port -> input
    ok: Callable[[], fs.Behaviour]
    command: str = "run"
    check_output: Callable[[dict], bool] = field(default=lambda output: True)
    scope: str = "token"  # which credential the step uses: the token or a DSN

    def make_input(self, port: int) -> dict:
        return self.input(port)


TARGETS = {
    "list_project_issues": Target(
        "list_project_issues",
        "list_project_issues",
        "/api/0/projects/example-org/backend/issues/",
        "GET",
        lambda port: {"organization_slug": "example-org", "project_slug": "backend"},
        lambda: fs.page([ISSUE]),
        check_output=lambda output: [i["id"] for i in output["issues"]] == ["42"] and output["has_more"] is False,
    ),
    "list_issue_events": Target(
        "list_issue_events",
        "list_issue_events",
        "/api/0/issues/42/events/",
        "GET",
        lambda port: {"issue_id": "42"},
        lambda: fs.page([EVENT]),
        check_output=lambda output: [e["groupId"] for e in output["events"]] == ["42"],
    ),
    "update_issue": Target(
        "update_issue",
        "update_issue",
        "/api/0/issues/42/",
        "PUT",
        lambda port: {"issue_id": "42", "status": "resolved"},
        lambda: fs.json_reply(dict(ISSUE, status="resolved")),
        check_output=lambda output: output["issue"]["status"] == "resolved",
    ),
    "connection_test": Target(
        "connection_test",
        "list_project_issues",  # `test` runs the connection's test whatever the action
        "/api/0/",
        "GET",
        lambda port: {"organization_slug": "example-org", "project_slug": "backend"},
        lambda: fs.json_reply({"version": "0", "auth": {"scopes": ["event:read"]}, "user": {"id": "1"}}),
        command="test",
        check_output=lambda output: output == {"success": True},
    ),
    "submit_event": Target(
        "submit_event",
        "submit_event",
        "/api/1/envelope/",
        "POST",
        lambda port: {
            "dsn": dsn(port),
            "event_json": {"message": "Workflow step failed", "level": "error"},
            "endpoint": "envelope",
        },
        fs.event_accepted,
        check_output=lambda output: len(output["id"]) == 32 and output["endpoint"] == "envelope",
        scope="dsn",
    ),
}


def event_ids(requests) -> list:
    return [request.event()["event_id"] for request in requests]

