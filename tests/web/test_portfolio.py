"""The portfolio (/portfolio, /portfolio.csv, GET /api/portfolio, `kb portfolio`): running projects with their
latest status report and early warnings, and the escalation list. Real model (the warnings are about meaning):
`tests.factories.warning_documents` holds LIVE-ERP, a running ERP migration whose open master-data risk
materialised on two past ERP migrations; its status reports go from amber to red here. HUSH-1 is a running
confidential project that only PMO admins see."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from kb import access
from kb.access import Audience, Role
from kb.models import Project
from kb.settings import Settings
from tests.accounts import acting_as, as_admin
from tests.factories import warning_documents
from tests.status_samples import status_md
from tests.web.conftest import as_browser, build_client
from tests.web.test_warnings_pages import MASTER

VIEWER = Audience(user="vic", role=Role.VIEWER)


def upload(client, name: str, body: bytes) -> None:
    reply = client.post("/api/ingest", files=[("files", (name, body, "text/markdown"))])
    assert reply.status_code == 200 and reply.json()[0]["outcome"] == "ingested", reply.text


@pytest.fixture(scope="module")
def client(tmp_path_factory, embedder):
    from kb.store import KnowledgeBase
    from web.app import create_app

    data = tmp_path_factory.mktemp("portfolio") / "data"
    settings = Settings(data_dir=data, database_url="", chroma_url="", _env_file=None)
    kb = KnowledgeBase.open(settings, embedder=embedder)
    for n, doc in enumerate(warning_documents()):
        kb.save_document(doc, f"document {n}".encode())
    with as_browser(as_admin(TestClient(create_app(settings, kb=kb), raise_server_exceptions=False))) as c:
        upload(c, "LIVE-ERP status 1.md", status_md("LIVE-ERP", date(2026, 11, 20), overall="Amber",
                                                   name="Finance ERP replacement"))
        upload(c, "LIVE-ERP status 2.md", status_md("LIVE-ERP", date(2026, 11, 27), overall="Red",
                                                   name="Finance ERP replacement"))
        upload(c, "HUSH-1 status.md", status_md("HUSH-1", date(2026, 11, 27), overall="Red", name="Hush rollout"))
        with kb.session() as session:
            access.set_access(session, session.exec(select(Project).where(Project.code == "HUSH-1")).one(),
                              confidential=True)
        c.data_dir = data
        yield c


def test_a_red_worsening_project_with_precedent_is_escalated_first_with_its_lessons(client):
    body = client.get("/api/portfolio").json()
    lines = {p["project"]["code"]: p for p in body["projects"]}
    live = lines["LIVE-ERP"]
    assert (live["overall_rag"], live["trend"], live["reports"]) == ("red", "worsening", 2)
    assert live["spi"] == pytest.approx(378_000 / 420_000) and live["cpi"] == pytest.approx(378_000 / 400_000)
    assert live["high_warnings"] >= 1
    top = body["escalations"][0]
    assert top["project"]["code"] in ("LIVE-ERP", "HUSH-1")
    live_esc = next(e for e in body["escalations"] if e["project"]["code"] == "LIVE-ERP")
    assert "overall status red" in live_esc["reasons"] and "status worsening" in live_esc["reasons"]
    warned = next(w for w in live_esc["warnings"] if w["title"] == MASTER)
    assert {p["project"]["code"] for p in warned["precedents"]} == {"PAST-ERP-1", "PAST-ERP-2"}
    # red + worsening + precedent outranks red alone
    codes = [e["project"]["code"] for e in body["escalations"]]
    assert codes.index("LIVE-ERP") < codes.index("HUSH-1")


def test_the_page_and_csv_say_the_same(client):
    page = client.get("/portfolio")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "Escalations" in text and "LIVE-ERP" in text and "Overall status red; status worsening" in text
    assert "materialised on 2 past ERP migration projects" in text
    rows = list(csv.reader(io.StringIO(client.get("/portfolio.csv").text)))
    assert rows[0][0] == "project code"
    live = next(r for r in rows if r[0] == "LIVE-ERP")
    assert live[5] == "red" and live[6] == "worsening" and "overall status red" in live[-1]


def test_a_confidential_running_project_is_nowhere_in_a_viewers_portfolio(client):
    assert "HUSH-1" in client.get("/portfolio").text  # a PMO admin sees it
    with acting_as(client, VIEWER):
        api = client.get("/api/portfolio").json()
        page, sheet = client.get("/portfolio").text, client.get("/portfolio.csv").text
    assert all(p["project"]["code"] != "HUSH-1" for p in api["projects"])
    assert all(e["project"]["code"] != "HUSH-1" for e in api["escalations"])
    assert "HUSH-1" not in page and "Hush rollout" not in page and "HUSH-1" not in sheet
    assert api["reports_expected"] < client.get("/api/portfolio").json()["reports_expected"]


def test_an_empty_knowledge_base_says_what_makes_a_project_appear(tmp_path):
    with build_client(tmp_path / "data") as empty:
        page = empty.get("/portfolio")
        assert page.status_code == 200 and "No running projects yet" in page.text
        assert empty.get("/api/portfolio").json()["projects"] == []


def test_kb_portfolio_prints_the_escalations_and_the_same_json(client, monkeypatch, embedder):
    import kb.store
    from cli.main import app

    monkeypatch.setenv("KB_DATA_DIR", str(client.data_dir))
    monkeypatch.setattr(kb.store, "create_embedder", lambda settings: embedder)
    runner = CliRunner()
    text = runner.invoke(app, ["portfolio"], catch_exceptions=False)
    assert text.exit_code == 0, text.output
    out = " ".join(text.output.split())
    assert "Escalations" in out and "LIVE-ERP" in out and "overall status red" in out
    body = json.loads(runner.invoke(app, ["portfolio", "--json"], catch_exceptions=False).output)
    assert [e["project"]["code"] for e in body["escalations"]] == \
        [e["project"]["code"] for e in client.get("/api/portfolio").json()["escalations"]]


CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def test_the_portfolio_its_csv_and_a_projects_status_read_in_chinese(client):
    page = " ".join(client.get("/portfolio", headers=CHINESE).text.split())
    assert "上报事项" in page and "进行中的项目" in page and "Escalations" not in page
    assert "总体状态为红；状态恶化" in page                              # the reasons, in the reader's words
    assert "此风险曾在 2 个以往的ERP 迁移项目中发生" in page              # the warning's headline
    assert "恶化" in page and ">红</span>" in page                       # trend and RAG
    sheet = list(csv.reader(io.StringIO(client.get("/portfolio.csv", headers=CHINESE).text)))
    assert sheet[0][:3] == ["项目编号", "项目名称", "项目类型"]
    live = next(r for r in sheet if r[0] == "LIVE-ERP")
    assert live[2] == "ERP 迁移" and live[5] == "红" and live[14].startswith("总体状态为红；状态恶化")
    assert list(csv.reader(io.StringIO(client.get("/portfolio.csv").text)))[0][0] == "project code"
    with client.app.state.services.kb.session() as session:
        live_id = session.exec(select(Project).where(Project.code == "LIVE-ERP")).one().id
    project = " ".join(client.get(f"/projects/{live_id}", headers=CHINESE).text.split())
    assert "红黄绿状态变化，最新的在前" in project and "挣值 S 曲线" in project   # status section and chart title
    assert "预警" in project and "项有先例" in project and "Early warnings" not in project
    assert "2026年11月27日" in project                                   # dates as a Chinese reader writes them
