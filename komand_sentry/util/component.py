"""What the components share: a traced run, outputs shaped, and the benchmarks' three seams (BENCHMARKS.md)."""

import gc
from contextlib import contextmanager

import insightconnect_plugin_runtime
from insightconnect_plugin_runtime.telemetry import auto_instrument
from jsonschema import exceptions, validators

from komand_sentry.util.mapping import conform_output, page_output

gc.freeze()  # what the process has so far (the runtime, imported) lives as long as it: no GC pass looks at it again
LARGE_LISTING = 100  # items: above, compiling the schema (about 20 ms) costs less than jsonschema checking them


class CachedValidation:
    """What `jsonschema.validate(parameters, schema)` does, error for error, without the meta-schema check; a large
    listing is checked by fastjsonschema first, jsonschema then says why one fails (design/events-and-errors.md)."""

    def __init__(self, schema: dict):
        self.schema, self.validator, self.compiled = schema, validators.validator_for(schema)(schema), None

    def __call__(self, parameters) -> None:
        listed = sum(len(v) for v in parameters.values() if isinstance(v, list)) if type(parameters) is dict else 0
        if not (LARGE_LISTING < listed and self._compiled_accepts(parameters)):
            error = exceptions.best_match(self.validator.iter_errors(parameters))
            if error is not None:
                raise error

    def _compiled_accepts(self, parameters) -> bool:
        import fastjsonschema  # a step with a large listing only pays for the import and the compilation (20 ms)

        self.compiled = self.compiled or fastjsonschema.compile(self.schema, use_default=False, use_formats=False)
        try:
            self.compiled(parameters)  # use_default=False: it never fills in a default
        except fastjsonschema.JsonSchemaException:
            return False
        return True


def validate_with_checked_schemas(*variables) -> None:
    for variable in variables:
        variable.validate = CachedValidation(variable.schema)


@contextmanager
def cyclic_gc_paused():
    """The cyclic GC paused for the block, running again after if it ran before (reference counting never pauses)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class SentryAction(insightconnect_plugin_runtime.Action):
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.run = auto_instrument(cls.run)

    def __init__(self, name: str, component, input, output):
        super().__init__(name=name, description=component.DESCRIPTION, input=input, output=output)
        validate_with_checked_schemas(self.input, self.output)

    def shaped(self, **output) -> dict:
        return conform_output(output, self.output.schema)

    def listing(self, list_name: str, from_sentry, fetch, *args) -> dict:
        """A list action's output, `fetch(*args)` shaped; pages are read and shaped without GC passes."""
        with cyclic_gc_paused():
            return page_output(fetch(*args), list_name, from_sentry, self.output.schema)
