"""The body of an issue update: only the fields given, with `false` and `assignedTo: ""` kept as real values."""

from komand_sentry.util.errors import input_error

FLAGS = ("hasSeen", "isBookmarked", "isSubscribed", "isPublic")
MAX_WINDOW_MINUTES = 10080  # a week
_POSITIVE_INTEGERS = ("ignoreDuration", "ignoreCount", "ignoreWindow", "ignoreUserCount", "ignoreUserWindow")
_COUNT_OF_WINDOW = {"ignoreWindow": "ignoreCount", "ignoreUserWindow": "ignoreUserCount"}


def issue_changes(**given) -> dict:
    """The changes given, by Sentry's own field names: status, statusDetails, substatus, assignedTo and FLAGS."""
    assignee = given.get("assignedTo")
    changes = {
        "status": given.get("status") or None,
        "statusDetails": status_details(given.get("statusDetails")) or None,
        "substatus": given.get("substatus") or None,
        "assignedTo": None if assignee is None else assignee.strip(),  # "" unassigns
        **{name: given.get(name) for name in FLAGS},
    }
    changes = {name: value for name, value in changes.items() if value is not None}
    if not changes:
        raise input_error(
            "status",
            "no change was given",
            "Give at least one field to change: status, status details, substatus, assignee or one of the flags.",
        )
    return changes


def changes_in(params: dict) -> dict:
    """The issue changes a step's inputs ask for (Update Issue and Bulk Update Issues name them as Sentry does)."""
    return issue_changes(**params)


def status_details(details) -> dict:
    details = {key: value for key, value in (details or {}).items() if value is not None and value != ""}
    for name in _POSITIVE_INTEGERS:
        problem = _number_problem(details, name)
        if problem:
            raise input_error(f"statusDetails.{name}", *problem)
    _check_commit(details.get("inCommit"))
    return details


def _check_commit(commit) -> None:
    if commit is not None and not (isinstance(commit, dict) and commit.get("commit") and commit.get("repository")):
        raise input_error(
            "statusDetails.inCommit",
            "it needs both commit and repository",
            'Give it as {"commit": "<SHA>", "repository": "<repository name>"}.',
        )


def _number_problem(details: dict, name: str):
    """(problem, assistance) of a count, window or duration (the schema makes them integers), or None."""
    value, count = details.get(name), _COUNT_OF_WINDOW.get(name)
    if value is None:
        return None
    if value < 1:
        return "it must be a whole number of at least 1", "Give a positive number."
    if count and count not in details:
        return f"it needs {count}", f"Give {count} with {name}."
    if count and value > MAX_WINDOW_MINUTES:
        return f"it is more than {MAX_WINDOW_MINUTES} minutes", "Give a window of at most a week."
    return None
