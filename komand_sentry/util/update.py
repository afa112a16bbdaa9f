"""The body of an issue update: only the fields given, with `false` and `assignedTo: ""` kept as real values."""

from komand_sentry.util.errors import input_error

FLAGS = ("hasSeen", "isBookmarked", "isSubscribed", "isPublic")
MAX_WINDOW_MINUTES = 10080  # a week
_POSITIVE_INTEGERS = ("ignoreDuration", "ignoreCount", "ignoreWindow", "ignoreUserCount", "ignoreUserWindow")
NO_CHANGE = "Give at least one field to change: status, status details, substatus, assignee or one of the flags."
COMMIT_FORM = 'Give it as {"commit": "<SHA>", "repository": "<repository name>"}.'
_COUNT_OF_WINDOW = {"ignoreWindow": "ignoreCount", "ignoreUserWindow": "ignoreUserCount"}


def changes_in(given: dict) -> dict:
    """The inputs of Update Issue and Bulk Update Issues, which bear Sentry's names, as the changes they give."""
    assignee, details = given.get("assignedTo"), status_details(given.get("statusDetails"))
    changes = dict(status=given.get("status"), statusDetails=details, substatus=given.get("substatus"))
    changes = {name: value for name, value in changes.items() if value}  # "" and {} are not changes
    if assignee is not None:
        changes["assignedTo"] = assignee.strip()  # "" unassigns
    changes.update({name: given[name] for name in FLAGS if given.get(name) is not None})
    if not changes:
        raise input_error("status", "no change was given", NO_CHANGE)
    return changes


def status_details(details) -> dict:
    details = {key: value for key, value in (details or {}).items() if value not in (None, "")}
    for name in _POSITIVE_INTEGERS:
        if name in details:
            _check_number(details, name)
    commit = details.get("inCommit")
    if commit is not None and not (isinstance(commit, dict) and commit.get("commit") and commit.get("repository")):
        raise input_error("statusDetails.inCommit", "it needs both commit and repository", COMMIT_FORM)
    return details


def _check_number(details: dict, name: str) -> None:
    """A count, window or duration (the schema makes them integers) must be positive; a window needs its count."""
    value, count, field = details[name], _COUNT_OF_WINDOW.get(name), f"statusDetails.{name}"
    if value < 1:
        raise input_error(field, "it must be a whole number of at least 1", "Give a positive number.")
    if count and count not in details:
        raise input_error(field, f"it needs {count}", f"Give {count} with {name}.")
    if count and value > MAX_WINDOW_MINUTES:
        raise input_error(field, f"it is more than {MAX_WINDOW_MINUTES} minutes", "Give a window of at most a week.")
