"""The Templates page and its downloads: every template in every format, for every signed-in role."""

from __future__ import annotations

import io

from ingest.templates import TEMPLATES
from kb.access import Role
from tests.accounts import user_token


def test_the_page_lists_every_template_with_its_purpose_required_parts_and_links(client):
    page = client.get("/templates")
    assert page.status_code == 200
    html = page.text
    for template in TEMPLATES:
        assert f"<h2>{template.title}</h2>" in html
        for ext in template.formats:
            assert f'href="/templates/{template.name}.{ext}"' in html
    assert "What went wrong" in html and "Overall RAG" in html and "Probability" in html  # the required parts
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]  # works without JavaScript
    assert 'href="/templates"' in html  # in the navigation


def test_every_download_is_the_file_it_names(client):
    from docx import Document
    from openpyxl import load_workbook

    for template in TEMPLATES:
        for ext in template.formats:
            response = client.get(f"/templates/{template.name}.{ext}")
            assert response.status_code == 200, (template.name, ext)
            assert f'filename="{template.name}.{ext}"' in response.headers["content-disposition"]
            body = response.content
            if ext == "docx":
                assert Document(io.BytesIO(body)).paragraphs[0].text == template.title
            elif ext == "xlsx":
                assert "Guidance" in load_workbook(io.BytesIO(body)).sheetnames
            elif ext == "md":
                assert body.decode().startswith("---\n")
            else:
                assert body.decode("utf-8-sig").splitlines()[0].split(",") == [c.header for c in template.columns]


def test_an_unknown_template_or_format_is_a_404_that_lists_what_there_is(client):
    for path in ("/templates/gantt-chart.xlsx", "/templates/risk-register.docx", "/templates/closure-report"):
        response = client.get(path)
        assert response.status_code == 404, path
    assert "risk-register.xlsx" in client.get("/templates/risk-register.docx").text


def test_a_viewer_may_download_and_nobody_signed_out_may(client):
    token = user_token(client.app.state.services.kb, "vic", Role.VIEWER)
    assert client.get("/templates/status-report.xlsx", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    client.headers.pop("Authorization")
    response = client.get("/templates/status-report.xlsx", follow_redirects=False)
    assert response.status_code in (401, 303)


def test_a_documents_page_lists_its_template_gaps_and_a_compliant_one_none(client):
    from ingest.templates import BY_NAME, render
    from tests.ingest.template_fills import fill_for

    gappy = ("ID,Description,Probability,Impact,Status\nR-01,Vendor may deliver late,,4,open\n").encode()
    filled = render(BY_NAME["risk-register"], "csv", fill_for(BY_NAME["risk-register"]))
    reports = client.post("/api/ingest", files=[("files", ("WMS-2025_risk_register.csv", gappy)),
                                                ("files", ("risk-register.csv", filled))]).json()
    assert [r["outcome"] for r in reports] == ["ingested", "ingested"], reports
    assert any("no 'Owner' column" in w for w in reports[0]["warnings"]) and reports[1]["warnings"] == []
    page = client.get(f"/documents/{reports[0]['document_id']}").text
    assert "Template gaps" in page and "has no &#39;Owner&#39; column" in page
    assert "leave &#39;Probability&#39; empty" in page or "leaves &#39;Probability&#39; empty" in page
    assert "Template gaps" not in client.get(f"/documents/{reports[1]['document_id']}").text


def test_the_page_reads_in_chinese_and_the_files_stay_in_english(client):
    from docx import Document

    page = client.get("/templates", headers={"Accept-Language": "zh-CN"}).text
    assert "<h2>收尾报告</h2>" in page and "<h2>风险登记册</h2>" in page and "下载：" in page
    assert "The PMO's standard templates" not in page
    assert "What went wrong" in page                                    # the headings ingestion reads stay as written
    body = client.get("/templates/closure-report.docx", headers={"Accept-Language": "zh-CN"}).content
    assert Document(io.BytesIO(body)).paragraphs[0].text == "Closure report"
    missing = client.get("/templates/gantt-chart.xlsx", headers={"Accept-Language": "zh-CN"})
    assert missing.status_code == 404 and "没有模板 gantt-chart.xlsx" in missing.text
