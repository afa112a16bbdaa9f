"""The runtime's validation of a step's input and output, with each schema checked once instead of at every step.

The runtime validates with `jsonschema.validate(parameters, schema)`, which checks the schema itself against the
JSON Schema meta-schema and builds a new validator at every call; for this plugin's large generated schemas that
is most of an http-mode step (BENCHMARKS.md has the figures). The schemas are constants generated from
plugin.spec.yaml, so the unit suite checks them against the meta-schema once (unit_test/test_validation.py, which
also fails if the runtime's validate stops being that call), and the validator is made on first use and kept.
The validation itself is jsonschema.validate's, error for error.
"""

import threading

from jsonschema import exceptions, validators


class CachedValidation:
    """What `jsonschema.validate(parameters, schema)` does, with the validator made once (the schema is checked by
    the unit suite)."""

    def __init__(self, schema: dict):
        self.schema = schema
        self._validator = None
        self._lock = threading.Lock()

    def __call__(self, parameters) -> None:
        error = exceptions.best_match(self._prepared_validator().iter_errors(parameters))
        if error is not None:
            raise error

    def _prepared_validator(self):
        if self._validator is None:
            with self._lock:
                if self._validator is None:
                    self._validator = validators.validator_for(self.schema)(self.schema)
        return self._validator


def validate_with_checked_schemas(*variables) -> None:
    """Give the runtime's Input/Output objects (`action.input`, `action.output`) the cached validation."""
    for variable in variables:
        variable.validate = CachedValidation(variable.schema)
