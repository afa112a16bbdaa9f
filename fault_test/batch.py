"""Running a module's plugin steps concurrently, ahead of pytest's report of each.

A step costs about 0.7 s of CPU to start the runtime, plus the waits its fault asks for (backoffs, Retry-After,
timeouts); one after the other, the suite would take well over its time budget on a 2-CPU machine. pytest-xdist
is not in the plugin's venv, so each module has a module-scoped fixture that plays every *selected* case of
its test (`-k` still runs only what it selects) on a few threads, each case with its own loopback servers;
each test then reports its own case. An exception in a case (a failed assert, a canary found, a process killed
at its time limit) is raised again in that case's test.

`play_selected` is the engine (the fault matrix and the bad-input table call it with their own `play`);
`Cases` turns plain functions into such cases.
"""

import inspect
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

import pytest

WORKERS = int(os.environ.get("FAULT_TEST_WORKERS", "4"))


@dataclass
class Outcome:
    value: Any = None
    error: Optional[BaseException] = None

    def get(self):
        if self.error is not None:
            raise self.error
        return self.value


def play_selected(request, test_name: str, play: Callable[..., Any]) -> Dict[str, Outcome]:
    """{case id: Outcome of play(**the case's parameters)} for the selected cases of `test_name` in the module."""
    items = [
        item
        for item in request.session.items
        if item.module is request.module and getattr(item, "originalname", item.name) == test_name
    ]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {item.callspec.id: pool.submit(_capture, play, dict(item.callspec.params)) for item in items}
    return {case: future.result() for case, future in futures.items()}


def _capture(play, params) -> Outcome:
    try:
        return Outcome(value=play(**params))
    except BaseException as error:  # noqa: B902 - handed to the case's own test
        return Outcome(error=error)


class Cases:
    """Test cases whose bodies all run concurrently before pytest reports them one by one.

        cases = Cases()

        @cases
        def persistent_500_stops_after_four_attempts(server): ...

        @cases(target=[ISSUES, EVENTS])            # one case per value: every_page_once-<value's .name or str>
        def every_page_once(server, target): ...

        played, test_case = cases.fixture(), cases.test()

    A case asks for servers by parameter name (`server`, `elsewhere`, `tls_server`) and gets fresh ones,
    stopped when it ends. Asserts inside a case are pytest's (the module is a test module), and whatever a
    case raises is raised again in its own test, `test_case[<case id>]`.
    """

    def __init__(self):
        self.all: Dict[str, tuple] = {}

    def __call__(self, fn=None, **params):
        def register(fn):
            if not params:
                self._add(fn.__name__, fn, {})
            else:
                ((name, values),) = params.items()
                for value in values:
                    self._add(f"{fn.__name__}-{_case_id(value)}", fn, {name: value})
            return fn

        return register(fn) if fn is not None else register

    def _add(self, case_id: str, fn, kwargs: dict):
        assert case_id not in self.all, f"two cases named {case_id}"
        self.all[case_id] = (fn, kwargs)

    def fixture(self):
        @pytest.fixture(scope="module", name="played")
        def played(request):
            needs_tls = any("tls_server" in inspect.signature(fn).parameters for fn, _ in self.all.values())
            tls = request.getfixturevalue("tls_context") if needs_tls else None
            return play_selected(request, "test_case", lambda case: self._play(case, tls))

        return played

    def test(self):
        @pytest.mark.parametrize("case", list(self.all))
        def test_case(played, request, case):
            played[request.node.callspec.id].get()

        return test_case

    def _play(self, case_id: str, tls):
        from fault_test.server import FaultServer

        fn, kwargs = self.all[case_id]
        kwargs, servers = dict(kwargs), []
        try:
            for name in inspect.signature(fn).parameters:
                if name in ("server", "elsewhere"):
                    kwargs[name] = FaultServer()
                elif name == "tls_server":
                    kwargs[name] = FaultServer(tls=tls)
                else:
                    continue
                servers.append(kwargs[name])
            return fn(**kwargs)
        finally:
            for server in servers:
                server.stop()


def _case_id(value) -> str:
    if isinstance(value, tuple):
        return str(value[0])
    return str(getattr(value, "name", value))
