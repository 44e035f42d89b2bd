"""The load test's simulated work coaches (locust; `make load`, run by `make bench`). Not collected by pytest.

Each simulated coach is one of the demo's work coaches, already signed in (``scripts/load.sh`` makes a session for
each; 200 users share the ~30 demo coaches), and then, with 1–3 s of thinking between pages, works as a coach
does: the caseload (the most used page), a claimant's record, the diary, and an appointment's outcome form.
"""

from __future__ import annotations

import itertools
import os
import random
import re
from pathlib import Path

from locust import FastHttpUser, between, task

SESSIONS = itertools.cycle(Path(os.environ["LOAD_SESSIONS"]).read_text().split())
RECORD = re.compile(r'href="/claimants/(\d+)/"')
OUTCOME = re.compile(r'href="(/appointments/\d+/outcome/)"')


class WorkCoach(FastHttpUser):
    """On locust's gevent HTTP client: the load generator shares the machine's two cores with the app, and this
    client costs a fraction of the CPU of the requests-based one, so the figures measure the app, not locust."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.cookie = {"Cookie": f"sessionid={next(SESSIONS)}"}
        self.records: list[str] = []
        self.outcomes: list[str] = []

    @task(4)
    def caseload(self) -> None:
        with self.client.get(
            "/claimants/", name="caseload", headers=self.cookie, catch_response=True
        ) as response:
            if response.status_code == 200:
                self.records = RECORD.findall(response.text)[:25] or self.records
                response.success()

    @task(3)
    def record(self) -> None:
        if self.records:
            self.client.get(
                f"/claimants/{random.choice(self.records)}/", name="claimant record", headers=self.cookie
            )

    @task(3)
    def diary(self) -> None:
        with self.client.get(
            "/appointments/diary/", name="diary", headers=self.cookie, catch_response=True
        ) as response:
            if response.status_code == 200:
                self.outcomes = OUTCOME.findall(response.text) or self.outcomes
                response.success()

    @task(1)
    def outcome_form(self) -> None:
        if self.outcomes:
            self.client.get(random.choice(self.outcomes), name="outcome form", headers=self.cookie)
