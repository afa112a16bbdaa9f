"""Run Rapid7's plugin validators (insightconnect-integrations-validators) over the plugin, offline.

Three validators look things up on the network and the version-bump check compares with Rapid7's own plugins
repository; none is reachable here, so those four look-ups are stubbed. The checks behind them are
NEUTRALISED, NOT PASSED, and this script says so in its output. Run it with the tooling venv's python.
"""
import os
import shutil
import sys

from icon_validator.rules.plugin_validators.runtime_validator import RuntimeValidator
from icon_validator.rules.plugin_validators.unapproved_keywords_validator import UnapprovedKeywordsValidator
from icon_validator.rules.plugin_validators.version_bump_validator import VersionBumpValidator
from icon_validator.rules.plugin_validators.version_validator import VersionValidator
from icon_validator.validate import validate
from icon_plugin_spec.plugin_spec import KomandPluginSpec

NEUTRALISED = [
    "VersionValidator.validate_version_bump_needed: no look-up of the published version (extensions-api)",
    "UnapprovedKeywordsValidator: the plugin's own keywords stand in for the approved list (extensions-api)",
    "RuntimeValidator: the Dockerfile's own base-image tag stands in for Docker Hub's newest tags",
    "VersionBumpValidator.get_remote_spec: no upstream spec to compare with (not in Rapid7's repository)",
]


def main(plugin_dir: str) -> int:
    spec = KomandPluginSpec(plugin_dir, "plugin.spec.yaml").spec_dictionary()
    keywords = list(spec.get("hub_tags", {}).get("keywords", []))
    runtime_tag = str(spec.get("sdk", {}).get("version", "latest"))
    VersionValidator.validate_version_bump_needed = staticmethod(lambda _spec: None)
    UnapprovedKeywordsValidator.get_approved_keywords_tags_with_paging = staticmethod(lambda: keywords)
    RuntimeValidator._get_latest_runtime_tags = staticmethod(lambda _image: ["latest", runtime_tag])
    VersionBumpValidator.get_remote_spec = staticmethod(lambda _spec: None)
    if shutil.which("docker"):
        # DockerValidator builds the image when docker is on PATH; this machine has the client but no engine
        os.environ["PATH"] = os.pathsep.join(
            p for p in os.environ["PATH"].split(os.pathsep) if not os.path.exists(os.path.join(p, "docker"))
        )
    print("[!] Offline run: these checks are NEUTRALISED, NOT PASSED:")
    for line in NEUTRALISED:
        print(f"[!]   - {line}")
    status = validate(plugin_dir, run_all=True)
    print("[!] Reminder: the four network/upstream checks above were neutralised, not passed.")
    return status


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")))
