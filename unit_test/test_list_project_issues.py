import sys
import os

sys.path.append(os.path.abspath("../"))

from unittest import TestCase
from komand_sentry.connection.connection import Connection
from komand_sentry.actions.list_project_issues import ListProjectIssues
import json
import logging


class TestListProjectIssues(TestCase):
    def test_list_project_issues(self):
        """
        DO NOT USE PRODUCTION/SENSITIVE DATA FOR UNIT TESTS

        TODO: Implement test cases here
        """

        self.fail("Unimplemented Test Case")
