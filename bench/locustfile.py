"""20 editors annotating and 200 readers reading, for bench/editors_and_readers.py (locust).

Each successful write carries a unique marker (an entity's name, a claim's statement, a status
change's reason); the markers are written to NEWSDESK_LOAD_WRITES when the run ends, so that
the driver can check every one of them is in the database.
"""

import json
import os
import random
import re
import uuid

from locust import HttpUser, between, events, task

PLAN = json.loads(os.environ["NEWSDESK_LOAD_PLAN"])
WRITES: dict[str, list[str]] = {"entities": [], "claims": [], "status_changes": []}
EDITOR_NUMBERS = iter(range(10_000))


class Cookies:
    """The app's cookies are Secure (__Host-); on plain-HTTP loopback we send them by hand."""

    def cookie_header(self) -> dict:
        return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in self.client.cookies)}


class Reader(HttpUser, Cookies):
    fixed_count = 200
    wait_time = between(5, 15)  # a reader reads a page before the next

    @task(4)
    def front_page(self):
        self.client.get("/", name="read: front page")

    @task(6)
    def story(self):
        self.client.get(random.choice(PLAN["public_urls"]), name="read: story")

    @task(2)
    def search(self):
        self.client.get(f"/search/?q={random.choice(PLAN['queries'])}", name="read: search")

    @task(1)
    def entity(self):
        self.client.get(random.choice(PLAN["entity_urls"]), name="read: entity")


class Editor(HttpUser, Cookies):
    fixed_count = 20
    wait_time = between(3, 8)

    def on_start(self):
        number = next(EDITOR_NUMBERS)
        page = self.client.get("/accounts/login/", name="editor: log-in page")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        self.client.post(
            "/accounts/login/", data={"username": f"load-editor-{number}", "password": PLAN["password"],
                                      "csrfmiddlewaretoken": token},
            headers=self.cookie_header(), name="editor: log in", allow_redirects=False,
        )
        inbox = self.client.get("/desk/", headers=self.cookie_header(), name="editor: inbox")
        self.token = re.search(r'"X-CSRFToken": "([^"]+)"', inbox.text).group(1)

    def post(self, url: str, data: dict, name: str):
        headers = self.cookie_header() | {"X-CSRFToken": self.token, "HX-Request": "true"}
        with self.client.post(url, data=data, headers=headers, name=name, catch_response=True) as response:
            # 409 (someone else saved first) and 422 (a rule said no) are answers, not failures.
            if response.status_code in (200, 409, 422):
                response.success()
            return response

    @task(3)
    def open_story(self):
        story = random.choice(PLAN["stories"])
        self.client.get(f"/desk/articles/{story['id']}/", headers=self.cookie_header(), name="editor: workspace")

    @task(2)
    def tag_entity(self):
        story = random.choice(PLAN["stories"])
        marker = f"Load entity {uuid.uuid4().hex[:12]}"
        response = self.post(f"/desk/articles/{story['id']}/mentions/", {
            "start": story["start"], "end": story["end"], "exact": story["exact"],
            "entity": "", "new_entity_name": marker, "new_entity_kind": "person",
        }, "write: tag entity")
        if response.status_code == 200:
            WRITES["entities"].append(marker)

    @task(2)
    def record_claim(self):
        story = random.choice(PLAN["stories"])
        marker = f"Load claim {uuid.uuid4().hex[:12]}"
        data = {
            "start": story["start"], "end": story["end"], "exact": story["exact"], "statement": marker,
            "status": "unverified", "evidence": "", "evidence_url": "", "note": "",
            "chain-TOTAL_FORMS": 6, "chain-INITIAL_FORMS": 0, "chain-MIN_NUM_FORMS": 0, "chain-MAX_NUM_FORMS": 6,
        }
        for i in range(6):
            data |= {f"chain-{i}-source": "", f"chain-{i}-source_query": "", f"chain-{i}-new_source_kind": "",
                     f"chain-{i}-new_source_country": "", f"chain-{i}-role": "speaker", f"chain-{i}-sourcing": "on_record"}
        data |= {"chain-0-source": PLAN["source"]}
        response = self.post(f"/desk/articles/{story['id']}/claims/", data, "write: record claim")
        if response.status_code == 200:
            WRITES["claims"].append(marker)

    @task(2)
    def change_status(self):
        story = random.choice(PLAN["stories"])
        page = self.client.get(f"/desk/articles/{story['id']}/", headers=self.cookie_header(), name="editor: workspace")
        forms = re.findall(r'action="/desk/claims/(\d+)/status/".*?name="version" value="(\d+)"', page.text, re.S)
        if not forms:
            return
        claim, version = random.choice(forms)
        marker = f"Load status {uuid.uuid4().hex[:12]}"
        response = self.post(f"/desk/claims/{claim}/status/", {
            "status": random.choice(["reported", "disputed", "unverified"]), "reason": marker,
            "evidence": "", "evidence_url": "", "version": version,
        }, "write: change status")
        if response.status_code == 200:
            WRITES["status_changes"].append(marker)


@events.quitting.add_listener
def save_writes(environment, **kwargs):
    with open(os.environ["NEWSDESK_LOAD_WRITES"], "w") as out:
        json.dump(WRITES, out)
