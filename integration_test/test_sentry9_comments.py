"""Add Issue Comment and List Issue Comments against a real Sentry 9.1.2 through `bin/komand_sentry run`: the comment
made is read back from Sentry's own GET /api/0/issues/{id}/comments/, and the listing is compared with it, over
more than one page (Sentry pages comments by 100)."""

import pytest

from integration_test.util import (
    Sentry9Workflow,
    expect_error,
    expect_ok,
    refused_before_any_request,
    run_step,
    unique,
)

MANY = 105  # more than one page of 100


@pytest.fixture(scope="module")
def s9(sentry9) -> Sentry9Workflow:
    return Sentry9Workflow(sentry9.env, sentry9.run_id)


def _add(s9, **inputs) -> dict:
    return expect_ok(run_step("add_issue_comment", inputs, s9.connection()))["comment"]


def _stored(s9, issue_id: str, comment_id: str) -> dict:
    found = [comment for comment in s9.comments(issue_id) if comment["id"] == comment_id]
    assert len(found) == 1, f"comment {comment_id} is not on issue {issue_id}"
    return found[0]


@pytest.mark.parametrize("way", ["organization", "no-organization", "short-id"])
def test_add_issue_comment_is_on_the_issue(s9, way):
    issue = s9.new_issue(unique("comment"))
    text = f"Escalated ({way}) — ünïcode and **markdown**\nsecond line {unique('t')}"
    inputs = {"issue_id": issue.short_id if way == "short-id" else issue.id, "text": text}
    if way != "no-organization":
        inputs["organization_slug"] = s9.org
    comment = _add(s9, **inputs)
    stored = _stored(s9, issue.id, comment["id"])
    assert stored["data"]["text"] == text == comment["text"]
    assert stored["type"] == "note"
    assert comment["dateCreated"] == stored["dateCreated"]
    assert comment["user"]["email"] == stored["user"]["email"] == s9.user_email
    assert comment["user"]["name"] == stored["user"]["name"]
    assert len(s9.comments(issue.id)) == 1  # made once, not once per route tried
    assert s9.issue(issue.id)["numComments"] == 1


@pytest.mark.parametrize("text", ["   ", "\n\t "], ids=["spaces", "whitespace"])
def test_blank_comment_refused_before_any_request(s9, text):
    issue = s9.new_issue(unique("comment-blank"))
    inputs = {"issue_id": issue.id, "organization_slug": s9.org, "text": text}
    exception = refused_before_any_request("add_issue_comment", inputs, s9.connection(), secrets=[s9.token])
    assert exception["cause"].startswith("Invalid input 'text'")
    assert s9.comments(issue.id) == []  # Sentry 9.1.2 itself would have taken a whitespace-only comment


def test_same_comment_twice_is_sentrys_error(s9):
    issue = s9.new_issue(unique("comment-twice"))
    inputs = {"issue_id": issue.id, "text": "Posted twice"}
    _add(s9, **inputs)
    exception = expect_error(run_step("add_issue_comment", inputs, s9.connection()), secrets=[s9.token])
    assert "already posted that comment" in exception.get("data", "") + exception["cause"]
    assert len(s9.comments(issue.id)) == 1


def test_list_issue_comments_every_page(s9):
    issue = s9.new_issue(unique("comments-many"))
    texts = [f"comment {n} of {MANY}" for n in range(MANY)]
    for text in texts:
        s9.comment(issue.id, text)
    stored = s9.comments(issue.id)
    assert len(stored) == MANY
    output = expect_ok(
        run_step("list_issue_comments", {"issue_id": issue.id, "organization_slug": s9.org}, s9.connection())
    )
    assert [c["id"] for c in output["comments"]] == [c["id"] for c in stored]
    assert [c["text"] for c in output["comments"]] == [c["data"]["text"] for c in stored]
    assert sorted(c["text"] for c in output["comments"]) == sorted(texts)
    assert {c["user"]["email"] for c in output["comments"]} == {s9.user_email}


def test_list_issue_comments_short_id_and_none(s9):
    issue = s9.new_issue(unique("comments-none"))
    inputs = {"issue_id": issue.short_id, "organization_slug": s9.org}
    assert expect_ok(run_step("list_issue_comments", inputs, s9.connection())) == {"comments": []}
    made = _add(s9, issue_id=issue.id, text="the only one")
    output = expect_ok(run_step("list_issue_comments", inputs, s9.connection()))
    assert [(c["id"], c["text"]) for c in output["comments"]] == [(made["id"], "the only one")]


def test_comment_on_an_unknown_issue(s9):
    reply = run_step("add_issue_comment", {"issue_id": "987654321", "text": "nobody reads this"}, s9.connection())
    exception = expect_error(reply, secrets=[s9.token])
    assert "404" in exception["cause"] + exception.get("data", "")
