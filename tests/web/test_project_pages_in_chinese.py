"""The projects, documents, ingest, review and API reference pages in Chinese (issue 13, "The app in two
languages"): a Chinese browser reads their labels, messages and errors in Chinese, vocabulary values
through the catalogue, numbers, dates and sizes as it writes them, while what the forms post, the
stored values and the data (project names, file names) stay as they are."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import FIXTURES, first_id

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}
REPORT = "WEB-ERP-2022_closure-report.md"


def chinese(client: TestClient, path: str, **kwargs) -> str:
    page = client.get(path, headers=CHINESE, **kwargs)
    assert page.status_code == 200, page.text[:300]
    return page.text


def main(html: str) -> str:
    """The page's own part, without the shared header and footer (base.html has its own tests)."""
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_the_projects_list_and_a_project_page_in_chinese(loaded: TestClient):
    listing = main(chinese(loaded, "/projects"))
    assert "<h1>项目</h1>" in listing and "个项目" in listing and "按名称或编号查找项目" in listing
    assert "ERP 迁移" in listing and ">ERP migration<" not in listing, "project types are vocabulary: translated"
    assert "Ledger Replacement" in listing, "project names are data: never translated"
    assert "Outcome" not in listing and "Lessons" not in listing

    project_id = first_id(loaded, "/api/projects", q="WEB-ERP-2022")
    project = main(chinese(loaded, f"/projects/{project_id}"))
    for label in ("进度偏差", "成本偏差", "启动检查清单", "谁可以查看此项目", "危险操作", "风险值"):
        assert label in project, label
    assert "+105 天" in project, "the variance in days reads in Chinese"
    assert re.search(r"\d+(\.\d)?万", project), "money in the unit a Chinese reader counts in"
    assert "2023年3月31日" in project, "dates as a Chinese reader writes them"
    assert "Schedule variance" not in project and "Danger zone" not in project and " days" not in project


def test_registering_a_project_in_chinese_posts_the_english_vocabulary(client: TestClient):
    form = main(chinese(client, "/projects/new"))
    assert "<h1>登记新项目</h1>" in form and "计划预算" in form
    assert '<option value="ERP migration">ERP 迁移</option>' in form, "shown in Chinese, posted as stored"

    refused = client.post("/projects", data={"code": "ZH-1", "name": "新项目", "planned_start": "明天"},
                          headers=CHINESE)
    assert refused.status_code == 400 and "“明天”不是日期" in refused.text and "YYYY-MM-DD" in refused.text
    assert client.get("/api/projects", params={"q": "ZH-1"}).json()["total"] == 0, "bad input changes nothing"


def test_documents_a_document_and_its_deletion_in_chinese(fresh: TestClient):
    listing = main(chinese(fresh, "/documents"))
    assert "<h1>文档</h1>" in listing and "份文档" in listing and "全部类型" in listing
    assert '<option value="closure report">收尾报告</option>' in listing
    assert "导入时间" in listing and "Ingested" not in listing

    doc_id = first_id(fresh, "/api/documents", kind="closure report")
    page = main(chinese(fresh, f"/documents/{doc_id}"))
    assert "收尾报告 · WEB-ERP-2022_closure-report.md · 第 1 版 · " in page
    assert re.search(r"第 1 版 · [\d.,]+ (KB|字节) · \d{4}年\d+月\d+日导入", page), \
        "size and date in Chinese"
    assert "下载原文件" in page and "这是第一个版本" in page and "Versions" not in page

    confirm = main(chinese(fresh, f"/documents/{doc_id}/delete"))
    assert f"删除文档 {REPORT}？" in confirm and "永久删除" in confirm and "从中提取的" in confirm
    assert "Delete for good" not in confirm and "lessons" not in confirm

    review = main(chinese(fresh, f"/documents/{doc_id}/review"))
    assert "审核提取结果" in review and "条经验教训" in review


def test_an_upload_its_preview_and_its_refusal_in_chinese(client: TestClient):
    page = main(chinese(client, "/ingest"))
    assert "<h1>导入文档</h1>" in page and "上传并提取经验教训" in page and "仅预览——不保存任何内容" in page

    report = (FIXTURES / REPORT).read_bytes()
    preview = main(client.post("/ingest", files=[("files", (REPORT, report))], data={"preview": "1"},
                               headers=CHINESE).text)
    assert "预览：未保存任何内容" in preview and ">将导入</span>" in preview
    assert client.get("/api/documents").json()["total"] == 0

    done = client.post("/ingest", files=[("files", (REPORT, report))], headers=CHINESE)
    for _ in range(100):  # the batch runs in the background; the page polls itself
        if "上传结果" in done.text:
            break
        done = client.get(str(done.url), headers=CHINESE)
    html = main(done.text)
    assert "<h1>上传结果</h1>" in html and "已导入 1 个" in html and ">已导入</span>" in html
    assert "审核提取结果" in html and "Upload results" not in html
    # the outcome stays English where machines read it
    assert 'class="badge outcome-ingested"' in html

    recent = main(chinese(client, "/ingest"))
    assert "最近的上传" in recent and "已完成 · 已导入 1 个" in recent

    empty = client.post("/ingest", files=[("files", ("", b""))], headers=CHINESE)
    assert empty.status_code == 400 and "请至少选择一个要上传的文件" in empty.text


def test_the_api_reference_in_chinese(client: TestClient):
    page = main(chinese(client, "/docs"))
    assert "接口" in page and "参数" in page and "返回" in page and "使用英文" in page
    assert "Endpoint" not in page and "/api/projects" in page
