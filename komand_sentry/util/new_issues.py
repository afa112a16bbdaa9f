"""The New Issue trigger's polls and the Monitor Issues task's calls, over the watermark of watermark.py."""

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Iterator, Tuple

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.errors import Preset, input_error, redact
from komand_sentry.util.identifiers import check_slug
from komand_sentry.util.listing import PAGE_SIZE
from komand_sentry.util.watermark import Listed, Project, Walk, Watermark, floor_ms, parse_time, query_time, restore
from komand_sentry.util.watermark import state_of

HOLD_ISSUES = 1000  # the most new issues a poll holds to emit oldest first; a larger backlog is walked page by page
FIRST_LOOKBACK, CUTOFF = timedelta(hours=24), timedelta(hours=168)  # a task's first call; its oldest state
_STATUS_OF_PRESET = {Preset.TIMEOUT: 504, Preset.CONNECTION_ERROR: 503, Preset.API_KEY: 401}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


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
