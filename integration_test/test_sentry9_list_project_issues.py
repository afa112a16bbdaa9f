"""List Project Issues against a real Sentry 9.1.2, on more issues than one of Sentry's pages (100) holds."""

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Set

import pytest

from integration_test.util import LogTail, expect_ok, run_step, unique

N_ISSUES = 112
N_RESOLVED = 7


@dataclass
class Bulk:
    marker: str
    needle: str  # a word only the first issue's message holds
    ids: Set[str]
    needle_issue: str
    resolved: Set[str]
    short_ids: Dict[str, str]

    @property
    def query(self) -> str:
        return f"itest:{self.marker}"

    @property
    def unresolved(self) -> Set[str]:
        return self.ids - self.resolved


@pytest.fixture(scope="module")
def bulk(sentry9) -> Bulk:
    """N_ISSUES issues of distinct fingerprints posted straight to /store/; N_RESOLVED of them resolved."""
    marker = unique("bulk")
    needle = f"needle{uuid.uuid4().hex}"
    events = [
        {
            "message": f"bulk {marker} number {n}" + (f" {needle}" if n == 0 else ""),
            "level": "error",
            "tags": sentry9.tags(marker),
            "fingerprint": [f"{marker}-{n}"],
        }
        for n in range(N_ISSUES)
    ]
    event_ids = sentry9.store_many(events)
    issues = sentry9.issues(f"itest:{marker}")
    assert len(issues) == N_ISSUES == len({issue["id"] for issue in issues}), "the set-up did not make distinct issues"
    needle_issue = sentry9.issue_of_event(event_ids[0])
    resolved = sorted(issue["id"] for issue in issues if issue["id"] != needle_issue)[:N_RESOLVED]
    sentry9.resolve(resolved)
    return Bulk(
        marker,
        needle,
        {issue["id"] for issue in issues},
        needle_issue,
        set(resolved),
        {issue["id"]: issue["shortId"] for issue in issues},
    )


def _list(sentry9, **inputs) -> dict:
    return expect_ok(run_step("list_project_issues", sentry9.list_inputs(**inputs), sentry9.connection()))


def _ids(output) -> List[str]:
    return [issue["id"] for issue in output["issues"]]


def _no_duplicates(ids: List[str]) -> None:
    duplicates = [issue_id for issue_id, count in Counter(ids).items() if count > 1]
    assert not duplicates, f"issues listed more than once: {duplicates}"


def test_list_project_issues_returns_every_issue_across_pages(sentry9, bulk):
    log = LogTail(sentry9.web_log)
    output = _list(sentry9, query=bulk.query)
    ids = _ids(output)
    _no_duplicates(ids)
    assert set(ids) == bulk.ids
    assert len(ids) == N_ISSUES == sentry9.hits(bulk.query) == len(sentry9.issues(bulk.query))
    assert output["has_more"] is False and "next_cursor" not in output
    # more than one of Sentry's pages was read, following its Link cursor
    assert log.wait_for(bulk.marker, "limit=100", "cursor="), "the listing did not follow a second page"
    for issue in output["issues"]:
        assert issue["shortId"] == bulk.short_ids[issue["id"]]
        assert issue["status"] == ("resolved" if issue["id"] in bulk.resolved else "unresolved")
        assert issue["project"]["slug"] == sentry9.project and isinstance(issue["count"], str)


def test_list_project_issues_text_query_finds_one_issue(sentry9, bulk):
    output = _list(sentry9, query=bulk.needle)
    assert _ids(output) == [bulk.needle_issue]
    assert bulk.needle in output["issues"][0]["title"]


@pytest.mark.parametrize("status", ["resolved", "unresolved"])
def test_list_project_issues_status_query_splits_the_issues(sentry9, bulk, status):
    output = _list(sentry9, query=f"{bulk.query} is:{status}")
    ids = _ids(output)
    _no_duplicates(ids)
    assert set(ids) == (bulk.resolved if status == "resolved" else bulk.unresolved)
    assert {issue["status"] for issue in output["issues"]} == {status}


def test_list_project_issues_without_query_lists_unresolved_issues_only(sentry9, bulk):
    output = _list(sentry9)  # no query: Sentry's default, is:unresolved, over the whole project
    ids = _ids(output)
    mine = [issue_id for issue_id in ids if issue_id in bulk.ids]
    _no_duplicates(mine)
    assert set(mine) == bulk.unresolved
    assert {issue["status"] for issue in output["issues"]} == {"unresolved"}
    assert output["has_more"] is False


@pytest.mark.parametrize("stats_period", ["", "24h", "14d"])
def test_list_project_issues_each_stats_period(sentry9, bulk, stats_period):
    output = _list(sentry9, query=bulk.query, statsPeriod=stats_period)
    assert set(_ids(output)) == bulk.ids  # the stats period chooses the series; it does not filter
    buckets = {"24h": 24, "14d": 14}
    for issue in output["issues"]:
        stats = issue.get("stats") or {}
        if stats_period:
            assert list(stats) == [stats_period]
            assert len(stats[stats_period]) == buckets[stats_period]
            assert sum(count for _, count in stats[stats_period]) >= 1  # the issue's event is in the series
        else:
            assert stats == {}


def test_list_project_issues_short_id_lookup(sentry9, bulk):
    short_id = bulk.short_ids[bulk.needle_issue]
    looked_up = _list(sentry9, query=short_id, shortIdLookup=True)
    assert _ids(looked_up) == [bulk.needle_issue]
    assert looked_up["issues"][0]["shortId"] == short_id
    # without the lookup the short ID is only searched as text, which no issue holds
    plain = _list(sentry9, query=short_id, shortIdLookup=False)
    assert bulk.needle_issue not in _ids(plain)


@pytest.mark.parametrize("limit", [40, 105])
def test_list_project_issues_limit_and_cursor_continue_without_gaps(sentry9, bulk, limit):
    pages, cursor = [], None
    for _ in range(10):
        inputs = {"query": bulk.query, "limit": limit}
        if cursor:
            inputs["cursor"] = cursor
        output = _list(sentry9, **inputs)
        pages.append(_ids(output))
        if not output["has_more"]:
            assert "next_cursor" not in output
            break
        assert len(output["issues"]) == limit and output["next_cursor"]
        cursor = output["next_cursor"]
    expected_sizes = [limit] * (N_ISSUES // limit) + ([N_ISSUES % limit] if N_ISSUES % limit else [])
    assert [len(page) for page in pages] == expected_sizes
    everything = [issue_id for page in pages for issue_id in page]
    _no_duplicates(everything)  # the pages are disjoint
    assert set(everything) == bulk.ids  # and together complete
