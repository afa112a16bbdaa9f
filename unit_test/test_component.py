"""The actions' shared base: every action's run is traced with the runtime's auto_instrument, once."""

import inspect
import unittest
from unittest.mock import patch

from parameterized import parameterized

import komand_sentry.actions as actions
from komand_sentry.actions.get_issue.schema import Component, GetIssueInput, GetIssueOutput
from komand_sentry.util.component import SentryAction

ACTION_CLASSES = [cls for _, cls in inspect.getmembers(actions, inspect.isclass) if issubclass(cls, SentryAction)]


class Probe(SentryAction):
    def __init__(self):
        super().__init__("get_issue", Component, GetIssueInput(), GetIssueOutput())

    def run(self, params={}):
        return {"ran": params}


class TestSentryAction(unittest.TestCase):
    def test_every_action_of_the_plugin_is_one(self):
        self.assertEqual(9, len(ACTION_CLASSES))

    @parameterized.expand([(cls.__name__, cls) for cls in ACTION_CLASSES])
    def test_run_is_traced_once(self, _name, cls):
        own = cls.__dict__["run"]
        self.assertTrue(inspect.getmodule(own.__wrapped__) is inspect.getmodule(cls))
        self.assertFalse(hasattr(own.__wrapped__, "__wrapped__"))

    def test_run_opens_a_span_and_returns_what_run_returns(self):
        with patch("insightconnect_plugin_runtime.telemetry.trace.get_tracer") as get_tracer:
            self.assertEqual({"ran": {"x": 1}}, Probe().run({"x": 1}))
        get_tracer.return_value.start_as_current_span.assert_called_once_with("run")
