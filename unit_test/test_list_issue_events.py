import sys
import os

sys.path.append(os.path.abspath("../"))

from unittest import TestCase
from komand_sentry.connection.connection import Connection
from komand_sentry.actions.list_issue_events import ListIssueEvents
import json
import logging


class TestListIssueEvents(TestCase):
    def test_list_issue_events(self):
        """
        DO NOT USE PRODUCTION/SENSITIVE DATA FOR UNIT TESTS

        TODO: Implement test cases here
        """

        self.fail("Unimplemented Test Case")
