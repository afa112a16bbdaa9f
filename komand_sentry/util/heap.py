"""The list actions build their output with the cyclic GC paused (BENCHMARKS.md: the GC seam)."""

import gc
from contextlib import contextmanager


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
