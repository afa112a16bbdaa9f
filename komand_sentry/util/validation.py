"""A step's input and output validated with one validator per schema (BENCHMARKS.md: the validation seam)."""

from functools import cached_property

from jsonschema import exceptions, validators


class CachedValidation:
    """What `jsonschema.validate(parameters, schema)` does, error for error, without the meta-schema check."""

    def __init__(self, schema: dict):
        self.schema = schema

    @cached_property
    def validator(self):  # made on first use; two threads may make one each, alike
        return validators.validator_for(self.schema)(self.schema)

    def __call__(self, parameters) -> None:
        error = exceptions.best_match(self.validator.iter_errors(parameters))
        if error is not None:
            raise error


def validate_with_checked_schemas(*variables) -> None:
    """Give the runtime's Input/Output objects (`action.input`, `action.output`) the cached validation."""
    for variable in variables:
        variable.validate = CachedValidation(variable.schema)
