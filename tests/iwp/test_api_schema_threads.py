"""The schema answers whoever asks at the same moment (a CI run of schemathesis got a 500 loading it).

drf-spectacular's schema generation keeps state in globals (its ``GENERATOR_STATS`` and the view instance it
binds to each operation while it inspects it: tfranzel/drf-spectacular#1123, #1368), so two requests building
the schema at once in a threaded server can break each other. The live server here is threaded, like gunicorn's
threads in production."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from iwp.api_tokens import token_issue
from tests.factories import WorkCoachFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_schema_answers_many_callers_at_once(live_server):
    _, key = token_issue(user=WorkCoachFactory())

    def fetch(_: int) -> tuple[int, int]:
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/schema/?format=json", headers={"Authorization": f"Bearer {key}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, len(json.loads(response.read())["paths"])
        except urllib.error.HTTPError as error:
            return error.code, 0

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(fetch, range(32)))
    assert {status for status, _ in answers} == {200}, answers
    assert len({paths for _, paths in answers}) == 1 and answers[0][1] > 20, answers
