"""A step's input and output validated with one validator per schema (BENCHMARKS.md: the validation seam)."""

from jsonschema import exceptions, validators


class CachedValidation:
    """What `jsonschema.validate(parameters, schema)` does, error for error, without the meta-schema check."""

    def __init__(self, schema: dict):
        self.schema, self.validator = schema, validators.validator_for(schema)(schema)  # about 30 us a schema

    def __call__(self, parameters) -> None:
        error = exceptions.best_match(self.validator.iter_errors(parameters))
        if error is not None:
            raise error


def validate_with_checked_schemas(*variables) -> None:
    for variable in variables:
        variable.validate = CachedValidation(variable.schema)
