"""Building a large output without Python's cyclic garbage collector traversing it again and again.

A listing parses every page into objects that stay alive until the step ends (10,000 full events are about a
million dicts and lists), then shapes a copy of them. Allocating that many objects triggers collection after
collection, and the older-generation ones walk the whole growing heap without finding anything to free: for 10,000
full events that costs more than parsing the JSON. The list actions build their output with the collector paused,
so that it never sees the raw pages (freed before it runs again). Fetching and shaping make no reference cycles;
anything cyclic made meanwhile (by another thread in http mode) is collected once the collector runs again.
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
