"""The watermark of a project's new issues, the walk down its listing, and their state (docs/design/new-issues.md)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Dict, List, NamedTuple, Optional, Set, Tuple

from komand_sentry.util.identifiers import cursor_problem
from komand_sentry.util.listing import PAGE_SIZE

STATE_VERSION = 1
LOOKBACK = timedelta(minutes=10)
SEEN_CAP = PAGE_SIZE - 1  # the issues kept at the watermark and one older issue fit in the page an idle poll reads
MAX_WALK_PAGES = 10_000  # a million issues: a server whose cursors never end must not hold a walk forever
MAX_STATE_ISSUES = 5_000  # a state holding more was not written by this module

Project = NamedTuple("Project", [("organization", str), ("project", str)])
Listed = NamedTuple("Listed", [("id", str), ("first_seen", datetime), ("raw", dict)])  # an issue the listing gave


def floor_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def parse_time(value) -> Optional[datetime]:
    try:
        return _time(value)
    except (TypeError, ValueError):
        return None


def _time(value: str) -> datetime:
    """An ISO 8601 date-time as an aware UTC datetime; ValueError or TypeError when it is not one."""
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def state_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def query_time(moment: datetime) -> str:
    return state_time(moment)[:23] + "Z"  # milliseconds, rounded down: `firstSeen:>=` includes all of that one


@dataclass
class Watermark:
    horizon: datetime  # issues first seen before it are old
    seen: Dict[str, datetime] = field(default_factory=dict)  # the issues emitted at or after it

    def is_new(self, issue: Listed) -> bool:
        return issue.first_seen >= self.horizon and issue.id not in self.seen

    def settle(self) -> None:
        """The horizon trails the newest issue by LOOKBACK, and rises to the SEEN_CAP-th newest (its group kept)."""
        if self.seen:
            self.rise_to(floor_ms(max(self.seen.values()) - LOOKBACK))
        if len(self.seen) > SEEN_CAP:
            self.rise_to(sorted(self.seen.values(), reverse=True)[SEEN_CAP - 1])

    def absorb(self, walk: "Walk") -> None:
        """A finished walk's newest issues; when it passed more, the older ones become old."""
        self.seen.update(walk.top)
        if walk.dropped and walk.top:
            self.rise_to(min(walk.top.values()))
        self.settle()

    def rise_to(self, moment: datetime) -> None:
        self.horizon = max(self.horizon, moment)
        self.seen = {issue_id: seen for issue_id, seen in self.seen.items() if seen >= self.horizon}


@dataclass
class Walk:
    cursor: Optional[str] = None  # of the page being read; None: the first
    oldest: Optional[datetime] = None  # firstSeen of the last issue passed
    oldest_ids: Set[str] = field(default_factory=set)  # the issues passed at exactly `oldest`
    top: Dict[str, datetime] = field(default_factory=dict)  # the newest issues passed (whole groups)
    pages: int = 0
    dropped: bool = False  # whether issues were passed that `top` does not keep
    ended: bool = False  # never saved: an ended walk is absorbed

    def passed_already(self, issue: Listed) -> bool:
        """Newest first, anything newer than the position was passed (a page repeats some when ties reorder)."""
        newer = self.oldest is not None and issue.first_seen > self.oldest
        return newer or (issue.first_seen == self.oldest and issue.id in self.oldest_ids)

    def passed(self, issue: Listed) -> None:
        if self.passed_already(issue):
            return
        if issue.first_seen != self.oldest:
            self.oldest, self.oldest_ids = issue.first_seen, set()
        self.oldest_ids.add(issue.id)
        if len(self.top) < SEEN_CAP or issue.first_seen == min(self.top.values()):
            self.top[issue.id] = issue.first_seen
        else:
            self.dropped = True

    def turn_page(self, next_cursor: Optional[str], listed: List[Listed], watermark: Watermark) -> None:
        """Ends at the last page, a cursor that does not advance, MAX_WALK_PAGES or a page older than the horizon."""
        self.pages += 1
        self.ended = next_cursor in (None, self.cursor) or not listed or self.pages >= MAX_WALK_PAGES
        self.ended = self.ended or all(issue.first_seen < watermark.horizon for issue in listed)
        self.cursor = next_cursor


def _stamps(times: Dict[str, datetime]) -> Dict[str, str]:
    return {issue_id: state_time(moment) for issue_id, moment in times.items()}


def state_of(project: Project, watermark: Watermark, walk: Optional[Walk], **extra) -> dict:
    state = {"version": STATE_VERSION, "project": "/".join(project), "horizon": state_time(watermark.horizon)}
    state.update(seen=_stamps(watermark.seen), **{key: value for key, value in extra.items() if value is not None})
    if walk is not None:
        state["walk"] = dict(cursor=walk.cursor, oldest=walk.oldest and state_time(walk.oldest), pages=walk.pages)
        state["walk"].update(oldest_ids=sorted(walk.oldest_ids), top=_stamps(walk.top), dropped=walk.dropped)
    return state


def restore(state, project: Project) -> Tuple[Watermark, Optional[Walk]]:
    """The watermark and walk of a state written for this project; else LookupError, TypeError or ValueError."""
    if (state["version"], state["project"]) != (STATE_VERSION, "/".join(project)):
        raise ValueError(f"it is not a version {STATE_VERSION} state of this project")
    watermark, walk = Watermark(_time(state["horizon"]), _times(state["seen"])), state.get("walk")
    if walk is None:
        return watermark, None
    cursor, oldest, ids, pages = walk.get("cursor"), walk.get("oldest"), walk["oldest_ids"], walk["pages"]
    if cursor is not None and cursor_problem(cursor) or type(pages) is not int or type(ids) is not list:
        raise ValueError("its walk is not of the shape this version saves")
    oldest, dropped = None if oldest is None else _time(oldest), walk.get("dropped") is True
    return watermark, Walk(cursor, oldest, set(map(str, ids)), _times(walk["top"]), pages, dropped)


def _times(value: Dict[str, str]) -> Dict[str, datetime]:
    if len(value) > MAX_STATE_ISSUES:
        raise ValueError(f"it holds more than {MAX_STATE_ISSUES} issues")
    return {issue_id: _time(moment) for issue_id, moment in value.items()}
