import json
import subprocess
import sys
import unittest
import unittest.mock
from pathlib import Path

import jsonschema
from jsonschema import validators
from parameterized import parameterized

import inspect

import insightconnect_plugin_runtime
from insightconnect_plugin_runtime import connection as runtime_connection
from insightconnect_plugin_runtime import variables

from komand_sentry import actions, tasks, triggers
from komand_sentry.actions.list_issue_events import ListIssueEvents
from komand_sentry.actions.submit_event import SubmitEvent
from komand_sentry.actions.update_issue import UpdateIssue
from komand_sentry.connection import Connection
from komand_sentry.connection.schema import ConnectionSchema
from komand_sentry.actions.list_project_issues import ListProjectIssues
from komand_sentry.util.component import LARGE_LISTING, CachedValidation

COMPONENTS = [
    (name, getattr(module, name))
    for module in (actions, triggers, tasks)
    for name in dir(module)
    if inspect.isclass(getattr(module, name))
]
ACTIONS = [(name, cls) for name, cls in COMPONENTS if issubclass(cls, insightconnect_plugin_runtime.Action)]


class TestGeneratedSchemas(unittest.TestCase):
    """The check the runtime would make at every step (the schema against the meta-schema), made here once."""

    def test_every_component_is_checked(self):
        self.assertEqual(len(COMPONENTS), 11, [name for name, _ in COMPONENTS])

    @parameterized.expand(COMPONENTS)
    def test_component_schemas_are_valid(self, _name, component_class):
        component = component_class()
        for schema_of in (component.input, component.output, getattr(component, "state", None)):
            if hasattr(schema_of, "schema"):  # a trigger's `state` is its saved state, not a schema
                validators.validator_for(schema_of.schema).check_schema(schema_of.schema)

    def test_connection_schema_is_valid(self):
        schema = ConnectionSchema().schema
        validators.validator_for(schema).check_schema(schema)

    def test_an_invalid_schema_is_caught_by_the_check(self):
        with self.assertRaises(jsonschema.exceptions.SchemaError):
            validators.validator_for({"type": 5}).check_schema({"type": 5})


class TestCachedValidation(unittest.TestCase):
    @parameterized.expand(
        [
            ("wrong_type", {"issue_id": 5}),
            ("outside_enum", {"issue_id": "1", "status": "closed"}),
            ("nested_type", {"issue_id": "1", "statusDetails": {"ignoreCount": "many"}}),
        ]
    )
    def test_same_error_as_jsonschema_validate(self, _name, params):
        schema = UpdateIssue().input.schema
        with self.assertRaises(jsonschema.exceptions.ValidationError) as expected:
            jsonschema.validate(params, schema)
        with self.assertRaises(jsonschema.exceptions.ValidationError) as cached:
            CachedValidation(schema)(params)
        self.assertEqual(cached.exception.message, expected.exception.message)
        self.assertEqual(list(cached.exception.path), list(expected.exception.path))

    @parameterized.expand(ACTIONS)
    def test_actions_use_the_cached_validation(self, _name, action_class):
        action = action_class()
        self.assertIsInstance(action.input.validate, CachedValidation)
        self.assertIsInstance(action.output.validate, CachedValidation)

    def test_the_runtime_still_validates_as_it_is_replaced(self):
        """The seam: the runtime's Input/Output.validate is `jsonschema.validate(parameters, self.schema)`. If an
        upgrade changes that method, CachedValidation no longer stands for it, and this test says so."""
        source = inspect.getsource(variables.IOS.validate)
        self.assertIn("validate(parameters, self.schema)", source)
        self.assertIs(variables.validate, jsonschema.validate)


class TestConnectionValidation(unittest.TestCase):
    """The connection's settings are checked as the runtime checks them, without checking its schema each time."""

    SETTINGS = {"token": {"token": "t0ken"}, "url": "https://sentry.io/"}

    @parameterized.expand([("wrong_type", {"timeout": "thirty"}), ("no_token", {"token": None})])
    def test_same_error_as_the_runtime_without_its_schema_check(self, _name, changed):
        settings = dict(self.SETTINGS, **changed)
        with self.assertRaises(jsonschema.exceptions.ValidationError) as expected:
            jsonschema.validate(settings, ConnectionSchema().schema)
        meta_schema_check = AssertionError("the runtime's jsonschema.validate, which checks the schema first")
        with unittest.mock.patch.object(runtime_connection, "validate", side_effect=meta_schema_check):
            with self.assertRaises(jsonschema.exceptions.ValidationError) as ours:
                Connection().set_(settings)
        self.assertEqual(ours.exception.message, expected.exception.message)
        self.assertEqual(list(ours.exception.path), list(expected.exception.path))

    def test_valid_settings_pass(self):
        with unittest.mock.patch.object(runtime_connection, "validate", side_effect=AssertionError):
            Connection().set_(dict(self.SETTINGS, timeout=30))

    def test_the_runtime_still_validates_as_it_is_replaced(self):
        """The seam: the runtime's Connection.set_ calls _validate, which is `validate(self.parameters, self.schema)`.
        If an upgrade changes either, the override no longer stands for it, and this test says so."""
        self.assertIn("self._validate()", inspect.getsource(runtime_connection.Connection.set_))
        self.assertIn(
            "validate(self.parameters, self.schema)", inspect.getsource(runtime_connection.Connection._validate)
        )
        self.assertIs(runtime_connection.validate, jsonschema.validate)


class TestRuntimeFrozen(unittest.TestCase):
    """The seam in component.py: the objects made before the plugin's modules load are frozen (gc.freeze)."""

    def test_the_runtimes_objects_are_frozen_once_the_plugin_is_imported(self):
        code = (
            "import gc, insightconnect_plugin_runtime as runtime\n"
            "tracked = lambda: any(o is runtime.Plugin for o in gc.get_objects())  # the permanent one aside\n"
            "print(tracked(), gc.get_freeze_count())\n"
            "from komand_sentry import connection\n"
            "print(tracked(), gc.get_freeze_count() > 50000, gc.isenabled())"
        )
        root = Path(__file__).resolve().parents[1]
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}
        answer = subprocess.check_output([sys.executable, "-c", code], cwd=root, env=env, text=True, timeout=60)
        self.assertEqual(answer.split("\n")[0], "True 0")  # before: the runtime's classes are walked by every pass
        self.assertEqual(answer.split("\n")[1], "False True True")  # after: frozen, and the collector still runs


def listing_output(size, **changed_item):
    issue = {"id": "1", "title": "ValueError", "shortId": "BACKEND-1", "status": "unresolved", "count": "3"}
    return {"issues": [dict(issue, id=str(number), **changed_item) for number in range(size)], "has_more": False}


class TestLargeListings(unittest.TestCase):
    """Above LARGE_LISTING items, fastjsonschema gives the verdict, and jsonschema only explains a failure."""

    def setUp(self):
        self.schema = ListProjectIssues().output.schema
        self.validation = CachedValidation(self.schema)
        self.consulted = []
        iter_errors = self.validation.validator.iter_errors
        self.validation.validator = unittest.mock.Mock(
            iter_errors=lambda value: self.consulted.append(1) or iter_errors(value)
        )

    def test_a_valid_large_listing_is_checked_without_jsonschema(self):
        self.validation(listing_output(LARGE_LISTING + 1))
        self.assertEqual(self.consulted, [])
        self.assertIsNotNone(self.validation.compiled)

    def test_a_small_listing_is_checked_by_jsonschema_and_nothing_is_compiled(self):
        self.validation(listing_output(LARGE_LISTING))
        self.assertEqual(self.consulted, [1])
        self.assertIsNone(self.validation.compiled)

    @parameterized.expand([("wrong_type", {"userCount": "many"}), ("nested_type", {"annotations": ["text"]})])
    def test_an_invalid_large_listing_fails_with_jsonschemas_own_error(self, _name, changed_item):
        output = listing_output(LARGE_LISTING + 1, **changed_item)
        with self.assertRaises(jsonschema.exceptions.ValidationError) as expected:
            jsonschema.validate(output, self.schema)
        with self.assertRaises(jsonschema.exceptions.ValidationError) as cached:
            self.validation(output)
        self.assertEqual(cached.exception.message, expected.exception.message)
        self.assertEqual(list(cached.exception.path), list(expected.exception.path))

    def test_nothing_is_filled_in(self):
        item = {"type": "object", "properties": {"level": {"type": "string", "default": "error"}}}
        schema = {"type": "object", "properties": {"issues": {"type": "array", "items": item}}}
        output = {"issues": [{"id": str(number)} for number in range(LARGE_LISTING + 1)]}
        copy = json.loads(json.dumps(output))
        CachedValidation(schema)(output)
        self.assertEqual(output, copy)  # fastjsonschema adds a schema's defaults unless told not to
