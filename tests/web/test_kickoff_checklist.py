"""New projects are first-class: registered by the API, the kickoff form or their own page; a pack
made for one is its checklist (ticked, dismissed with a reason, turned into an action); progress and
saved packs show on the project page; "Applied to project…" offers active projects; reuse metrics move."""

from __future__ import annotations

import re

from tests.web.conftest import first_id

NEW = {"code": "CRM-2027", "name": "Sales CRM rollout", "project_type": "CRM rollout", "industry": "Retail",
       "planned_start": "2027-01-04", "planned_budget": 1_200_000}


def register(client, **extra) -> int:
    r = client.post("/api/projects", json={**NEW, **extra})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def pack_for(client, project_id: int) -> dict:
    # An ERP-like CRM: the fixtures' one typed project with risks (WEB-ERP-2022) is then similar by its type, so
    # the pack holds lessons and that project's materialised risks to tick, dismiss and act on
    r = client.post("/api/kickoff", json={"name": NEW["name"], "project_type": "ERP migration",
                                          "description": "migrate customer data", "project_id": project_id})
    assert r.status_code == 200, r.text
    return r.json()


def test_register_by_api_then_the_pack_belongs_to_the_project(fresh):
    pid = register(fresh)
    project = fresh.get(f"/api/projects/{pid}").json()["project"]
    assert project["code"] == "CRM-2027" and project["actual_end"] is None
    pack = pack_for(fresh, pid)
    assert pack["profile"]["project_id"] == pid
    lines = fresh.get(f"/api/kickoff/{pack['pack_id']}/checklist").json()
    expected = sum(len(s["items"]) for s in pack["sections"]) + len(pack["materialised_risks"])
    assert len(lines) == expected > 0
    assert {line["project_id"] for line in lines} == {pid}
    assert {line["state"] for line in lines} == {"open"}
    assert [p["id"] for p in fresh.get("/api/kickoff", params={"project_id": pid}).json()] == [pack["pack_id"]]


def test_bad_registrations_are_refused_and_change_nothing(fresh):
    register(fresh)
    before = fresh.get("/api/projects").json()["total"]
    dup = fresh.post("/api/projects", json={**NEW, "code": "crm-2027"})
    assert dup.status_code == 400 and "already exists" in dup.json()["error"]
    blank = fresh.post("/api/projects", json={"code": " ", "name": "x"})
    assert blank.status_code == 400 and "code" in blank.json()["error"]
    missing = fresh.post("/api/kickoff", json={"name": "x", "project_id": 999})
    assert missing.status_code == 404 and "register it first" in missing.json()["error"]
    assert fresh.get("/api/projects").json()["total"] == before
    assert fresh.get("/api/kickoff").json() == []


def test_checklist_lines_ticked_dismissed_and_turned_into_actions(fresh):
    pid = register(fresh)
    pack = pack_for(fresh, pid)
    pack_id = pack["pack_id"]
    lines = fresh.get(f"/api/kickoff/{pack_id}/checklist").json()
    assert len(lines) >= 3
    url = f"/api/kickoff/{pack_id}/checklist"
    # A dismissal needs a reason, an action an owner and a due date; refused changes leave the line open.
    assert fresh.post(f"{url}/{lines[0]['id']}", json={"state": "dismissed"}).status_code == 400
    assert fresh.post(f"{url}/{lines[0]['id']}", json={"state": "action", "action": "x"}).status_code == 400
    assert fresh.get(url).json()[0]["state"] == "open"
    done = fresh.post(f"{url}/{lines[0]['id']}", json={"state": "done"}).json()
    assert done["state"] == "done"
    dismissed = fresh.post(f"{url}/{lines[1]['id']}", json={"state": "dismissed", "reason": "No legacy CRM"}).json()
    assert dismissed["reason"] == "No legacy CRM"
    action = fresh.post(f"{url}/{lines[2]['id']}", json={"state": "action", "action": "Book a data owner",
                                                         "owner": "Ana Ruiz", "due": "2027-02-01"}).json()
    assert (action["owner"], action["due"]) == ("Ana Ruiz", "2027-02-01")
    # Through the pages, without JavaScript: a form post, then a redirect back to the line.
    r = fresh.post(f"/kickoff/{pack_id}/checklist/{lines[3]['id']}" if len(lines) > 3 else
                   f"/kickoff/{pack_id}/checklist/{lines[0]['id']}", data={"state": "open"}, follow_redirects=False)
    assert r.status_code == 303 and "#line-" in r.headers["location"]
    bad = fresh.post(f"/kickoff/{pack_id}/checklist/{lines[1]['id']}",
                     data={"state": "action", "action": "x", "owner": "y", "due": "next week"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
    assert fresh.get(url).json()[1]["state"] == "dismissed"
    other = fresh.post(f"/api/kickoff/{pack_id + 1}/checklist/{lines[0]['id']}", json={"state": "done"})
    assert other.status_code == 404

    page = fresh.get(f"/projects/{pid}").text
    total = len(lines)
    settled = 3 if len(lines) > 3 else 2
    assert f"{settled} of {total}</strong> lines settled" in page
    assert "Book a data owner" in page and "Ana Ruiz" in page
    assert f'href="/kickoff/{pack_id}"' in page
    pack_page = fresh.get(f"/kickoff/{pack_id}").text
    assert "Dismissed: No legacy CRM" in pack_page and "Make it an action" in pack_page
    md = fresh.get(f"/kickoff/{pack_id}.md").text
    assert "dismissed: No legacy CRM" in md and "action: Book a data owner (Ana Ruiz, due 2027-02-01)" in md


def test_register_from_the_kickoff_form_and_from_its_own_page(fresh):
    r = fresh.post("/kickoff", data={"name": "Web shop", "project_type": "web or mobile app",
                                     "project": "new", "project_code": "WEB-2027"}, follow_redirects=False)
    assert r.status_code == 303
    pack_id = int(r.headers["location"].rsplit("/", 1)[1])
    pack = fresh.get(f"/api/kickoff/{pack_id}").json()
    project = fresh.get(f"/api/projects/{pack['profile']['project_id']}").json()["project"]
    assert (project["code"], project["name"]) == ("WEB-2027", "Web shop")
    assert "checklist of" in fresh.get(f"/kickoff/{pack_id}").text
    no_code = fresh.post("/kickoff", data={"name": "Other", "project": "new"})
    assert no_code.status_code == 400 and "project code" in no_code.text

    assert "Register a new project" in fresh.get("/projects/new").text
    r = fresh.post("/projects", data={"code": "OFF-2027", "name": "Leeds office move", "planned_start": "2027-03-01",
                                      "budget": "400k"}, follow_redirects=False)
    assert r.status_code == 303
    pid = int(r.headers["location"].rsplit("/", 1)[1])
    assert fresh.get(f"/api/projects/{pid}").json()["project"]["planned_budget"] == 400_000
    page = fresh.get(f"/projects/{pid}").text
    assert "No kickoff pack is linked" in page and f'/kickoff?project={pid}' in page
    # Picking the active project on the kickoff form fills it in and links the pack.
    form = fresh.get(f"/kickoff?project={pid}").text
    assert re.search(rf'value="{pid}" checked', form) and "Leeds office move" in form
    r = fresh.post("/kickoff", data={"name": "Leeds office move", "project": str(pid)}, follow_redirects=False)
    linked = fresh.get(f"/api/kickoff/{int(r.headers['location'].rsplit('/', 1)[1])}").json()
    assert linked["profile"]["project_id"] == pid


def test_a_registration_the_form_cannot_take_comes_back_filled_in_with_what_to_change(fresh):
    """An end before the start was stored, 'lots' as the budget dropped, and a taken code gave a bare error page
    that lost everything typed."""
    typed = {"code": "LDS-2027", "name": "Leeds office move", "planned_start": "2027-03-01",
             "planned_end": "2027-01-10", "description": "Two floors, 300 desks"}
    backwards = fresh.post("/projects", data=typed)
    assert backwards.status_code == 400 and "is before the planned start" in backwards.text
    assert 'value="LDS-2027"' in backwards.text and "Two floors, 300 desks" in backwards.text
    lots = fresh.post("/projects", data={**typed, "planned_end": "2027-06-30", "budget": "lots"})
    assert lots.status_code == 400 and "Cannot read the budget" in lots.text and 'value="lots"' in lots.text
    for unreadable in ("Q3 2025", "2 FTE", "1-2m"):  # read as 32025, 2 and 1 by a sentence's reader
        assert fresh.post("/projects", data={**typed, "planned_end": "2027-06-30", "budget": unreadable}).status_code == 400
    assert fresh.get("/api/projects", params={"q": "LDS-2027"}).json()["total"] == 0
    assert fresh.post("/projects", data={**typed, "planned_end": "2027-06-30"}, follow_redirects=False).status_code == 303
    taken = fresh.post("/projects", data={**typed, "planned_end": "2027-06-30", "name": "Another"})
    assert taken.status_code == 400 and "already exists" in taken.text and 'value="Another"' in taken.text


def test_saved_packs_are_listed_and_reopen_and_can_be_linked_later(fresh):
    r = fresh.post("/kickoff", data={"name": "Unlinked idea", "project_type": "ERP migration"}, follow_redirects=False)
    pack_id = int(r.headers["location"].rsplit("/", 1)[1])
    listing = fresh.get("/kickoff").text
    assert "Saved packs" in listing and f'href="/kickoff/{pack_id}"' in listing and "not linked" in listing
    page = fresh.get(f"/kickoff/{pack_id}").text
    assert "Make this pack a project" in page
    pid = register(fresh)
    r = fresh.post(f"/kickoff/{pack_id}/project", data={"project": str(pid)}, follow_redirects=False)
    assert r.status_code == 303
    assert fresh.get(f"/api/kickoff/{pack_id}").json()["profile"]["project_id"] == pid
    assert fresh.get(f"/api/kickoff/{pack_id}/checklist").json()
    assert "CRM-2027" in fresh.get("/kickoff").text


def test_applied_to_offers_active_projects_only(fresh):
    lesson = first_id(fresh, "/api/search", q="data", kind="lesson")
    projects = fresh.get("/api/projects").json()["items"]
    closed = {str(p["id"]) for p in projects if p["actual_end"] or p["outcome"]}
    assert closed
    pid = register(fresh)
    options = set(re.findall(r'<option value="(\d+)">', fresh.get(f"/lessons/{lesson}").text))
    assert options == {str(p["id"]) for p in projects if str(p["id"]) not in closed} | {str(pid)}


def test_reuse_metrics_come_alive_once_a_new_project_has_a_pack(fresh):
    def reuse():
        body = fresh.get("/api/metrics").json()
        return {m["key"]: m for m in body["metrics"]}

    before = reuse()
    pid = register(fresh)
    pack_for(fresh, pid)
    after = reuse()
    assert after["kickoff_consultation_rate"]["value"] is not None and after["kickoff_consultation_rate"]["value"] > 0
    assert after["kickoff_packs_per_new_project"]["value"] is not None
    assert before["kickoff_consultation_rate"]["value"] in (None, 0)


def test_empty_reuse_metrics_say_what_to_do(client):
    # A pack for no registered project: no new project yet, so no "1 of 0" but what to do instead.
    assert client.post("/kickoff", data={"name": "An idea"}, follow_redirects=False).status_code == 303
    page = client.get("/metrics").text
    assert "No new project has a kickoff pack yet" in page
    assert "1 of 0" not in page
