"""Building a large output without Python's cyclic garbage collector traversing it again and again.

A listing parses every page into objects that stay alive until the step ends, then shapes a copy of them.
Allocating that many objects triggers collection after collection, each walking the whole growing heap without
finding anything to free (BENCHMARKS.md has what it cost). The list actions build their output with the collector
paused; fetching and shaping make no reference cycles, and anything cyclic made meanwhile (by another thread in
http mode) is collected once the collector runs again.
"""

import gc
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused():
    """Pause the cyclic GC for the block; it runs again after the block if it ran before (reference counting, which
    frees almost everything, is never paused)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
