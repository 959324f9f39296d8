"""Early warnings on the risk page, the project page and GET /api/projects/{id}/warnings, with the real
model (they are about meaning): `tests.factories.warning_documents` holds a running ERP migration whose
open master-data risk materialised on two past ERP migrations, and a confidential past project."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kb import access
from kb.access import Audience, Role
from kb.models import Project, Risk, WarningShown
from kb.settings import Settings
from tests.accounts import acting_as, as_admin
from tests.factories import warning_documents
from tests.web.conftest import as_browser

VIEWER = Audience(user="vic", role=Role.VIEWER)
MASTER = "Material master data may contain duplicate and obsolete records that fail trial loads"


@pytest.fixture(scope="module")
def client(tmp_path_factory, embedder):
    from kb.store import KnowledgeBase
    from web.app import create_app

    settings = Settings(data_dir=tmp_path_factory.mktemp("warned") / "data", database_url="", chroma_url="",
                        _env_file=None)
    kb = KnowledgeBase.open(settings, embedder=embedder)
    for n, doc in enumerate(warning_documents()):
        kb.save_document(doc, f"document {n}".encode())
    with kb.session() as session:
        access.set_access(session, session.exec(select(Project).where(Project.code == "SECRET-ERP")).one(),
                          confidential=True)
    with as_browser(as_admin(TestClient(create_app(settings, kb=kb), raise_server_exceptions=False))) as c:
        yield c


@pytest.fixture(scope="module")
def known(client) -> dict[str, int]:
    with client.app.state.services.kb.session() as session:
        out = {p.code: p.id for p in session.exec(select(Project))}
        out.update({r.title: r.id for r in session.exec(select(Risk).where(Risk.project_id == out["LIVE-ERP"]))})
    return out




def test_the_risk_page_says_where_the_open_risk_materialised_with_citations(client, known):
    page = client.get(f"/risks/{known[MASTER]}")
    assert page.status_code == 200
    assert "This risk materialised on 2 past ERP migration projects" in page.text
    assert f'href="/projects/{known["PAST-ERP-1"]}"' in page.text and f'href="/projects/{known["PAST-ERP-2"]}"' in page.text
    assert "PAST-ERP-1_risk_register.csv — row 2" in page.text and "#row-2" in page.text
    assert "What happened" in page.text and "six-week slip" in page.text
    assert "Cleanse the master data and remove duplicates" in page.text


def test_no_warning_on_an_unrelated_or_closed_risk(client, known):
    for title in ("The canteen may close for refurbishment in spring", "Cutover may overrun the weekend window"):
        page = client.get(f"/risks/{known[title]}")
        assert page.status_code == 200 and "Early warning" not in page.text


def test_the_project_page_lists_its_early_warnings_ranked(client, known):
    page = client.get(f"/projects/{known['LIVE-ERP']}").text
    assert "Early warnings" in page and "2 of its 3 open risks have precedent" in page
    # The 4 × 4 master-data risk (two past projects) ranks above the 3 × 4 adapters risk (one).
    assert page.index(MASTER) < page.index("The systems integrator may deliver the interface adapters late")
    assert "SECRET-ERP" in page  # a PMO admin sees the confidential precedent
    closed = client.get(f"/projects/{known['PAST-ERP-1']}").text
    assert "Early warnings" not in closed


def test_warnings_name_their_score_p_times_i_and_say_in_words_how_close_a_precedent_is(client, known):
    """"Severity" is a register's own column: a warning's 1-25 number is probability × impact, and a raw
    cosine means nothing to a PM, so it says very close / close and keeps the number in a title."""
    page = client.get(f"/projects/{known['LIVE-ERP']}").text
    assert "Score (P × I) 16/25" in page and "Severity 16/25" not in page  # the 4 × 4 master-data risk
    for path in (f"/projects/{known['LIVE-ERP']}", f"/risks/{known[MASTER]}"):
        text = client.get(path).text
        said = re.findall(r'title="similarity in meaning (0\.\d\d)">· (very close|close) in meaning', text)
        assert said, path
        assert all(words == ("very close" if float(number) >= 0.75 else "close") for number, words in said), said
        assert "similar in meaning 0." not in text


def test_a_viewer_never_sees_or_counts_a_confidential_precedent(client, known):
    with acting_as(client, VIEWER):
        page = client.get(f"/projects/{known['LIVE-ERP']}").text
        api = client.get(f"/api/projects/{known['LIVE-ERP']}/warnings")
        risk = client.get(f"/risks/{known['The systems integrator may deliver the interface adapters late']}").text
        hidden = client.get(f"/api/projects/{known['SECRET-ERP']}/warnings")
    for text in (page, api.text, risk):
        assert "SECRET-ERP" not in text and "Confidential merger" not in text
    assert "1 of its 3 open risks has precedent" in page and "Early warning" not in risk
    assert [w["title"] for w in api.json()["warnings"]] == [MASTER]
    assert hidden.status_code == 404


def test_the_api_answers_warnings_with_precedents_and_citations(client, known):
    body = client.get(f"/api/projects/{known['LIVE-ERP']}/warnings").json()
    assert body["active"] is True and body["open_items"] == 3
    assert body["thresholds"] == {"same_type_cosine": 0.6, "other_type_cosine": 0.65}
    first = body["warnings"][0]
    assert first["title"] == MASTER and first["project_count"] == 2 and first["high"] is True
    assert first["headline"] == "This risk materialised on 2 past ERP migration projects"
    chinese = client.get(f"/api/projects/{known['LIVE-ERP']}/warnings", headers={"Accept-Language": "zh-CN"}).json()
    assert chinese["warnings"][0]["headline"] == "此风险曾在 2 个以往的ERP 迁移项目中发生"  # the reader's language
    item = first["precedents"][0]["items"][0]
    assert {"kind", "id", "title", "what_happened", "recommendation", "similarity", "source"} <= set(item)
    assert item["source"]["document_id"] and item["source"]["location"]
    closed = client.get(f"/api/projects/{known['PAST-ERP-1']}/warnings").json()
    assert closed["active"] is False and closed["warnings"] == []
    assert client.get("/api/projects/999999/warnings").status_code == 404


def test_warnings_shown_are_recorded_once_with_their_precedent_count(client, known):
    client.get(f"/projects/{known['LIVE-ERP']}")
    client.get(f"/risks/{known[MASTER]}")
    with client.app.state.services.kb.session() as session:
        rows = session.exec(select(WarningShown).where(WarningShown.project_id == known["LIVE-ERP"])).all()
    by_risk = {r.risk_id: r for r in rows}
    assert len(rows) == 2 and by_risk[known[MASTER]].precedents == 2
    assert by_risk[known[MASTER]].item_key == f"risk:{known[MASTER]}"


def test_the_metrics_page_shows_the_warning_metrics(client):
    page = client.get("/metrics").text
    assert "Open high risks with precedent" in page and "Warned-of risks that materialised" in page
    body = client.get("/api/metrics").json()
    share = next(m for m in body["metrics"] if m["key"] == "high_risks_with_precedent")
    assert (share["numerator"], share["denominator"]) == (2, 2)  # both high open risks, as the PMO sees them
    with acting_as(client, VIEWER):
        seen = next(m for m in client.get("/api/metrics").json()["metrics"] if m["key"] == "high_risks_with_precedent")
    assert (seen["numerator"], seen["denominator"]) == (1, 2)
