"""Messages made below the web layer (ingest reasons, domain errors) and the web layer's own refusals
(CSRF, 404, 403) read in the reader's language: each is translated where it is raised, in the
request's language (kb/errors.py), so the same failure reads in English or Chinese."""

from __future__ import annotations

import pytest

from kb.access import Role
from tests.accounts import session_cookie, user_token
from tests.web.conftest import CSRF_TOKEN, build_client, load_fixtures
from web.auth import SESSION_COOKIE

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


@pytest.fixture
def web(tmp_path):
    with build_client(tmp_path) as client:
        yield client


def _rejected(web, headers: dict) -> dict:
    files = [("files", ("FIN-1_lessons.jsonl", b'{"Title": "ok"}\n{not json at all\n'))]
    [report] = web.post("/api/ingest", files=files, headers=headers).json()
    assert report["outcome"] == "rejected"
    return report


def test_a_broken_file_is_rejected_in_the_uploaders_language(web):
    chinese = _rejected(web, CHINESE)
    assert "第 2 行不是有效的 JSON" in chinese["reason"] and "此文件的内容均未保存" in chinese["reason"]
    english = _rejected(web, {})
    assert english["reason"].startswith("Line 2 is not valid JSON") and "第" not in english["reason"]
    assert english["outcome"] == chinese["outcome"] == "rejected", "the JSON's values stay English"
    assert web.get("/api/documents").json()["total"] == 0


def test_an_unsupported_file_and_a_storage_note_read_in_chinese(web):
    [report] = web.post("/api/ingest", files=[("files", ("notes.doc", b"old word"))], headers=CHINESE).json()
    assert report["reason"].startswith("无法读取 .doc 格式") and "请在 Word 中打开并另存为 .docx" in report["reason"]


def test_a_missing_page_and_a_missing_item_say_so_in_chinese(web):
    page = web.get("/no-such-page", headers=CHINESE)
    assert page.status_code == 404 and "/no-such-page 处没有页面" in page.text and "<h1>未找到 " in page.text
    api = web.get("/api/lessons/424242", headers=CHINESE)
    assert api.status_code == 404 and api.json() == {"ok": False, "error": "没有编号为 424242 的经验教训。",
                                                     "status": 404}
    assert web.get("/api/lessons/424242").json()["error"] == "No lesson with id 424242."


def test_a_role_too_low_is_refused_in_chinese(web):
    token = user_token(web.app.state.services.kb, "vic", Role.VIEWER)
    bearer = {"Authorization": f"Bearer {token}"}
    page = web.post("/themes/undo", headers={**bearer, **CHINESE}, follow_redirects=False)
    assert page.status_code == 403
    assert "当前登录用户为 vic（查看者）：只有项目管理办公室（PMO）管理员可以执行此操作" in page.text
    assert "您的角色无权执行此操作" in page.text, "the error page's title too"
    api = web.delete("/api/projects/1", headers={**bearer, **CHINESE})
    assert api.status_code == 403 and "只有项目管理办公室（PMO）管理员" in api.json()["error"]


def test_csrf_refusals_read_in_chinese(web):
    del web.headers["Authorization"], web.headers["X-CSRF-Token"]
    web.cookies.set(SESSION_COOKIE, session_cookie(web.app.state.services.kb))
    missing = web.post("/projects", data={"code": "B-1", "name": "x"},
                       headers={"Sec-Fetch-Site": "same-origin", **CHINESE}, follow_redirects=False)
    assert missing.status_code == 403 and "此表单被拒绝，因为它没有携带本浏览器的安全令牌" in missing.text
    forged = web.post("/projects", data={"code": "EVIL", "name": "x", "csrf_token": CSRF_TOKEN},
                      headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", **CHINESE})
    assert forged.status_code == 403 and "此请求来自其他网站，已被拒绝" in forged.text
    assert '<section class="error-box"' in forged.text
    english = web.post("/projects", data={"code": "EVIL", "name": "x", "csrf_token": CSRF_TOKEN},
                       headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert "another web site" in english.text and "其他网站" not in english.text


def test_the_answer_summary_is_written_in_the_readers_language(web):
    load_fixtures(web)
    answered = web.get("/api/search", params={"q": "data migration"}, headers=CHINESE).json()["summary"]
    assert "条经验教训" in answered["headline"] and "最相关结果中最常见的类别是：数据迁移（" in answered["headline"]
    assert answered["top_causes"][0]["text"] == "data migration", "a category stays its stored value in the JSON"
    unanswered = web.get("/api/search", params={"q": "zebra quantum violin"}, headers=CHINESE).json()["summary"]
    assert unanswered["headline"] == "知识库中没有能回答这个问题的内容。"
    assert any("换个说法" in tip for tip in unanswered["suggestions"])
    english = web.get("/api/search", params={"q": "zebra quantum violin"}).json()["summary"]
    assert english["headline"] == "Nothing in the knowledge base answers this question."


def test_an_upload_page_batch_reports_in_the_uploaders_language(web):
    """The batch runs in the queue's worker thread, after the request has gone: it keeps the uploader's language."""
    files = [("files", ("FIN-1_lessons.jsonl", b'{"Title": "ok"}\n{not json at all\n'))]
    page = web.post("/ingest", files=files, headers=CHINESE, follow_redirects=False)
    runner = web.app.state.jobs
    job = runner.get(page.headers["location"].rstrip("/").rsplit("/", 1)[-1])
    assert runner.wait(job)
    shown = web.get(f"/ingest/jobs/{job.id}", headers={"Accept-Language": "en"}).text
    assert "第 2 行不是有效的 JSON" in shown, "the reason is written in the uploader's language, whoever reads it later"
