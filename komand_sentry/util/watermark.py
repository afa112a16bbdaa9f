"""New issues of a project for the New Issue trigger and the Monitor Issues task (docs/design/new-issues.md)."""

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Dict, Iterator, List, NamedTuple, Optional, Set, Tuple

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.errors import Preset, input_error, redact
from komand_sentry.util.identifiers import check_slug, cursor_problem
from komand_sentry.util.listing import PAGE_SIZE

STATE_VERSION = 1
LOOKBACK = timedelta(minutes=10)
SEEN_CAP = PAGE_SIZE - 1  # the issues kept at the watermark and one older issue fit in the page an idle poll reads
MAX_WALK_PAGES = 10_000  # a million issues: a server whose cursors never end must not hold a walk forever
MAX_STATE_ISSUES = 5_000  # a state holding more was not written by this module
HOLD_ISSUES = 1000  # the most new issues a poll holds to emit oldest first; a larger backlog is walked page by page
FIRST_LOOKBACK, CUTOFF = timedelta(hours=24), timedelta(hours=168)  # a task's first call; its oldest state
_STATUS_OF_PRESET = {Preset.TIMEOUT: 504, Preset.CONNECTION_ERROR: 503, Preset.API_KEY: 401}

Project = NamedTuple("Project", [("organization", str), ("project", str)])
Listed = NamedTuple("Listed", [("id", str), ("first_seen", datetime), ("raw", dict)])  # an issue the listing gave


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


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


def check_project(organization, project) -> Project:
    return Project(check_slug("organization_slug", organization), check_slug("project_slug", project))


def check_query(query) -> str:
    if query is None or isinstance(query, str) and len(query) <= 1000 and all(ord(ch) >= 32 for ch in query):
        return "is:unresolved" if query is None else query
    problem, example = "it is not a Sentry search query of at most 1000 printable characters", "is:unresolved"
    raise input_error("query", problem, f"Give a search as typed in Sentry's search bar, such as {example}.")


def check_interval(interval) -> int:
    if interval is None or type(interval) is int and 5 <= interval <= 86_400:
        return 60 if interval is None else interval
    problem = f"{interval!r} is not a number of seconds from 5 to 86400"
    raise input_error("interval", problem, "Give the seconds between two polls of Sentry, such as 60 (at least 5).")


def status_code_of(error: Exception) -> int:
    found = re.match(r"HTTP (\d{3})\b", str(getattr(error, "data", "")))  # an HTTP error's data: "HTTP <status> ..."
    return int(found.group(1)) if found else _STATUS_OF_PRESET.get(getattr(error, "preset", None), 500)


def retry_after_of(error: Exception) -> float:
    wait = getattr(error, "retry_after", None)  # the seconds Sentry asked to wait (errors.rate_limited keeps them)
    return 60.0 if wait is None else float(wait)


def describe(error: Exception) -> str:
    """What a log line says of an error (never a secret: errors.redact hides every one known)."""
    known = isinstance(error, PluginException)  # str() of another, not repr(): repr may escape part of a secret
    parts = (error.cause, error.assistance, error.data) if known else (f"{type(error).__name__}: {error}",)
    return redact(" ".join(part for part in parts if part))


class IssueCollection:
    """A project's new issues, a page per call of the Monitor Issues task; the base of the trigger's polls."""

    def __init__(self, api_of, project: Project, logger, now=None, query: str = ""):
        self.api_of, self.project, self.logger, self.now, self.query = api_of, project, logger, now or utc_now, query

    def state(self, **extra) -> dict:
        return state_of(self.project, self.watermark, self.walk, **extra)

    def collect(self, state, custom_config, shape) -> tuple:
        """(the new issues, each `shape`d; the state to pass next, has_more_pages, status_code, error)."""
        now = self.now()
        floor, first = collection_window(custom_config or {}, now)
        self._take_up(state, first)
        self.watermark.rise_to(floor)  # a state older than the cutoff resumes at it
        reset = state.get("rate_limit_reset_epoch") if isinstance(state, dict) else None
        if type(reset) is int and now.timestamp() < reset:
            return [], self.state(rate_limit_reset_epoch=reset), False, 429, _still_limited(reset)
        walk = self.walk or Walk()
        try:
            new = [shape(issue.raw) for issue in self._page(walk)]
        except PluginException as error:  # the state as it was: the next call does it again
            return self._collect_fault(error, now)
        self.walk = None if walk.ended else walk
        if walk.ended:
            self.watermark.absorb(walk)
        return new, self.state(), not walk.ended, 200, None

    def _collect_fault(self, error: PluginException, now: datetime) -> tuple:
        status = status_code_of(error)
        self.logger.error(f"Collecting new issues failed (HTTP {status}): {describe(error)}")
        reset = math.ceil(now.timestamp() + retry_after_of(error)) if status == 429 else None
        return [], self.state(rate_limit_reset_epoch=reset), status == 429, status, error

    def _take_up(self, state, start: datetime) -> None:
        try:
            self.watermark, self.walk = restore(state, self.project)
        except (LookupError, TypeError, AttributeError, ValueError) as problem:  # restore refused the state
            if state:
                self.logger.warning(f"The saved state cannot be used ({problem!r}): starting at {query_time(start)}.")
            self.watermark, self.walk = Watermark(floor_ms(start)), None

    def _page(self, walk: Walk) -> Iterator[Listed]:
        """The new issues of the walk's next page, each passed once the next is asked for (not the one stopped at)."""
        query = " ".join(filter(None, [self.query.strip(), f"firstSeen:>={query_time(self.watermark.horizon)}"]))
        page = self.api_of().list_project_issues(*self.project, query, "", None, PAGE_SIZE, walk.cursor, sort="new")
        listed = []
        for raw in page.items:
            issue_id = str(raw["id"]) if type(raw.get("id")) in (str, int) else None
            first_seen = parse_time(raw.get("firstSeen"))
            if not issue_id or not first_seen:
                self.logger.warning(f"Sentry listed an issue without an ID or a readable firstSeen: {issue_id!r}")
                continue
            listed.append(Listed(issue_id, first_seen, raw))
            if self.watermark.is_new(listed[-1]) and not walk.passed_already(listed[-1]):
                yield listed[-1]
            walk.passed(listed[-1])
        walk.turn_page(page.next_cursor, listed, self.watermark)


def collection_window(custom_config: dict, now: datetime) -> Tuple[datetime, datetime]:
    """(the earliest horizon a state may keep, a first call's horizon), from `lookback` or `cutoff` (date or hours)."""
    cutoff = custom_config.get("cutoff") if isinstance(custom_config.get("cutoff"), dict) else {}
    start, hours = parse_time(custom_config.get("lookback")) or parse_time(cutoff.get("date")), cutoff.get("hours")
    if not start and type(hours) in (int, float) and 0 < hours <= 24 * 365:
        start = now - timedelta(hours=hours)
    return (start, start) if start else (now - CUTOFF, now - FIRST_LOOKBACK)


def _still_limited(reset: int) -> PluginException:
    until = datetime.fromtimestamp(reset, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    cause = f"Sentry rate-limited the previous call; this one is skipped until {until}."
    return PluginException(cause=cause, assistance="Nothing to do: collection resumes once Sentry's rate limit resets.")


class NewIssuePolls(IssueCollection):
    """The New Issue trigger's polls; a fault is logged and ends the poll, never the trigger."""

    def __init__(self, api_of, project: Project, query: str, interval: int, logger, now=None):
        super().__init__(api_of, project, logger, now, query)
        self.interval, self.answered = interval, False  # answered: Sentry has answered a poll

    def start(self, state) -> dict:
        self._take_up(state, self.now())
        self.logger.info(f"Watching for issues first seen from {query_time(self.watermark.horizon)} on.")
        return self.state()

    def poll(self, emit, save, running) -> float:
        """`emit(raw_issue)` sends an event, `save(state)` keeps the state, `running()` is False once stopping."""
        try:
            (self._held_poll if self.walk is None else self._walked_poll)(emit, save, running)
        except Exception as error:  # noqa: B902 - nothing a poll meets may end the trigger; the next poll retries
            return self._fault(error)
        self.answered = True
        return float(self.interval)

    def _held_poll(self, emit, save, running) -> None:
        """New issues that fit in HOLD_ISSUES are emitted oldest first, each saved as emitted once sent."""
        walk, held = Walk(), []
        while not walk.ended and len(held) <= HOLD_ISSUES:
            held += self._page(walk)
        if len(held) > HOLD_ISSUES:
            self.logger.warning(f"More than {HOLD_ISSUES} new issues: emitting them newest first, page by page.")
            self.walk = Walk()
            return self._walked_poll(emit, save, running)
        for issue in sorted(reversed(held), key=lambda listed: listed.first_seen):
            if not running():
                return  # the rest are found again by the next poll, still new
            emit(issue.raw)
            self.watermark.seen[issue.id] = issue.first_seen
            save(self.state())
        self.watermark.settle()
        save(self.state())

    def _walked_poll(self, emit, save, running) -> None:
        """A larger backlog is emitted newest first, the walk saved after each issue (memory stays bounded)."""
        while not self.walk.ended:
            for issue in self._page(self.walk):
                if not running():
                    return save(self.state())
                emit(issue.raw)
                self.walk.passed(issue)
                save(self.state())
        self.watermark.absorb(self.walk)
        self.walk = None
        save(self.state())

    def _fault(self, error: Exception) -> float:
        status = status_code_of(error)
        if not self.answered and status in (400, 404):
            raise error  # the query or the project is wrong from the start: the trigger cannot work
        wait = max(float(self.interval), retry_after_of(error)) if status == 429 else float(self.interval)
        what = f"Sentry refused the poll (HTTP {status})" if status in (401, 403) else "The poll failed"
        log = self.logger.warning if status == 429 else self.logger.error
        log(f"{what}; the next poll is in {wait:.0f} s. {describe(error)}")
        return wait
