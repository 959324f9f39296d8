"""The search, lesson, risk, kickoff and sign-in pages in Chinese: a Chinese browser reads Chinese labels
where an English one reads English, while stored values keep their English form in links and forms."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import build_client, first_id, load_fixtures

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}
KICKOFF = {"name": "Stores ERP", "project_type": "ERP migration", "industry": "Retail", "budget": "1.5m",
           "size": "", "description": "New ERP with a systems integrator; data migration from the old ledger."}


@pytest.fixture(scope="module")
def web(tmp_path_factory) -> TestClient:
    with build_client(tmp_path_factory.mktemp("zh") / "data") as client:
        load_fixtures(client)
        yield client


def test_the_search_landing_page_in_chinese(web, client):
    html = web.get("/search", headers=CHINESE).text
    assert "正在浏览全部" in html and "条经验教训和风险" in html and "Browsing all" not in html
    assert 'placeholder="例如 ERP 迁移项目中供应商方面出过哪些问题"' in html and "Plain language works" not in html
    empty = client.get("/search", headers=CHINESE).text  # nothing ingested yet: the welcome and its examples
    assert "你想从以往项目中了解什么？" in empty and "用户培训方面做得好的" in empty
    assert "What do you want to learn" not in empty


def test_search_results_filters_and_chips_read_in_chinese(web):
    html = web.get("/search", params={"q": "vendor", "kind": "risk"}, headers=CHINESE).text
    assert "已筛选：" in html and "Filtered to:" not in html
    assert 'aria-label="移除筛选 经验或风险：风险"' in html  # facet name and value both translated
    assert "条结果" in html and ">筛选</h2>" in html and "起始年份" in html
    assert 'class="badge kind-risk">风险</span>' in html
    # The values sent back stay the stored English ones: the links and checkboxes still filter.
    assert 'name="kind" value="risk" checked' in html
    english = web.get("/search", params={"q": "vendor", "kind": "risk"}).text
    assert "Filtered to:" in english and "已筛选" not in english


def test_a_search_that_finds_nothing_says_so_in_chinese(web):
    html = web.get("/search", params={"q": "zebra hovercraft xylophone"}, headers=CHINESE).text
    assert "暂无与“zebra hovercraft xylophone”匹配的结果" in html
    assert "Nothing matches" not in html


def test_the_lesson_page_and_its_editor_in_chinese(web):
    lesson_id = first_id(web, "/api/search", q="adapters vendor penalty", kind="lesson")
    html = web.get(f"/lessons/{lesson_id}", headers=CHINESE).text
    assert "出处" in html and "相似内容" in html and "建议" in html and "标记为有用" in html
    assert '<option value="went wrong" selected>出了问题</option>' in html  # shown in Chinese, posted in English
    assert '<option value="vendor and procurement"' in html and ">供应商与采购</option>" in html
    assert "Where it was recorded" not in html and "Mark helpful" not in html


def test_the_risk_page_in_chinese(web):
    risk_id = first_id(web, "/api/search", q="legacy data quality reconcile", kind="risk")
    html = web.get(f"/risks/{risk_id}", headers=CHINESE).text
    assert 'class="badge kind-risk">风险</span>' in html and "可能性" in html and "应对措施" in html
    assert '<option value="materialised"' in html and "编辑标签" in html
    assert "Probability" not in html and "Edit tags" not in html


def test_kickoff_form_pack_and_markdown_in_chinese(web):
    form = web.get("/kickoff", headers=CHINESE).text
    assert "生成启动资料包" in form and '<option value="ERP migration">ERP 迁移</option>' in form
    assert '<option value="small">小型</option>' in form
    made = web.post("/kickoff", data=KICKOFF, follow_redirects=False)
    pack_id = int(made.headers["location"].rsplit("/", 1)[1])
    html = web.get(f"/kickoff/{pack_id}", headers=CHINESE).text
    assert "启动资料包：Stores ERP" in html and "相似的以往项目" in html and "相似项目上已发生的风险" in html
    assert "Similar past projects" not in html
    markdown = web.get(f"/kickoff/{pack_id}.md", headers=CHINESE).text
    assert markdown.startswith("# 启动资料包：Stores ERP") and "## 相似的以往项目" in markdown
    assert "- **项目类型:** ERP 迁移" in markdown and "150.0万" in markdown  # the budget in the reader's unit
    assert web.get(f"/kickoff/{pack_id}.md").text.startswith("# Kickoff pack: Stores ERP")


def test_a_kickoff_message_is_in_the_readers_language(web):
    refused = web.post("/kickoff", data={**KICKOFF, "project": "new"}, headers=CHINESE)
    assert refused.status_code == 400 and "要登记新项目，请填写项目编号" in refused.text
    english = web.post("/kickoff", data={**KICKOFF, "project": "new"})
    assert "give it a project code" in english.text


def test_signing_in_in_chinese(web):
    web.headers.pop("Authorization", None)
    try:
        page = web.get("/sign-in", headers=CHINESE).text
        assert "<h1>登录</h1>" in page and "密码" in page and "Password" not in page
        failed = web.post("/sign-in", data={"name": "nobody", "password": "wrong"}, headers=CHINESE)
        assert failed.status_code == 401 and "用户名和密码与任何已启用的账号都不匹配" in failed.text
    finally:
        from tests.accounts import as_admin

        as_admin(web)


def test_a_budget_typed_as_a_chinese_pmo_writes_it_is_read(web):
    made = web.post("/kickoff", data={**KICKOFF, "budget": "250万"}, headers=CHINESE, follow_redirects=False)
    html = web.get(made.headers["location"], headers=CHINESE).text
    assert "ERP 迁移 · Retail · 250.0万" in html  # not dropped as unreadable


def test_a_register_rows_citation_reads_in_the_readers_language(web):
    """Registers store 'row 12' in English whatever the upload's language; each reader reads it in theirs."""
    chinese = web.get("/search", params={"q": "vendor"}, headers=CHINESE).text
    assert re.search(r"第 \d+ 行", chinese) and not re.search(r"\brow \d+", chinese)
    english = web.get("/search", params={"q": "vendor"}).text
    assert re.search(r"\brow \d+", english) and not re.search(r"第 \d+ 行", english)
    lesson = web.get("/api/search", params={"q": "vendor", "kind": "risk"}, headers=CHINESE).json()["hits"][0]
    assert re.fullmatch(r"row \d+", lesson["source"]["location"])  # the stored value, in the API


def test_a_row_within_a_section_keeps_the_documents_heading_and_reads_the_row_in_chinese():
    from kb.i18n import using
    from kb.texts import location_label, row_location

    stored = row_location("row", 2, within="Risks and issues")
    assert stored == "Risks and issues, row 2"  # as status reports store it
    assert location_label(stored) == "Risks and issues, row 2"
    with using("zh_CN"):
        assert location_label(stored) == "Risks and issues，第 2 行"
        assert location_label("What went wrong") == "What went wrong"  # a heading is the document's own words
