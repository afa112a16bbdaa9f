"""Build the floor plugin (bench/floor/plugin.spec.yaml) with Rapid7's `insight-plugin create`, in bench/results/floor/.

The two list actions get the Sentry plugin's own `output` (and its types) from plugin.spec.yaml, and a body that
returns a ready-made output from a pickle file; `noop` returns {}. The build is reused while the specs and this
file are unchanged.
"""

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
FLOOR_SPEC = BENCH / "floor" / "plugin.spec.yaml"
PLUGIN_SPEC = ROOT / "plugin.spec.yaml"
INSIGHT_PLUGIN = ROOT / ".venv-tools" / "bin" / "insight-plugin"
LIST_ACTIONS = ("list_project_issues", "list_issue_events")

NOOP_BODY = "        return {}\n"
# Loading the ready-made output is not the runtime's work: it runs with the cyclic GC paused (which would
# otherwise traverse the growing heap again and again) and reports its own duration on stderr, which the
# benchmark subtracts from the floor's wall time.
READY_MADE_IMPORTS = "import gc\nimport pickle\nimport sys\nimport time"
READY_MADE_BODY = """\
        started = time.perf_counter()
        gc.disable()
        try:
            with open(path, "rb") as ready_made:
                output = pickle.load(ready_made)
        finally:
            gc.enable()
        sys.stderr.write(f"floor-load-seconds {time.perf_counter() - started:.6f}\\n")
        return output
"""


def floor_spec() -> dict:
    spec = yaml.safe_load(FLOOR_SPEC.read_text())
    ours = yaml.safe_load(PLUGIN_SPEC.read_text())
    spec["types"] = ours["types"]
    for name in LIST_ACTIONS:
        spec["actions"][name]["output"] = ours["actions"][name]["output"]
    return spec


def build(results: Path) -> Path:
    """The floor plugin's root (it holds bin/icon_benchfloor and icon_benchfloor/)."""
    digest = hashlib.sha256(
        FLOOR_SPEC.read_bytes() + PLUGIN_SPEC.read_bytes() + Path(__file__).read_bytes()
    ).hexdigest()[:16]
    base = results / "floor"
    root = base / digest / "benchfloor"
    if (root / "bin" / "icon_benchfloor").exists():
        return root
    shutil.rmtree(base, ignore_errors=True)
    work = base / digest
    work.mkdir(parents=True)
    (work / "plugin.spec.yaml").write_text(yaml.safe_dump(floor_spec(), sort_keys=False))
    env = dict(os.environ, PATH=f"{INSIGHT_PLUGIN.parent}:{os.environ.get('PATH', '')}")
    done = subprocess.run(
        [str(INSIGHT_PLUGIN), "create", "plugin.spec.yaml"], cwd=work, env=env, capture_output=True, text=True,
        timeout=600,
    )
    if done.returncode != 0 or not (root / "bin" / "icon_benchfloor").exists():
        sys.exit(f"floor: insight-plugin create failed:\n{done.stdout}\n{done.stderr}")
    _set_body(root / "icon_benchfloor" / "actions" / "noop" / "action.py", NOOP_BODY)
    for name in LIST_ACTIONS:
        _set_body(root / "icon_benchfloor" / "actions" / name / "action.py", READY_MADE_BODY, READY_MADE_IMPORTS)
    return root


def output_schemas_differing(floor_root: Path, plugin_root: Path) -> list:
    """The list actions whose output schema in the floor differs from the plugin's generated one (none, unless
    plugin.spec.yaml changed without `make regenerate`)."""
    return [
        name
        for name in LIST_ACTIONS
        if _output_schema(floor_root / "icon_benchfloor", name) != _output_schema(plugin_root / "komand_sentry", name)
    ]


def _output_schema(package: Path, action: str) -> dict:
    path = package / "actions" / action / "schema.py"
    spec = importlib.util.spec_from_file_location(f"bench_schema_{package.name}_{action}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return next(getattr(module, name).schema for name in dir(module) if name.endswith("Output") and name != "Output")


def _set_body(path: Path, body: str, custom_import: str = ""):
    """Replace the generated `return {...}` after the input binding with `body`."""
    text = path.read_text()
    marker = "# END INPUT BINDING - DO NOT REMOVE\n"
    head, _, _ = text.partition(marker)
    if custom_import:
        head = head.replace("# Custom imports below\n", f"# Custom imports below\n{custom_import}\n", 1)
    path.write_text(head + marker + "\n" + body)


if __name__ == "__main__":
    print(build(BENCH / "results"))
