"""What the runtime checks around a component's run, done with jsonschema itself (not through the plugin's own
cached validation, so that the check stays independent of the code under test): the input against the input
schema before, the output against the output schema after, and date-times as RFC 3339 (`FORMATS`)."""

import re
from datetime import datetime
from functools import lru_cache

import jsonschema

FORMATS = jsonschema.FormatChecker()
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@lru_cache(maxsize=None)
def validator(component_class, which: str, formats: bool = False):
    """What `jsonschema.validate(value, schema)` does (the schema checked against its metaschema, then the validator
    its draft names), made once per schema (checking it again costs ~20 ms); `formats`: FORMATS checked too."""
    schema = getattr(component_class(), which).schema
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=FORMATS if formats else None)


def check(component_class, which: str, value, formats: bool = False) -> None:
    """The best-matching schema error, raised as `jsonschema.validate` raises it."""
    error = jsonschema.exceptions.best_match(validator(component_class, which, formats).iter_errors(value))
    if error is not None:
        raise error
