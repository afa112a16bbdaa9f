"""The in-process front end: a requests transport adapter, so that everything requests does before and after the
wire (merging headers, encoding query parameters, hooks, redirects when asked for) really happens, and what
reaches the adapter is recorded as the request Sentry would have seen."""

import io
from typing import List

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.response import HTTPResponse

from testkit.wire import REASONS, Reply


class InProcessSentry(BaseAdapter):
    """Records each request (`record` makes the record) and answers it with `reply_to(record)`, a Reply."""

    def __init__(self):
        super().__init__()
        self.requests: List = []

    def record(self, prepared: requests.PreparedRequest, timeout, verify, stream):
        raise NotImplementedError

    def reply_to(self, recorded) -> Reply:
        raise NotImplementedError

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        recorded = self.record(request, timeout, verify, stream)
        self.requests.append(recorded)
        answer = self.reply_to(recorded)
        if answer.raises is not None:
            raise answer.raises
        return self.response(request, answer)

    def close(self):
        pass

    def response(self, request, answer: Reply) -> requests.Response:
        response = requests.Response()
        response.status_code = answer.status
        response.reason = REASONS.get(answer.status, "")
        response.headers = CaseInsensitiveDict(answer.headers)
        # What requests' own HTTPAdapter puts there: urllib3's response over the socket's file object
        response.raw = HTTPResponse(
            body=answer.raw if answer.raw is not None else io.BytesIO(answer.body),
            headers=answer.headers,
            status=answer.status,
            preload_content=False,
            decode_content=True,
        )
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        response.connection = self
        return response

    def attach(self, session: requests.Session) -> "InProcessSentry":
        session.mount("https://", self)
        session.mount("http://", self)
        return self

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no proxy or CA bundle from the environment changes what is recorded
        self.attach(session)
        return session


def answer_of(answer, request) -> Reply:
    """A scripted answer: a Reply, or a callable taking the recorded request and returning one."""
    return answer(request) if callable(answer) and not isinstance(answer, Reply) else answer
