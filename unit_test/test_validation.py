import unittest

import jsonschema
from jsonschema import validators
from parameterized import parameterized

from komand_sentry.actions.list_issue_events import ListIssueEvents
from komand_sentry.actions.list_project_issues import ListProjectIssues
from komand_sentry.actions.submit_event import SubmitEvent
from komand_sentry.actions.update_issue import UpdateIssue
from komand_sentry.connection.schema import ConnectionSchema
from komand_sentry.util.validation import CachedValidation

ACTIONS = [(cls.__name__, cls) for cls in (SubmitEvent, ListProjectIssues, ListIssueEvents, UpdateIssue)]


class TestGeneratedSchemas(unittest.TestCase):
    """The check the runtime would make at every step (the schema against the meta-schema), made here once."""

    @parameterized.expand(ACTIONS)
    def test_action_schemas_are_valid(self, _name, action_class):
        action = action_class()
        for variables in (action.input, action.output):
            validators.validator_for(variables.schema).check_schema(variables.schema)

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

    def test_valid_input_passes_and_the_validator_is_kept(self):
        validation = CachedValidation(ListIssueEvents().input.schema)
        validation({"issue_id": "1", "full": True})
        first = validation._validator
        validation({"issue_id": "2"})
        self.assertIs(validation._validator, first)

    def test_actions_use_the_cached_validation(self):
        action = SubmitEvent()
        self.assertIsInstance(action.input.validate, CachedValidation)
        self.assertIsInstance(action.output.validate, CachedValidation)
