import sys
import os

sys.path.append(os.path.abspath("../"))

from unittest import TestCase
from komand_sentry.connection.connection import Connection
from komand_sentry.actions.update_issue import UpdateIssue
import json
import logging


class TestUpdateIssue(TestCase):
    def test_update_issue(self):
        """
        DO NOT USE PRODUCTION/SENSITIVE DATA FOR UNIT TESTS

        TODO: Implement test cases here
        """

        self.fail("Unimplemented Test Case")
