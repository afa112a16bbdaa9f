"""Fixtures of the integration suite: the two real servers, started by the project's scripts when they are not
running (a server that cannot be started fails the tests; nothing is skipped)."""

import uuid

import pytest

from integration_test.util import BUGSINK_DIR, SENTRY9_DIR, Bugsink, PluginHttp, Sentry9, ensure_server


@pytest.fixture(scope="session")
def run_id() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture(scope="session")
def sentry9(run_id) -> Sentry9:
    env = ensure_server("Sentry 9.1.2", "sentry9.sh", SENTRY9_DIR / "sentry9.env", "/_health/", "SENTRY9_URL")
    server = Sentry9(env, run_id)
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def bugsink() -> Bugsink:
    env = ensure_server("Bugsink", "bugsink.sh", BUGSINK_DIR / "bugsink.env", "/health/ready", "BUGSINK_URL")
    return Bugsink(env)


@pytest.fixture(scope="module")
def plugin_http(tmp_path_factory) -> PluginHttp:
    """`bin/komand_sentry http` on a free loopback port for one module; stopped at its end."""
    server = PluginHttp(tmp_path_factory.mktemp("plugin-http")).start()
    yield server
    server.stop()
