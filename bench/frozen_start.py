"""`python bench/frozen_start.py BIN run`: the plugin's bin script BIN, started as the Sentry plugin starts itself
(komand_sentry.util.component freezes the runtime's objects once the runtime is imported, see
docs/design/events-and-errors.md). The benchmark starts the floor plugin this way too, for a like-for-like
figure next to the one against the floor as Rapid7 generates it."""

import gc
import runpy
import sys

script = sys.argv[1]
sys.argv[:] = [script, *sys.argv[2:]]  # before the runtime is imported: its CLI reads sys.argv at import
import insightconnect_plugin_runtime  # noqa: E402,F401

gc.freeze()
runpy.run_path(script, run_name="__main__")
