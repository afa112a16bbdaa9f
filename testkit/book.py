"""A project's issues, listed the way Sentry lists them (query, sort, DateTimePaginator cursors): the world of
the New Issue trigger and the Monitor Issues task, for every front end."""

import bisect
import re
import threading
from datetime import datetime, timezone
from typing import Callable, Dict, List, Optional

from testkit.wire import link_header

_FIRST_SEEN_TERM = re.compile(r"^firstSeen:(>=|<=|>|<)?(.+)$")


def iso_us(moment_us: int, style: str = "ms") -> str:
    """A time (microseconds since the epoch) as Sentry writes it: Sentry 9.1.2 milliseconds ("...14.558Z", cut, not
    rounded), today's Sentry microseconds ("us") or whole seconds ("s")."""
    moment = datetime.fromtimestamp(moment_us // 1_000_000, tz=timezone.utc).replace(microsecond=moment_us % 1_000_000)
    if style == "s":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return (text if style == "us" else text[:-3]) + "Z"


def to_us(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class IssueBook:
    """The issues of one project, answered the way Sentry 9.1.2 (and today's Sentry) answers
    GET /api/0/projects/{org}/{project}/issues/: the search query (is:<status>, firstSeen:<op><ISO date-time>,
    <tag>:<value>, words of the title), sort=new (firstSeen, newest first) or date (lastSeen, the default), and the
    cursors of Sentry's DateTimePaginator (src/sentry/api/paginator.py and src/sentry/utils/cursors.py of 9.1.2):
    "<value>:<offset>:0", the value a firstSeen in milliseconds rounded up, the offset the number of issues of that
    value already shown. Issues of equal value come in `tie_order(ids)` (default: highest ID first); a test may
    reorder them per request, as a database with no tie-breaking ORDER BY may. Thread-safe.

    `refuse` (a status, e.g. 401) makes every listing fail with Sentry's error until it is set back to None."""

    def __init__(self, style: str = "ms"):
        self.style = style
        self.lock = threading.RLock()
        self.issues: Dict[str, dict] = {}
        self.first_us: Dict[str, int] = {}
        self.last_us: Dict[str, int] = {}
        self.status: Dict[str, str] = {}
        self.tags: Dict[str, Dict[str, str]] = {}
        self.next_id = 1
        self.tie_order: Optional[Callable[[List[str]], List[str]]] = None
        self.refuse: Optional[int] = None
        self.listings: List[Dict[str, str]] = []  # the parameters of every listing answered
        self.version = 0  # changes whenever an issue is added or changes
        self._orders: Dict[str, tuple] = {}

    def add(
        self,
        first_seen_us: int,
        count: int = 1,
        step_us: int = 0,
        status: str = "unresolved",
        tags=None,
        title: str = "",
    ) -> List[str]:
        """`count` issues first seen at `first_seen_us`, `first_seen_us + step_us`, ...; their IDs."""
        with self.lock:
            ids = []
            for number in range(count):
                issue_id = str(self.next_id)
                self.next_id += 1
                moment = first_seen_us + number * step_us
                self.first_us[issue_id] = self.last_us[issue_id] = moment
                self.status[issue_id] = status
                self.tags[issue_id] = dict(tags or {})
                self.issues[issue_id] = {
                    "id": issue_id,
                    "shortId": f"PUMP-{issue_id}",
                    "title": title or f"Error number {issue_id}",
                    "culprit": "pump.station in run",
                    "level": "error",
                    "count": "1",
                    "userCount": 0,
                    "numComments": 0,
                    "permalink": f"https://sentry.example.com/organizations/example-org/issues/{issue_id}/",
                    "project": {"id": "2", "name": "Pump Station", "slug": "pump-station"},
                    "type": "error",
                    "metadata": {"title": title or f"Error number {issue_id}"},
                    "annotations": [],
                    "assignedTo": None,
                    "isBookmarked": False,
                    "isPublic": False,
                    "isSubscribed": False,
                    "hasSeen": False,
                    "statusDetails": {},
                    "logger": None,
                    "shareId": None,
                }
                ids.append(issue_id)
            self.version += 1
            return ids

    def touch(self, issue_id: str, moment_us: int) -> None:
        """A new event of an existing issue: its lastSeen and count change, its firstSeen does not."""
        with self.lock:
            self.last_us[issue_id] = max(self.last_us[issue_id], moment_us)
            self.version += 1
            self.issues[issue_id]["count"] = str(int(self.issues[issue_id]["count"]) + 1)

    def set_status(self, ids: List[str], status: str) -> None:
        with self.lock:
            for issue_id in ids:
                self.status[issue_id] = status

    def raw(self, issue_id: str) -> dict:
        with self.lock:
            return self._shown(issue_id)

    def _shown(self, issue_id: str) -> dict:
        issue = dict(self.issues[issue_id])
        issue.update(
            firstSeen=iso_us(self.first_us[issue_id], self.style),
            lastSeen=iso_us(self.last_us[issue_id], self.style),
            status=self.status[issue_id],
        )
        return issue

    # the listing

    def answer(self, params: Dict[str, str], base_url: str):
        """(status, body, headers) of a listing with these query parameters."""
        with self.lock:
            self.listings.append(dict(params))
            if self.refuse is not None:
                return self.refuse, {"detail": "Invalid token" if self.refuse == 401 else "Forbidden"}, {}
            by_first_seen = params.get("sort") == "new"
            try:
                predicates, lower = self._predicates(params.get("query", "is:unresolved"))
                value, offset = self._cursor(params.get("cursor"))
            except ValueError as problem:
                return 400, {"detail": str(problem)}, {}
            limit = min(100, int(params.get("limit") or params.get("per_page") or 100))
            key = self.first_us if by_first_seen else self.last_us
            rows = self._rows(key, predicates, lower if by_first_seen else None, value, offset + limit + 1)
            results = rows[offset:]
            keys = [-(-key[issue_id] // 1000) for issue_id in results]  # milliseconds, rounded up
            next_value, next_offset, more = _next_cursor(value, offset, keys, limit)
            link = link_header(base_url, f"{value}:{offset}:1", f"{next_value}:{next_offset}:0", more)
            return 200, [self._shown(issue_id) for issue_id in results[:limit]], {"Link": link}

    def _rows(self, key: Dict[str, int], predicates, lower: Optional[int], value: int, count: int) -> List[str]:
        """The first `count` matching issues of the listing from the cursor's value on (newest first)."""
        order, negated = self._order(key)
        start = bisect.bisect_left(negated, -value * 1000) if value else 0
        rows = []
        for index in range(start, len(order)):
            issue_id = order[index]
            if lower is not None and key[issue_id] < lower:
                break  # newest first: nothing further matches firstSeen:>=
            if all(predicate(issue_id) for predicate in predicates):
                rows.append(issue_id)
                if len(rows) == count:
                    break
        return rows

    def _order(self, key: Dict[str, int]):
        """Every issue newest first by `key` (equal ones highest ID first, or in `tie_order`), and the negated
        keys in that order (for bisect); kept until an issue is added or changes."""
        name = "first" if key is self.first_us else "last"
        cached = self._orders.get(name)
        if cached is None or cached[2] != self.version:
            order = sorted(self.issues, key=lambda issue_id: (key[issue_id], int(issue_id)), reverse=True)
            cached = self._orders[name] = (order, [-key[issue_id] for issue_id in order], self.version)
        if self.tie_order is None:
            return cached[0], cached[1]
        ordered, group = [], []
        for issue_id in cached[0] + [None]:
            if group and (issue_id is None or -(-key[issue_id] // 1000) != -(-key[group[0]] // 1000)):
                ordered += self.tie_order(group) if len(group) > 1 else group
                group = []
            if issue_id is not None:
                group.append(issue_id)
        return ordered, cached[1]

    def _predicates(self, query: str):
        """The query's terms as tests of an issue ID, and the lower bound a firstSeen:>= or > term sets."""
        predicates, lower = [], None
        for term in query.split():
            found = _FIRST_SEEN_TERM.match(term)
            if found:
                op, bound = found.group(1) or "=", _query_time(found.group(2))
                predicates.append(_time_test(self.first_us, op, bound))
                if op in (">=", ">"):
                    lower = bound if lower is None else max(lower, bound)
            elif term.startswith("is:"):
                predicates.append(lambda issue_id, status=term[3:]: self.status[issue_id] == status)
            elif ":" in term:
                name, _, wanted = term.partition(":")
                predicates.append(lambda issue_id, name=name, wanted=wanted: self.tags[issue_id].get(name) == wanted)
            else:
                predicates.append(lambda issue_id, word=term.lower(): word in self.issues[issue_id]["title"].lower())
        return predicates, lower

    @staticmethod
    def _cursor(cursor: Optional[str]):
        if not cursor:
            return 0, 0
        bits = cursor.split(":")
        try:
            if len(bits) != 3:
                raise ValueError
            return int(float(bits[0])), int(bits[1])
        except ValueError:
            raise ValueError("Invalid cursor parameter.")


def _query_time(text: str) -> int:
    try:
        return to_us(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc))
    except ValueError:
        raise ValueError(f"Your search query could not be parsed: {text} is not a valid datetime query")


def _time_test(times: Dict[str, int], op: str, bound: int):
    compare = {
        ">=": lambda moment: moment >= bound,
        ">": lambda moment: moment > bound,
        "<=": lambda moment: moment <= bound,
        "<": lambda moment: moment < bound,
        "=": lambda moment: moment == bound,
    }[op]
    return lambda issue_id: compare(times[issue_id])


def _next_cursor(value: int, offset: int, keys: List[int], limit: int):
    """Sentry 9.1.2's _build_next_values for a descending listing (keys of the page and of the one extra row)."""
    if not value and keys:
        value = keys[0]
    if not keys:
        return value, offset, False
    more = len(keys) > limit
    next_value = keys[-1]
    if next_value == value:
        return next_value, offset + limit, more
    next_offset = 0
    for key in list(reversed(keys))[1 if more else 0 :]:
        if key > next_value:
            break
        next_offset += 1
    return next_value, next_offset, more
