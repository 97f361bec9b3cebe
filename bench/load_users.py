"""The people of the load test (a locustfile): what a school day's traffic is made of.

``bench/load.py`` starts the servers, picks real people of the bench school and runs locust with this file;
it passes them in ``KLASS_LOAD_PEOPLE`` (a JSON file), each already signed in through the real form (its
session cookie and CSRF token: a school day is mostly signed-in traffic, and the argon2 sign-ins of a
ramp-up would otherwise hide it). Each simulated person repeats what that person does all day, with a
think time of 1-3 s:

- a subject teacher saves marks in the journal grid (``PUT /api/v1/gradebook/cells``) of a lesson of the
  pinned day, sending back the versions of the marks it saw, as the page does;
- a teacher takes a roll call (the phone page: GET, then POST with a few absent);
- a family opens its child's diary week;
- a deputy opens a whole-school report.

Each person works on a lesson of its own, so a conflict (409) would be a real error, not the test's.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
from typing import Any

from locust import HttpUser, between, task

USER_AGENT = "klass-bench/1"  # bench/common.py's: the browser that signed in (locust runs this file alone)

PEOPLE: dict[str, list[dict[str, Any]]] = json.loads(open(os.environ["KLASS_LOAD_PEOPLE"], encoding="utf-8").read())
_next = {kind: itertools.count() for kind in PEOPLE}


def _take(kind: str) -> dict[str, Any]:
    items = PEOPLE[kind]
    return items[next(_next[kind]) % len(items)]


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    kind = ""

    def on_start(self) -> None:
        self.person = _take(self.kind)
        self.client.headers["Cookie"] = self.person["cookie"]
        self.client.headers["User-Agent"] = USER_AGENT  # the browser that signed in (bench/common.py)
        self.token = self.person["csrf"]


class MarkingTeacher(SignedIn):
    """Saves a mark in the grid every few seconds, as a teacher marking answers during a lesson does."""

    weight = 3
    kind = "markers"

    def on_start(self) -> None:
        super().on_start()
        self.header = {"X-CSRFToken": self.token}
        self.known: dict[int, list[list[int]]] = {}

    @task
    def save_mark(self) -> None:
        student = random.choice(self.person["students"])
        body = {"lesson_id": self.person["lesson"], "student_id": student, "values": [random.choice("2345")],
                "known": self.known.get(student, [])}
        with self.client.put("/api/v1/gradebook/cells", json=body, headers=self.header, name="mark save",
                             catch_response=True) as answer:
            if answer.status_code == 409 and student not in self.known:  # the demo's own mark: learn, retry
                current = answer.json().get("current", [])
                self.known[student] = [[m["id"], m["version"]] for m in current]
                answer.success()
                return
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
                return
            self.known[student] = [[m["id"], m["version"]] for m in answer.json()["marks"]]


class RollCallTeacher(SignedIn):
    """Opens the roll call of its lesson and saves it with a few students absent."""

    weight = 2
    kind = "roll_callers"

    @task
    def roll_call(self) -> None:
        page = f"/attendance/lessons/{self.person['lesson']}"
        html = self.client.get(page, name="roll call page").text
        form = dict(re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
        absent = set(random.sample(self.person["students"], k=min(3, len(self.person["students"]))))
        form.update({f"code_{s}": ("н" if s in absent else "") for s in self.person["students"]})
        with self.client.post(page, data=form, allow_redirects=False, name="roll call save",
                              catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"{answer.status_code}")


class Family(SignedIn):
    """Reads the child's diary week (most of a school's traffic)."""

    weight = 10
    kind = "families"

    @task
    def diary(self) -> None:
        self.client.get(f"/diary/{self.person['student']}", name="diary week")


class Deputy(SignedIn):
    """Opens a whole-school report now and then."""

    weight = 1
    kind = "deputies"
    wait_time = between(3, 6)

    @task
    def report(self) -> None:
        key = random.choice(["class_progress", "class_attendance", "journal_timeliness"])
        self.client.get(f"/reports/{key}?run=1", name="whole-school report")
