"""What every action of the plugin shares: a traced run, schemas checked once, outputs shaped to them."""

import insightconnect_plugin_runtime
from insightconnect_plugin_runtime.telemetry import auto_instrument

from komand_sentry.util.heap import cyclic_gc_paused
from komand_sentry.util.mapping import conform_output, page_output
from komand_sentry.util.validation import validate_with_checked_schemas


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
        """A list action's output, `fetch(*args)` shaped; pages are read and shaped without GC passes (heap.py)."""
        with cyclic_gc_paused():
            return page_output(fetch(*args), list_name, from_sentry, self.output.schema)
