import sys
import os

sys.path.append(os.path.abspath("../"))

from unittest import TestCase
from komand_sentry.connection.connection import Connection
from komand_sentry.actions.submit_event import SubmitEvent
import json
import logging


class TestSubmitEvent(TestCase):
    def test_submit_event(self):
        """
        DO NOT USE PRODUCTION/SENSITIVE DATA FOR UNIT TESTS

        TODO: Implement test cases here
        """

        self.fail("Unimplemented Test Case")
