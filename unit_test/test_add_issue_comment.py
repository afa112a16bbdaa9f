import sys
import os

sys.path.append(os.path.abspath("../"))

from unittest import TestCase
from komand_sentry.connection.connection import Connection
from komand_sentry.actions.add_issue_comment import AddIssueComment
import json
import logging


class TestAddIssueComment(TestCase):
    def test_add_issue_comment(self):
        """
        DO NOT USE PRODUCTION/SENSITIVE DATA FOR UNIT TESTS

        TODO: Implement test cases here
        """

        self.fail("Unimplemented Test Case")
