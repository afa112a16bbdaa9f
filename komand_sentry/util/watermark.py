"""New issues of a project, found by polling Sentry's issue listing: the watermark that the New Issue trigger and
the Monitor Issues task keep in their state, and the walk down the listing that both make.

The listing is `GET /api/0/projects/{org}/{project}/issues/?sort=new&query=<query> firstSeen:>=<horizon>`:
- `sort=new` lists newest first by firstSeen, on Sentry 9.1.2 and today's Sentry alike. Its Link-header cursors are
  `<firstSeen in ms>:<offset among issues of that value>:0` (Sentry's DateTimePaginator), so issues arriving at the
  top do not shift the pages below, and a page boundary inside issues of equal firstSeen is resumed by the offset.
- `firstSeen:>=` (both versions; milliseconds) bounds it to the issues at or after the horizon, so a poll that finds
  nothing reads one page: the issues kept at the watermark, never more than a page holds.

The watermark is (horizon, seen): issues first seen before the horizon are old; `seen` holds the IDs (with their
firstSeen) of the issues already emitted at or after it. An issue is new when it is listed at or after the horizon
and is not in `seen`. The horizon trails the newest emitted issue by LOOKBACK, so that an issue that becomes visible
late (Sentry processes events asynchronously, and firstSeen is the event's own timestamp, so a slow or offline
client makes issues that appear "in the past") is still found, once, if it is at most LOOKBACK older than the newest
issue emitted. Later than that it is treated as old and never emitted. `seen` keeps at most SEEN_CAP issues (whole
groups of equal firstSeen); when more were emitted within LOOKBACK, the horizon rises to the oldest one kept. Memory
and state are therefore bounded however long a trigger runs, and an idle poll fits in one page.

A walk reads the listing from the top, page by page, down to its end. Its position (the oldest firstSeen passed and
the IDs passed at exactly that firstSeen) makes it resumable from a saved cursor without emitting anything twice,
and `top` keeps its newest issues for the watermark it leaves when it ends.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Dict, Iterable, List, Optional, Set, Tuple

from insightconnect_plugin_runtime.exceptions import PluginException
from jsonschema import Draft7Validator

from komand_sentry.util.errors import Preset, input_error, redact
from komand_sentry.util.identifiers import check_slug, cursor_problem
from komand_sentry.util.listing import PAGE_SIZE

STATE_VERSION = 1
LOOKBACK = timedelta(minutes=10)
SEEN_CAP = PAGE_SIZE - 1  # the issues kept at the watermark and one older issue fit in the page an idle poll reads
MAX_WALK_PAGES = 10_000  # a million issues: a server whose cursors never end must not hold a walk forever
MAX_STATE_ISSUES = 5_000  # a state holding more was not written by this module
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def floor_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def parse_time(value) -> Optional[datetime]:
    """A firstSeen (or a state's time) as an aware UTC datetime; None when it is not an ISO 8601 date-time."""
    if not isinstance(value, str) or not 10 < len(value) < 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def state_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def query_time(moment: datetime) -> str:
    """Milliseconds, rounded down: `firstSeen:>=` then includes every issue of that millisecond."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class Listed:
    """An issue of the listing, with what the watermark needs of it."""

    id: str
    first_seen: datetime
    raw: dict


def listed_issues(items: Iterable[dict], logger) -> List[Listed]:
    """The listing's issues; one without an ID or a readable firstSeen cannot be placed, and is logged and left out."""
    listed = []
    for raw in items:
        issue_id, first_seen = raw.get("id"), parse_time(raw.get("firstSeen"))
        if isinstance(issue_id, int) and not isinstance(issue_id, bool):
            issue_id = str(issue_id)
        if not isinstance(issue_id, str) or not issue_id or first_seen is None:
            logger.warning(
                f"Sentry listed an issue without an ID or a readable firstSeen; it is left out: {issue_id!r}"
            )
            continue
        listed.append(Listed(issue_id, first_seen, raw))
    return listed


# The watermark ---------------------------------------------------------------------------------------------------


@dataclass
class Watermark:
    horizon: datetime
    seen: Dict[str, datetime] = field(default_factory=dict)

    @classmethod
    def starting_at(cls, moment: datetime) -> "Watermark":
        return cls(floor_ms(moment))

    def is_new(self, issue: Listed) -> bool:
        return issue.first_seen >= self.horizon and issue.id not in self.seen

    def record(self, issue: Listed) -> None:
        """An issue emitted, oldest first: the horizon follows it by LOOKBACK (the cap waits for `settle`, so that
        issues of the same poll not yet emitted, which are newer, stay at or after the horizon)."""
        self.seen[issue.id] = issue.first_seen
        self._follow_newest()

    def absorb(self, walk: "Walk") -> None:
        """What a finished walk passed: its newest issues; when it passed more than it kept, the older ones become
        old (the horizon rises to the oldest kept), since they are no longer remembered as emitted."""
        self.seen.update(walk.top)
        if walk.dropped and walk.top:
            self.horizon = max(self.horizon, min(walk.top.values()))
        self.settle()

    def settle(self) -> None:
        self._follow_newest()
        if len(self.seen) > SEEN_CAP:
            kept = newest_groups(self.seen, SEEN_CAP)
            self.horizon = max(self.horizon, min(kept.values()))
            self.seen = kept

    def _follow_newest(self) -> None:
        if self.seen:
            self.horizon = max(self.horizon, floor_ms(max(self.seen.values()) - LOOKBACK))
            self.seen = {issue_id: moment for issue_id, moment in self.seen.items() if moment >= self.horizon}


def newest_groups(issues: Dict[str, datetime], count: int) -> Dict[str, datetime]:
    """The `count` newest issues, and the rest of the group of equal firstSeen the last of them belongs to."""
    ordered = sorted(issues.items(), key=lambda item: item[1], reverse=True)
    kept = dict(ordered[:count])
    last = ordered[count - 1][1] if len(ordered) >= count else None
    for issue_id, moment in ordered[count:]:
        if moment != last:
            break
        kept[issue_id] = moment
    return kept


# The walk --------------------------------------------------------------------------------------------------------


@dataclass
class Walk:
    cursor: Optional[str] = None  # of the page being read; None: the first
    oldest: Optional[datetime] = None  # firstSeen of the last issue passed
    oldest_ids: Set[str] = field(default_factory=set)  # the issues passed at exactly `oldest`
    top: Dict[str, datetime] = field(default_factory=dict)  # the newest issues passed (whole groups)
    pages: int = 0
    dropped: bool = False  # whether issues were passed that `top` does not keep

    def passed_already(self, issue: Listed) -> bool:
        """Read before in this walk: the listing is newest first, so anything newer than the position was passed
        (a page may repeat issues of the one before it when the server's order of equal firstSeen changes)."""
        if self.oldest is None:
            return False
        return issue.first_seen > self.oldest or (issue.first_seen == self.oldest and issue.id in self.oldest_ids)

    def is_new(self, issue: Listed, watermark: Watermark) -> bool:
        return watermark.is_new(issue) and not self.passed_already(issue)

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

    def turn_page(self, next_cursor: Optional[str], listed: List[Listed], watermark: Watermark) -> Optional[str]:
        """Move to the next page; when the walk has ended, why (the last page; a page entirely older than the
        horizon, from a server that did not apply the firstSeen bound; a server whose cursors do not advance)."""
        self.pages += 1
        if next_cursor is None or not listed:
            return "the last page"
        if all(issue.first_seen < watermark.horizon for issue in listed):
            return "a page older than the horizon"
        if next_cursor == self.cursor:
            return "a cursor that does not advance (Sentry's pagination is not moving on)"
        if self.pages >= MAX_WALK_PAGES:
            return f"more than {MAX_WALK_PAGES:,} pages"
        self.cursor = next_cursor
        return None


# The listing -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    organization: str
    project: str

    @property
    def key(self) -> str:
        return f"{self.organization}/{self.project}"


def bounded_query(query: str, horizon: datetime) -> str:
    bound = f"firstSeen:>={query_time(horizon)}"
    return f"{query.strip()} {bound}" if query.strip() else bound


def read_page(
    api, project: Project, query: str, watermark: Watermark, walk: Walk, logger
) -> Tuple[List[Listed], Optional[str]]:
    """One page of the walk (statsPeriod "" leaves out the 24 h statistics: Sentry computes them per issue)."""
    page = api.list_project_issues(
        project.organization,
        project.project,
        bounded_query(query, watermark.horizon),
        "",
        None,
        PAGE_SIZE,
        walk.cursor,
        sort="new",
    )
    return listed_issues(page.items, logger), page.next_cursor


# State -----------------------------------------------------------------------------------------------------------


def state_of(project: Project, watermark: Watermark, walk: Optional[Walk], **extra) -> dict:
    state = {
        "version": STATE_VERSION,
        "project": project.key,
        "horizon": state_time(watermark.horizon),
        "seen": {issue_id: state_time(moment) for issue_id, moment in watermark.seen.items()},
    }
    if walk is not None:
        state["walk"] = {
            "cursor": walk.cursor,
            "oldest": state_time(walk.oldest) if walk.oldest else None,
            "oldest_ids": sorted(walk.oldest_ids),
            "top": {issue_id: state_time(moment) for issue_id, moment in walk.top.items()},
            "pages": walk.pages,
            "dropped": walk.dropped,
        }
    state.update({key: value for key, value in extra.items() if value is not None})
    return state


class StateProblem(ValueError):
    pass


def restore(state, project: Project) -> Tuple[Watermark, Optional[Walk]]:
    """The watermark (and walk) a state holds; StateProblem when it is not a state this module wrote for this
    project (a hand-edited state, one of another version or another project)."""
    if not isinstance(state, dict) or not state:
        raise StateProblem("there is no state")
    if state.get("version") != STATE_VERSION:
        raise StateProblem(f"it is not a version {STATE_VERSION} state")
    if state.get("project") != project.key:
        raise StateProblem("it belongs to another project")
    horizon = parse_time(state.get("horizon"))
    if horizon is None:
        raise StateProblem("its horizon is not a date-time")
    watermark = Watermark(horizon, _times(state.get("seen"), "seen"))
    walk = state.get("walk")
    return watermark, (_walk(walk) if walk is not None else None)


def _times(value, name: str) -> Dict[str, datetime]:
    if not isinstance(value, dict) or len(value) > MAX_STATE_ISSUES:
        raise StateProblem(f"its {name} is not a map of issue IDs to date-times")
    times = {}
    for issue_id, moment in value.items():
        parsed = parse_time(moment)
        if not issue_id or parsed is None:
            raise StateProblem(f"its {name} is not a map of issue IDs to date-times")
        times[issue_id] = parsed
    return times


_WALK_SHAPE = Draft7Validator(
    {
        "type": "object",
        "properties": {
            "cursor": {"type": ["string", "null"]},
            "oldest": {"type": ["string", "null"]},
            "oldest_ids": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_STATE_ISSUES},
            "pages": {"type": "integer", "minimum": 0, "maximum": MAX_WALK_PAGES},
            "dropped": {"type": "boolean"},
        },
        "required": ["oldest_ids", "pages"],
    }
)


def _walk(value) -> Walk:
    problem = next(iter(_WALK_SHAPE.iter_errors(value)), None)
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "walk"
        raise StateProblem(f"its walk is not of the shape this version saves ({where}: {problem.validator})")
    cursor, oldest = value.get("cursor"), value.get("oldest")
    if cursor is not None and cursor_problem(cursor):
        raise StateProblem("its walk's cursor is not a Sentry cursor")
    if oldest is not None and parse_time(oldest) is None:
        raise StateProblem("its walk's position is not a date-time")
    top = _times(value.get("top"), "walk top")
    return Walk(
        cursor,
        parse_time(oldest) if oldest else None,
        set(value["oldest_ids"]),
        top,
        value["pages"],
        value.get("dropped", False),
    )


# Faults ----------------------------------------------------------------------------------------------------------

_STATUS_IN_DATA = re.compile(r"^HTTP (\d{3})\b")
_STATUS_OF_PRESET = {
    Preset.RATE_LIMIT: 429,
    Preset.API_KEY: 401,
    Preset.UNAUTHORIZED: 403,
    Preset.NOT_FOUND: 404,
    Preset.BAD_REQUEST: 400,
    Preset.TIMEOUT: 504,
    Preset.CONNECTION_ERROR: 503,
    Preset.SERVICE_UNAVAILABLE: 503,
}
_RETRY_AFTER = re.compile(r"after (\d+) seconds")
DEFAULT_RATE_LIMIT_WAIT = 60.0


def status_code_of(error: PluginException) -> int:
    """The HTTP status behind an error: Sentry's own (the data of an HTTP error starts "HTTP <status>"), else the
    status its kind stands for (a timeout 504, a dropped connection 503), else 500."""
    found = _STATUS_IN_DATA.match(str(getattr(error, "data", "") or ""))
    if found:
        return int(found.group(1))
    return _STATUS_OF_PRESET.get(getattr(error, "preset", None), 500)


def is_rate_limit(error: PluginException) -> bool:
    return status_code_of(error) == 429


def is_refused_token(error: PluginException) -> bool:
    return status_code_of(error) in (401, 403)


def retry_after_of(error: PluginException) -> float:
    """Seconds Sentry asked to wait, as the rate-limit error says them ("Try again after N seconds")."""
    found = _RETRY_AFTER.search(str(getattr(error, "assistance", "") or ""))
    return float(found.group(1)) if found else DEFAULT_RATE_LIMIT_WAIT


def describe(error: Exception) -> str:
    """What a log line says of an error (never a secret: the registry of errors.redact hides every one known)."""
    if isinstance(error, PluginException):
        return redact(" ".join(part for part in (error.cause, error.assistance, error.data) if part))
    return redact(f"{type(error).__name__}: {error}")


# Inputs ----------------------------------------------------------------------------------------------------------

DEFAULT_QUERY = "is:unresolved"
MIN_INTERVAL, MAX_INTERVAL = 5, 86_400
MAX_QUERY_CHARS = 1000


def check_project(organization, project) -> Project:
    return Project(check_slug("organization_slug", organization), check_slug("project_slug", project))


def check_query(query) -> str:
    if query is None:
        return DEFAULT_QUERY
    if not isinstance(query, str) or len(query) > MAX_QUERY_CHARS or any(ord(ch) < 32 for ch in query):
        raise input_error(
            "query",
            "it is not a Sentry search query of at most 1000 printable characters",
            "Give a search as typed in Sentry's issue search bar, for example is:unresolved level:error.",
        )
    return query


def check_interval(interval) -> int:
    if interval is None:
        return 60
    if isinstance(interval, bool) or not isinstance(interval, int) or not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise input_error(
            "interval",
            f"{interval!r} is not a number of seconds from {MIN_INTERVAL} to {MAX_INTERVAL}",
            "Give the seconds between two polls of Sentry, such as 60 (at least 5).",
        )
    return interval


def epoch_seconds(moment: datetime) -> int:
    return int(math.ceil((moment - EPOCH).total_seconds()))


# The New Issue trigger's polls -------------------------------------------------------------------------------------

HOLD_ISSUES = 1000  # the most new issues a poll holds to emit oldest first; a larger backlog is walked page by page


class NewIssuePolls:
    """The polls of the New Issue trigger. `poll` emits every issue new since the last poll, and returns the seconds
    to wait before the next one; faults are logged and end the poll, never the trigger.

    A poll whose new issues fit in HOLD_ISSUES (any ordinary burst) reads them all, then emits them oldest first,
    saving the watermark after each. A larger backlog (a trigger started again after a long stop) is emitted newest
    first, page by page, as a walk saved after each issue, so that memory stays bounded. Either way an issue is saved
    as emitted right after it is sent: a process killed between the two sends that one issue again when started
    again (at least once, never lost), and nothing else twice."""

    def __init__(self, api_of, project: Project, query: str, interval: int, logger, now=None):
        self.api_of, self.project, self.query, self.interval = api_of, project, query, interval
        self.logger, self.now = logger, now or utc_now
        self.watermark, self.walk = Watermark.starting_at(self.now()), None
        self.answered = False  # whether Sentry has answered a poll yet

    def start(self, state) -> dict:
        """Take up the saved state, or start from now (issues first seen before the trigger started are old)."""
        try:
            self.watermark, self.walk = restore(state, self.project)
            self.logger.info(
                f"Watching {self.project.key} for issues first seen from {query_time(self.watermark.horizon)}"
                f" on ({len(self.watermark.seen)} already emitted at the watermark)."
            )
        except StateProblem as problem:
            if state:
                self.logger.warning(f"The saved state cannot be used ({problem}): watching from now on.")
            self.watermark, self.walk = Watermark.starting_at(self.now()), None
            self.logger.info(
                f"Watching {self.project.key} for issues first seen from {query_time(self.watermark.horizon)} on."
            )
        return self.state()

    def state(self) -> dict:
        return state_of(self.project, self.watermark, self.walk)

    def poll(self, emit, save, running) -> float:
        """`emit(raw_issue)` sends one event, `save(state)` keeps the state, `running()` is False once the trigger
        is asked to stop."""
        try:
            if self.walk is None:
                self._held_poll(emit, save, running)
            if self.walk is not None:
                self._walked_poll(emit, save, running)
        except PluginException as error:
            return self._fault(error)
        except Exception as error:  # noqa: B902 - nothing a poll meets may end the trigger; the next poll retries
            self.logger.error(f"The poll failed unexpectedly; the next one is in {self.interval} s. {describe(error)}")
            return float(self.interval)
        self.answered = True
        return float(self.interval)

    def _read(self, walk: Walk) -> Tuple[List[Listed], Optional[str]]:
        return read_page(self.api_of(), self.project, self.query, self.watermark, walk, self.logger)

    def _held_poll(self, emit, save, running) -> None:
        walk, held = Walk(), []
        while True:
            listed, following = self._read(walk)
            for issue in listed:
                if walk.is_new(issue, self.watermark):
                    held.append(issue)
                walk.passed(issue)
            if len(held) > HOLD_ISSUES:
                self.logger.warning(
                    f"More than {HOLD_ISSUES} new issues: emitting them newest first, a page at a time."
                )
                self.walk = Walk()
                save(self.state())
                return
            if walk.turn_page(following, listed, self.watermark):
                break
        self._emit_oldest_first(held, emit, save, running)

    def _emit_oldest_first(self, held: List[Listed], emit, save, running) -> None:
        for issue in sorted(reversed(held), key=lambda listed: listed.first_seen):
            if not running():
                return  # the watermark is saved as far as emitted; the rest are found again, still new
            emit(issue.raw)
            self.watermark.record(issue)
            save(self.state())
        if held:
            self.logger.info(f"{len(held)} new issue(s) emitted.")
        self.watermark.settle()
        save(self.state())

    def _walked_poll(self, emit, save, running) -> None:
        while self.walk is not None:
            listed, following = self._read(self.walk)
            for issue in listed:
                if self.walk.is_new(issue, self.watermark):
                    if not running():
                        return
                    emit(issue.raw)
                    self.walk.passed(issue)
                    save(self.state())
                else:
                    self.walk.passed(issue)
            ended = self.walk.turn_page(following, listed, self.watermark)
            if ended:
                self.logger.info(f"The walk through the backlog of new issues ended at {ended}.")
                self.watermark.absorb(self.walk)
                self.walk = None
            save(self.state())
            if not running():
                return

    def _fault(self, error: PluginException) -> float:
        status = status_code_of(error)
        if not self.answered and status in (400, 404):
            raise error  # the query or the project is wrong from the start: the trigger cannot work
        if is_rate_limit(error):
            wait = max(float(self.interval), retry_after_of(error))
            self.logger.warning(f"Sentry is rate-limiting the trigger: next poll in {wait:.0f} s. {describe(error)}")
            return wait
        if is_refused_token(error):
            self.logger.error(
                f"Sentry refused the poll (HTTP {status}): {describe(error)} "
                f"Polling goes on every {self.interval} s, so that a fixed token resumes the trigger."
            )
        else:
            self.logger.error(f"The poll failed; the next one is in {self.interval} s. {describe(error)}")
        return float(self.interval)


# The Monitor Issues task's calls -----------------------------------------------------------------------------------

FIRST_LOOKBACK = timedelta(hours=24)
CUTOFF = timedelta(hours=168)  # a state older than this (a task paused for long) resumes from here
RATE_LIMIT_RESET = "rate_limit_reset_epoch"


class IssueCollection:
    """One call of the Monitor Issues task: at most a page of the issues first seen since the state it is given,
    and the state to pass next. Every issue first seen in the window comes out once across calls, newest first
    within a walk; `has_more_pages` stays true until the walk reaches the end of the listing."""

    def __init__(self, api_of, project: Project, logger, now=None):
        self.api_of, self.project, self.logger, self.now = api_of, project, logger, now or utc_now

    def collect(self, state, custom_config) -> tuple:
        now = self.now()
        floor, first = self._window(custom_config or {}, now)
        watermark, walk = self._restore(state, first)
        if watermark.horizon < floor:
            self.logger.info(f"The saved state is older than the cutoff: collecting from {query_time(floor)}.")
            watermark.horizon, watermark.seen = floor, {k: v for k, v in watermark.seen.items() if v >= floor}
        reset = state.get(RATE_LIMIT_RESET) if isinstance(state, dict) else None
        if isinstance(reset, int) and not isinstance(reset, bool) and epoch_seconds(now) < reset:
            return (
                [],
                state_of(self.project, watermark, walk, **{RATE_LIMIT_RESET: reset}),
                False,
                429,
                _still_limited(reset),
            )
        try:
            issues, after = self._page(watermark, walk or Walk())
        except PluginException as error:
            return self._fault(error, watermark, walk, now)  # the state as it was: the next call does it again
        walk = after
        return [issue.raw for issue in issues], state_of(self.project, watermark, walk), walk is not None, 200, None

    def _page(self, watermark: Watermark, walk: Walk) -> Tuple[List[Listed], Optional[Walk]]:
        listed, following = read_page(self.api_of(), self.project, "", watermark, walk, self.logger)
        new = []
        for issue in listed:
            if walk.is_new(issue, watermark):
                new.append(issue)
            walk.passed(issue)
        ended = walk.turn_page(following, listed, watermark)
        if ended:
            watermark.absorb(walk)
            walk = None
        self.logger.info(f"{len(new)} new issue(s)" + (f"; the walk ended at {ended}." if ended else "; more follow."))
        return new, walk

    def _restore(self, state, first: datetime) -> Tuple[Watermark, Optional[Walk]]:
        try:
            return restore(state, self.project)
        except StateProblem as problem:
            if state:
                self.logger.warning(f"The state cannot be used ({problem}): collecting from {query_time(first)}.")
            else:
                self.logger.info(f"First call: collecting the issues first seen from {query_time(first)}.")
            return Watermark.starting_at(first), None

    def _window(self, custom_config: dict, now: datetime) -> Tuple[datetime, datetime]:
        """(the earliest horizon a state may keep, the horizon of a first call), from custom_config's `lookback`
        (a date-time) or `cutoff` ({"date": ...} or {"hours": ...}), as Rapid7's tasks read them."""
        lookback = parse_time(custom_config.get("lookback"))
        cutoff = custom_config.get("cutoff") if isinstance(custom_config.get("cutoff"), dict) else {}
        hours = cutoff.get("hours")
        date = parse_time(cutoff.get("date"))
        if lookback or date:
            return (lookback or date), (lookback or date)
        if isinstance(hours, (int, float)) and not isinstance(hours, bool) and 0 < hours <= 24 * 365:
            return now - timedelta(hours=hours), now - timedelta(hours=hours)
        return now - CUTOFF, now - FIRST_LOOKBACK

    def _fault(self, error: PluginException, watermark: Watermark, walk: Walk, now: datetime) -> tuple:
        status = status_code_of(error)
        self.logger.error(f"Collecting new issues failed (HTTP {status}): {describe(error)}")
        if status == 429:
            reset = epoch_seconds(now) + int(math.ceil(retry_after_of(error)))
            return [], state_of(self.project, watermark, walk, **{RATE_LIMIT_RESET: reset}), True, 429, error
        return [], state_of(self.project, watermark, walk), False, status, error


def _still_limited(reset: int) -> PluginException:
    until = (EPOCH + timedelta(seconds=reset)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return PluginException(
        cause=f"Sentry rate-limited the previous call; this one is skipped until {until}.",
        assistance="Nothing to do: collection resumes by itself once Sentry's rate limit has reset.",
        data=f"rate limited until {until}",
    )
