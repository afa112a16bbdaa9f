"""Realistic Sentry issue and event JSON for the benchmark, made deterministically (the same bytes every run).

Shapes follow what Sentry's Web API returns (the issue list of /api/0/projects/{org}/{project}/issues/ and the
events of /api/0/organizations/{org}/issues/{id}/events/, summaries and `full=1` bodies). An issue is about
1.3 KB of JSON, an event summary about 0.9 KB and a full event about 6 KB.
"""

import hashlib
import json

BASE_TS = 1_795_842_000  # an hour boundary, so the 24h stats look like Sentry's
LEVELS = ("error", "warning", "fatal", "info")
MODULES = ("app.billing.invoices", "app.auth.session", "app.api.views", "app.workers.sync", "app.models.user")
FUNCTIONS = ("create_invoice", "refresh_token", "dispatch", "run_batch", "save", "validate", "handle")


def _hex(seed: str, length: int = 32) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def _iso(offset_s: int) -> str:
    ts = BASE_TS + offset_s
    days, rest = divmod(ts - 1_795_824_000, 86400)  # 1_795_824_000 is 2026-11-28T00:00:00Z
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"2026-11-{28 + days:02d}T{hours:02d}:{minutes:02d}:{seconds:02d}.{(ts * 7) % 1000:03d}Z"


def issue(index: int, project_slug: str = "backend") -> dict:
    """One issue as Sentry lists it."""
    module = MODULES[index % len(MODULES)]
    function = FUNCTIONS[index % len(FUNCTIONS)]
    kind = ("ValueError", "KeyError", "TimeoutError", "IntegrityError")[index % 4]
    issue_id = str(4_100_000_000 + index)
    return {
        "annotations": [{"displayName": f"JIRA-{1000 + index}",
                         "url": f"https://jira.example.com/browse/JIRA-{1000 + index}"}] if index % 10 == 0 else [],
        "assignedTo": {"type": "user", "id": str(100 + index % 7), "name": f"dev{index % 7}",
                       "email": f"dev{index % 7}@example.com"} if index % 3 == 0 else None,
        "count": str(17 + (index * 37) % 5000),
        "culprit": f"{module} in {function}",
        "firstSeen": _iso(-86400 + index),
        "hasSeen": index % 2 == 0,
        "id": issue_id,
        "isBookmarked": index % 11 == 0,
        "isPublic": False,
        "isSubscribed": index % 5 == 0,
        "isUnhandled": index % 4 == 1,
        "issueCategory": "error",
        "issueType": "error",
        "lastSeen": _iso(index),
        "level": LEVELS[index % len(LEVELS)],
        "logger": None if index % 2 else "django.request",
        "metadata": {
            "filename": f"{module.replace('.', '/')}.py",
            "function": function,
            "type": kind,
            "value": f"{kind} while processing record {index} for tenant t-{index % 97}",
            "in_app_frame_mix": "in-app-only",
        },
        "numComments": index % 3,
        "permalink": f"https://example-org.sentry.io/issues/{issue_id}/",
        "platform": "python",
        "priority": ("high", "medium", "low")[index % 3],
        "priorityLockedAt": None,
        "project": {"id": "4506123456789", "name": project_slug, "slug": project_slug, "platform": "python"},
        "shareId": None,
        "shortId": f"{project_slug.upper()}-{_base32(index + 1)}",
        "stats": {"24h": [[BASE_TS + 3600 * h, (index * 13 + h * 7) % 50] for h in range(24)]},
        "status": "unresolved",
        "statusDetails": {},
        "subscriptionDetails": {"reason": "mentioned"} if index % 5 == 0 else None,
        "substatus": "ongoing",
        "title": f"{kind}: {kind} while processing record {index} for tenant t-{index % 97}",
        "type": "error",
        "userCount": (index * 3) % 40,
    }


def _base32(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
    text = ""
    while number:
        number, rest = divmod(number, 32)
        text = digits[rest] + text
    return text or "0"


def event(index: int, issue_id: str, full: bool) -> dict:
    """One event of an issue: the summary Sentry lists, or (full) the whole body, about 6 KB."""
    event_id = _hex(f"event-{issue_id}-{index}")
    summary = {
        "id": event_id,
        "event.type": "error",
        "groupID": issue_id,
        "eventID": event_id,
        "projectID": "4506123456789",
        "message": f"ValueError while processing record {index}",
        "title": f"ValueError: bad record {index}",
        "location": "app/billing/invoices.py",
        "culprit": "app.billing.invoices in create_invoice",
        "user": {"id": str(index % 500), "email": f"user{index % 500}@example.com", "username": f"user{index % 500}",
                 "ip_address": f"10.0.{index % 250}.{index % 200}", "name": None, "data": None},
        "tags": [
            {"key": "environment", "value": "production"},
            {"key": "level", "value": "error"},
            {"key": "release", "value": f"backend@2.{index % 9}.0"},
            {"key": "server_name", "value": f"web-{index % 12}"},
            {"key": "url", "value": f"https://shop.example.com/api/invoices/{index}"},
        ],
        "platform": "python",
        "dateCreated": _iso(index),
        "crashFile": None,
        "metadata": {"type": "ValueError", "value": f"bad record {index}", "filename": "app/billing/invoices.py",
                     "function": "create_invoice"},
    }
    if not full:
        return summary
    frames = [
        {
            "filename": f"app/{('billing', 'core', 'api', 'db')[f % 4]}/module_{f}.py",
            "absPath": f"/srv/app/{('billing', 'core', 'api', 'db')[f % 4]}/module_{f}.py",
            "module": f"app.{('billing', 'core', 'api', 'db')[f % 4]}.module_{f}",
            "function": FUNCTIONS[f % len(FUNCTIONS)],
            "lineNo": 40 + f * 3,
            "colNo": None,
            "inApp": f > 2,
            "context": [[37 + f * 3 + c, f"    value = compute(record, step={c})  # line {c}"] for c in range(5)],
            "vars": {"record": f"<Record id={index}>", "step": str(f), "tenant": f"'t-{index % 97}'"},
            "platform": None,
            "package": None,
            "symbol": None,
            "trust": None,
            "errors": None,
            "rawFunction": None,
            "instructionAddr": None,
        }
        for f in range(5)
    ]
    body = dict(summary)
    body.update(
        {
            "size": 5800 + index % 400,
            "dist": None,
            "type": "error",
            "errors": [],
            "groupingConfig": {"id": "newstyle:2023-01-11", "enhancements": "eJybzDRxY3J-bm5-npWRgaGlroGxrpHxBABcYgcZ"},
            "fingerprints": [_hex(f"fp-{issue_id}")],
            "dateReceived": _iso(index),
            "sdk": {"name": "sentry.python.django", "version": "2.19.2"},
            "packages": {"django": "5.1.3", "requests": "2.32.3", "sentry-sdk": "2.19.2"},
            "context": {"order_total": index * 3, "retry": False},
            "contexts": {
                "os": {"name": "Linux", "version": "6.1.0", "type": "os"},
                "runtime": {"name": "CPython", "version": "3.12.7", "type": "runtime"},
                "trace": {"trace_id": _hex(f"trace-{index}"), "span_id": _hex(f"span-{index}", 16), "op": "http.server",
                          "status": "internal_error", "type": "trace"},
            },
            "entries": [
                {
                    "type": "exception",
                    "data": {
                        "values": [
                            {
                                "type": "ValueError",
                                "value": f"bad record {index}",
                                "module": "builtins",
                                "mechanism": {"type": "django", "handled": False},
                                "stacktrace": {"frames": frames, "framesOmitted": None, "registers": None,
                                               "hasSystemFrames": True},
                                "rawStacktrace": None,
                                "threadId": None,
                            }
                        ],
                        "hasSystemFrames": True,
                        "excOmitted": None,
                    },
                },
                {
                    "type": "breadcrumbs",
                    "data": {
                        "values": [
                            {"timestamp": _iso(index - 5 + b), "type": "default", "category": "query",
                             "level": "info", "message": f"SELECT * FROM invoice WHERE id = {index} /* {b} */",
                             "data": None, "event_id": None}
                            for b in range(4)
                        ]
                    },
                },
                {
                    "type": "request",
                    "data": {
                        "method": "POST",
                        "url": f"https://shop.example.com/api/invoices/{index}",
                        "query": [["page", "1"]],
                        "fragment": None,
                        "data": {"amount": "12.50", "currency": "EUR"},
                        "headers": [["Content-Type", "application/json"], ["User-Agent", "Mozilla/5.0"]],
                        "cookies": [],
                        "env": {"SERVER_NAME": f"web-{index % 12}", "SERVER_PORT": "8000"},
                        "inferredContentType": "application/json",
                    },
                },
            ],
        }
    )
    return body


def issues_page(total: int, page: int, per_page: int, project_slug: str) -> bytes:
    start = page * per_page
    return json.dumps([issue(i, project_slug) for i in range(start, min(total, start + per_page))]).encode()


def events_page(issue_id: str, total: int, page: int, per_page: int, full: bool) -> bytes:
    start = page * per_page
    return json.dumps([event(i, issue_id, full) for i in range(start, min(total, start + per_page))]).encode()
