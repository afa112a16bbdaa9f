"""The body of an issue update: only the fields given, with `false` and `assignedTo: ""` kept as real values."""

from typing import Optional

from komand_sentry.util.errors import input_error

MAX_WINDOW_MINUTES = 10080
_COUNT_WINDOWS = (("ignoreCount", "ignoreWindow"), ("ignoreUserCount", "ignoreUserWindow"))
_POSITIVE_INTEGERS = ("ignoreDuration", "ignoreCount", "ignoreWindow", "ignoreUserCount", "ignoreUserWindow")


def issue_changes(
    status: Optional[str] = None,
    statusDetails: Optional[dict] = None,  # noqa: N803 - Sentry's own field names
    substatus: Optional[str] = None,
    assignedTo: Optional[str] = None,  # noqa: N803
    hasSeen: Optional[bool] = None,  # noqa: N803
    isBookmarked: Optional[bool] = None,  # noqa: N803
    isSubscribed: Optional[bool] = None,  # noqa: N803
    isPublic: Optional[bool] = None,  # noqa: N803
) -> dict:
    changes = {}
    if status:
        changes["status"] = status
    details = status_details(statusDetails)
    if details:
        changes["statusDetails"] = details
    if substatus:
        changes["substatus"] = substatus
    if assignedTo is not None:
        changes["assignedTo"] = assignedTo.strip()  # "" unassigns
    for name, flag in (
        ("hasSeen", hasSeen),
        ("isBookmarked", isBookmarked),
        ("isSubscribed", isSubscribed),
        ("isPublic", isPublic),
    ):
        if flag is not None:
            changes[name] = flag
    if not changes:
        raise input_error(
            "status",
            "no change was given",
            "Give at least one field to change: status, status details, substatus, assignee or one of the flags.",
        )
    return changes


CHANGE_INPUTS = (
    "status",
    "statusDetails",
    "substatus",
    "assignedTo",
    "hasSeen",
    "isBookmarked",
    "isSubscribed",
    "isPublic",
)


def changes_in(params: dict) -> dict:
    """The issue changes a step's inputs ask for (Update Issue and Bulk Update Issues name them as Sentry does)."""
    return issue_changes(**{name: params.get(name) for name in CHANGE_INPUTS})


def status_details(details: Optional[dict]) -> dict:
    details = {key: value for key, value in (details or {}).items() if value is not None and value != ""}
    for name in _POSITIVE_INTEGERS:
        if name in details and details[name] < 1:  # the schema makes them integers; Sentry wants at least 1
            raise input_error(
                f"statusDetails.{name}", "it must be a whole number of at least 1", "Give a positive number."
            )
    for count, window in _COUNT_WINDOWS:
        _check_window(details, count, window)
    _check_commit(details.get("inCommit"))
    return details


def _check_commit(commit) -> None:
    if commit is not None and not (isinstance(commit, dict) and commit.get("commit") and commit.get("repository")):
        raise input_error(
            "statusDetails.inCommit",
            "it needs both commit and repository",
            'Give it as {"commit": "<SHA>", "repository": "<repository name>"}.',
        )


def _check_window(details: dict, count: str, window: str) -> None:
    if window not in details:
        return
    if count not in details:
        raise input_error(f"statusDetails.{window}", f"it needs {count}", f"Give {count} with {window}.")
    if details[window] > MAX_WINDOW_MINUTES:
        raise input_error(
            f"statusDetails.{window}",
            f"it is more than {MAX_WINDOW_MINUTES} minutes",
            "Give a window of at most a week.",
        )
