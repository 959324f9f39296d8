"""The metrics and themes pages, their CSV exports, the JSON API and the PMO's theme edits."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone

import pytest

from kb import metrics as M

pytest.importorskip("web.app")


@pytest.fixture
def client(fast_kb, settings):
    from fastapi.testclient import TestClient
    from tests.accounts import as_admin

    from kb.models import SearchLog
    from tests.factories import planted_documents
    from tests.web.conftest import as_browser
    from web.app import create_app

    for parsed in planted_documents():
        fast_kb.save_document(parsed, parsed.document.source_name.encode())
    with fast_kb.session() as session:
        session.add(SearchLog(query="badge access outage", result_count=0,
                              created_at=datetime(2024, 3, 1, tzinfo=timezone.utc)))
        session.add(SearchLog(query="data migration", result_count=8, top_score=0.9))
        session.commit()
    with as_browser(as_admin(TestClient(create_app(settings, kb=fast_kb)))) as c:
        yield c


def rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.text)))


def test_metrics_page_shows_every_metric_with_its_formula(client):
    page = client.get("/metrics")
    assert page.status_code == 200
    for metric in M.METRICS:
        assert metric.name in page.text
        assert metric.formula.replace("'", "&#39;") in page.text
    assert "badge access outage" in page.text           # listed as a knowledge gap
    assert '<script src="/static/vendor/chart.umd.min.js"' in page.text
    assert not re.search(r'<script[^>]+src="https?://', page.text)  # never another host


def breakdown(response) -> tuple[list[str], dict[str, list[str]]]:
    """The breakdown table of a metrics page: its column labels and each metric's cells.
    (Project types and years are also in the filter <select> of every page, so the test reads this table.)"""
    assert response.status_code == 200
    table = re.search(r'<table class="striped" id="breakdown-table">.*?</table>', response.text, re.S).group(0)
    labels = re.findall(r'<th scope="col" class="num">(.*?)</th>', table)
    cells = {name: re.findall(r'<td class="num">(.*?)</td>', tds)
             for name, tds in re.findall(r'<th scope="row"[^>]*>(.*?)</th>(.*?)</tr>', table, re.S)}
    return labels, cells


def test_metrics_breakdowns_and_filters(client):
    labels, cells = breakdown(client.get("/metrics", params={"by": "type"}))
    assert labels == ["CRM rollout", "ERP migration", "cloud migration"]
    assert cells["Projects closed"] == ["3", "4", "3"]
    filtered = client.get("/metrics", params={"type": "ERP migration", "period": "2018", "by": "quarter"})
    assert "Showing <strong>2018</strong> · project type <strong>ERP migration</strong>" in filtered.text
    labels, cells = breakdown(filtered)
    assert labels == ["2018-Q3"] and cells["Projects closed"] == ["1"]
    assert client.get("/metrics", params={"period": "last year"}).status_code == 422


def test_metrics_charts_have_a_table_fallback(client):
    page = client.get("/metrics", params={"by": "year"}).text
    figures = re.findall(r"<figure class=\"chart\" data-chart>.*?</figure>", page, re.S)
    assert figures
    for figure in figures:
        assert '<script type="application/json">' in figure and "<table" in figure and "<details" in figure


def test_metrics_csv_exports_every_table(client):
    summary = rows(client.get("/metrics.csv"))
    assert summary[0][:3] == ["key", "name", "group"] and len(summary) == len(M.METRICS) + 1
    success = next(r for r in summary if r[0] == "success_rate")
    assert success[3] == "0.0"                            # every planted project is "challenged"
    assert rows(client.get("/metrics", params={"format": "csv", "table": "gaps"}))[1][0] == "badge access outage"
    for table in ("breakdown", "unreviewed", "foreseeable"):
        assert rows(client.get("/metrics.csv", params={"table": table, "by": "year"}))[0]


def test_api_metrics_shape(client):
    body = client.get("/api/metrics").json()
    assert body["period"] == "all time"
    assert [m["key"] for m in body["metrics"]] == [m.key for m in M.METRICS]
    closed = next(m for m in body["metrics"] if m["key"] == "closed_projects")
    assert closed["value"] == 10 and closed["formula"] and closed["unit"] == "count"
    assert set(closed["breakdowns"]) == set(M.GROUPINGS)
    assert closed["breakdowns"]["year"]["2015"] == 1
    assert {"query", "searches", "last"} <= set(body["knowledge_gaps"][0])
    assert "threshold" in body["foreseeable"]
    error = client.get("/api/metrics", params={"period": "soon"})
    assert error.status_code == 422 and error.json()["ok"] is False


def test_themes_page_heatmap_chart_and_csv(client):
    page = client.get("/themes")
    assert page.status_code == 200
    assert 'id="heatmap"' in page.text and "ERP migration" in page.text
    assert "Repeat failures" in page.text and "How these numbers are defined" in page.text
    assert '<figure class="chart" data-chart>' in page.text and "<table" in page.text
    themes = rows(client.get("/themes.csv"))
    assert themes[0][:6] == ["id", "name", "projects", "lessons", "risks", "repeat_failures"]
    for table in ("heatmap", "years", "repeats"):
        assert rows(client.get("/themes", params={"format": "csv", "table": table}))[0][0] == "id"


def test_api_themes_lists_the_items_behind_every_theme(client):
    body = client.get("/api/themes").json()
    assert body["total"] == len(body["themes"]) >= 2
    assert sum(len(t["lesson_ids"]) for t in body["themes"]) == 45
    assert sum(len(t["risk_ids"]) for t in body["themes"]) == 2
    first = body["themes"][0]
    assert {"id", "name", "projects", "lessons", "risks", "repeat_failures", "trend", "items_by_year",
            "projects_by_type", "repeats"} <= set(first)
    assert body["definitions"]["repeat"]


def test_theme_detail_drills_down_to_lessons_and_risks(client):
    theme = client.get("/api/themes").json()["themes"][0]
    page = client.get(f"/themes/{theme['id']}")
    assert page.status_code == 200
    for lesson_id in theme["lesson_ids"]:
        assert f'href="/lessons/{lesson_id}"' in page.text
    year = next(iter(theme["items_by_year"]))
    narrowed = client.get(f"/themes/{theme['id']}", params={"year": year})
    assert narrowed.status_code == 200 and f"{theme['items_by_year'][year]} of" in narrowed.text
    members = rows(client.get(f"/themes/{theme['id']}", params={"format": "csv"}))
    assert len(members) == len(theme["lesson_ids"]) + len(theme["risk_ids"]) + 1
    assert client.get("/themes/nope").status_code == 404


def test_pmo_edits_through_plain_forms(client):
    themes = client.get("/api/themes").json()["themes"]
    first, second = themes[0]["id"], themes[1]["id"]
    done = client.post("/themes/rename", data={"theme_id": first, "name": "Data we never cleaned"},
                       follow_redirects=False)
    assert done.status_code == 303
    assert "Data we never cleaned" in [t["name"] for t in client.get("/api/themes").json()["themes"]]

    merged = client.post("/themes/merge", data={"theme_id": [first, second], "name": "Merged"}, follow_redirects=False)
    assert merged.status_code == 303
    after = client.get("/api/themes").json()
    assert after["total"] == len(themes) - 1 and "Merged" in [t["name"] for t in after["themes"]]

    target = next(t for t in after["themes"] if t["name"] == "Merged")
    split = client.post("/themes/split", data={"theme_id": target["id"], "member": [f"lesson-{target['lesson_ids'][-1]}"],
                                               "name_new": "Split out"}, follow_redirects=False)
    assert split.status_code == 303
    assert "Split out" in [t["name"] for t in client.get("/api/themes").json()["themes"]]

    refused = client.post("/themes/merge", data={"theme_id": [first]})
    assert refused.status_code == 400 and "at least two" in refused.text
    assert client.post("/themes/undo", follow_redirects=False).status_code == 303
    assert "Split out" not in [t["name"] for t in client.get("/api/themes").json()["themes"]]


def test_csv_exports_never_hand_excel_a_formula(client, fast_kb):
    from kb.models import SearchLog

    with fast_kb.session() as session:
        session.add(SearchLog(query='=HYPERLINK("http://evil.example","click")', result_count=0))
        session.commit()
    cells = [row[0] for row in rows(client.get("/metrics", params={"format": "csv", "table": "gaps"}))]
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in cells
    assert not any(cell.startswith("=") for cell in cells)


def outside_details(html: str) -> str:
    """The page as a reader sees it before opening any <details> (innermost first: they nest)."""
    previous = None
    while previous != html:
        previous, html = html, re.sub(r"<details\b(?:(?!<details\b).)*?</details>", "", html, flags=re.S)
    return html


def test_themes_pages_speak_plain_words_with_the_method_one_click_away(client):
    theme = client.get("/api/themes").json()["themes"][0]
    for url in ("/themes", f"/themes/{theme['id']}"):
        page = client.get(url).text
        assert "How this is computed" in page and "c-TF-IDF" in page and "cosine" in page   # one click away
        assert "<summary>How these numbers are defined</summary>" in page
        visible = outside_details(page)
        for jargon in ("c-TF-IDF", "cosine", "embedding", "k-means", "silhouette"):
            assert jargon not in visible, (url, jargon)


def test_themes_page_names_themes_by_phrase_and_counts_pairs_and_projects(client):
    from markupsafe import escape

    body = client.get("/api/themes").json()
    page = client.get("/themes").text
    counts = body["repeat_failures"]
    assert counts["text"] == (f"{counts['pairs']} project–theme pairs in {counts['projects']} of "
                              f"{counts['of_projects']} projects")
    assert counts["text"] in page
    for theme in body["themes"]:
        assert " · " not in theme["name"] and str(escape(theme["keywords"])) in page
        assert f">{escape(theme['name'])}</a>" in page


def test_foreseen_failures_and_precedents_are_shown_by_title(client, fast_kb):
    from markupsafe import escape

    from search.foreseeable import foreseeable_risks

    page = client.get("/themes").text
    found = foreseeable_risks(fast_kb)
    assert found, "the planted portfolio has a materialised risk that an earlier lesson described"
    for f in found.values():
        assert f'href="/risks/{f.risk_id}">{escape(f.risk_title)}</a>' in page
        assert f'href="/lessons/{f.lesson_id}">{escape(f.lesson_title)}</a>' in page
    assert not re.search(r">\s*(Risk|Lesson) \d+\s*<", page)
    theme = next(t for t in client.get("/api/themes").json()["themes"] if t["repeats"])
    detail = client.get(f"/themes/{theme['id']}").text
    for r in theme["repeats"]:
        assert str(escape(r["earlier_title"] or "No close precedent")) in detail
        assert str(escape(r["item_title"])) in detail


# --- in Chinese ------------------------------------------------------------------------------

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def test_the_metrics_page_and_its_csv_read_in_chinese(client):
    from kb import i18n

    page = client.get("/metrics", params={"by": "type"}, headers=CHINESE).text
    with i18n.using(i18n.CHINESE):
        names = {m.key: i18n.gettext(m.name) for m in M.METRICS}
        expected_rate = i18n.format_percent(0.0, 1)
    assert "项目管理办公室（PMO）是否让项目变得更好？" in page and "计算方法" in page and "知识空白" in page
    assert "How this is computed" not in page and "Knowledge gaps" not in page
    for metric in M.METRICS:
        assert names[metric.key] != metric.name, f"{metric.name} has no Chinese name"
        assert f">{names[metric.key]}<" in page                      # the card and the breakdown row
    labels, cells = breakdown(client.get("/metrics", params={"by": "type"}, headers=CHINESE))
    assert labels == ["CRM 上线", "ERP 迁移", "云迁移"]                  # project types in the reader's words
    assert cells[names["success_rate"]] == [expected_rate] * 3
    assert "交付类比率（按项目类型）" in page                            # a chart's title
    summary = rows(client.get("/metrics.csv", params={"table": "summary"}, headers=CHINESE))
    assert summary[0][:3] == ["键", "名称", "分组"] and summary[1][:2] == ["closed_projects", "已关闭项目"]
    assert rows(client.get("/metrics.csv", params={"table": "summary"}))[0][:3] == ["key", "name", "group"]


def test_the_themes_pages_read_in_chinese(client):
    page = client.get("/themes", headers=CHINESE).text
    assert "哪些失败反复出现？" in page and "这些数字的定义" in page and "重复失败" in page
    assert "How these numbers are defined" not in page and "Which failures keep coming back?" not in page
    assert "每年受影响的项目数（重复最多的主题）" in page                   # the trend chart's title
    theme = client.get("/api/themes").json()["themes"][0]
    detail = client.get(f"/themes/{theme['id']}", headers=CHINESE).text
    assert "拆分此主题" in detail and "按项目类型" in detail and "Split this theme" not in detail
    assert client.get("/api/themes", headers=CHINESE).json()["definitions"]["repeat"].startswith("A repeat failure")
    header = rows(client.get("/themes.csv", headers=CHINESE))[0]
    assert header[:3] == ["ID", "名称", "项目数"]
    refused = client.post("/themes/merge", data={"theme_id": [theme["id"]]}, headers=CHINESE)
    assert refused.status_code == 400 and "请至少选择两个主题进行合并" in refused.text
    assert client.get("/themes/nope", headers=CHINESE).status_code == 404
