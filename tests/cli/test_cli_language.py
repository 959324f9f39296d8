"""`kb` speaks KB_LANGUAGE (issue 13): its messages, tables and --help in Chinese with KB_LANGUAGE=zh_CN
(from the environment or `.env`), English by default, and machine-readable output the same in both."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).parents[2]
SAMPLES = ROOT / "tests" / "samples"


def flat(result) -> str:
    """The output with rich's line wrapping undone (Chinese has no spaces, so the breaks simply go)."""
    return "".join(result.output.split())


@pytest.fixture
def kb_cli(tmp_path, monkeypatch, fake_embedder):
    """Runs `kb ...` in-process on a store under tmp_path (hashing embedder: these tests are about words shown),
    in the language of KB_LANGUAGE at the moment of the call."""
    import kb.store
    from cli.main import app

    for key in ("KB_DATABASE_URL", "KB_CHROMA_URL", "KB_ADMIN_PASSWORD", "KB_LANGUAGE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(kb.store, "create_embedder", lambda settings: fake_embedder)
    runner = CliRunner()

    def run(*args: str, language: str | None = None, input: str | None = None):
        if language:
            monkeypatch.setenv("KB_LANGUAGE", language)
        else:
            monkeypatch.delenv("KB_LANGUAGE", raising=False)
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)
    return run


def kb_process(*args: str, cwd: Path, language: str | None) -> subprocess.CompletedProcess:
    """`kb ARGS` as a person starts it: a new process, so the help is built from nothing."""
    env = {k: v for k, v in os.environ.items() if k != "KB_LANGUAGE"}
    env.update({"PYTHONPATH": str(ROOT), "COLUMNS": "100"})
    if language:
        env["KB_LANGUAGE"] = language
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


def test_help_is_chinese_with_kb_language_and_english_without(tmp_path):
    chinese = kb_process("--help", cwd=tmp_path, language="zh_CN")
    assert chinese.returncode == 0, chinese.stderr
    out = "".join(chinese.stdout.split())
    assert "用法：" in out and "选项" in out and "命令" in out and "显示此帮助并退出。" in out
    assert "把收尾报告、复盘和风险登记册变成可搜索的经验教训库" in out
    assert "导入收尾报告、复盘、风险登记册和经验教训登记册。" in out  # a command in the list
    assert "Usage" not in out and "Ingest closure reports" not in out and "Show this message" not in out

    english = kb_process("--help", cwd=tmp_path, language=None)
    assert english.returncode == 0, english.stderr
    assert "Usage:" in english.stdout and "Ingest closure reports" in english.stdout
    assert "用法" not in english.stdout and "导入" not in english.stdout


def test_kb_language_is_read_from_the_env_file_too(tmp_path):
    (tmp_path / ".env").write_text("KB_LANGUAGE=zh_CN\n", encoding="utf-8")
    result = kb_process("ingest", "--help", cwd=tmp_path, language=None)
    assert result.returncode == 0, result.stderr
    out = "".join(result.stdout.split())
    assert "导入收尾报告" in out and "不存储任何内容" in out and "[必填]" in out


def test_an_error_and_its_hint_are_chinese(tmp_path):
    missing = kb_process("ingest", str(tmp_path / "nowhere"), cwd=tmp_path, language="zh_CN")
    assert missing.returncode == 1
    assert "错误：" in missing.stderr and "没有这个文件或文件夹" in missing.stderr
    usage = kb_process("ingest", cwd=tmp_path, language="zh_CN")
    assert usage.returncode == 2 and "查看帮助" in usage.stderr and "错误" in usage.stderr


@pytest.mark.parametrize("args, chinese, english", [
    (("ingest", "--bogus"), "没有这个选项：--bogus", "No such option: --bogus"),
    (("search", "x", "--lmit", "3"), "没有这个选项：--lmit（可用的选项：--limit,", "(Possible options: --limit,"),
    (("frobnicate",), "没有这个命令：'frobnicate'。", "No such command 'frobnicate'."),
    (("search", "data", "migration"), "多出了参数（migration）：含空格的问题或文件名请用引号括起来。",
     "put quotes around a question"),
    (("search", "x", "--limit", "abc"), "'--limit'/'-n'的值无效：应为整数，而不是“abc”",
     "Invalid value for '--limit' / '-n': a whole number is expected, not “abc”"),
    (("search", "x", "--limit", "0"), "的值无效：必须大于或等于1", "must be 1 or more"),
    (("users", "add"), "缺少参数'name'。", "Missing argument 'name'."),
])
def test_a_mistyped_command_line_is_explained_in_the_readers_language(kb_cli, args, chinese, english):
    result = kb_cli(*args, language="zh_CN")
    assert result.exit_code == 2 and chinese.replace(" ", "") in flat(result), result.output
    assert "Error" not in result.output and "such" not in result.output and "Input should" not in result.output
    result = kb_cli(*args)
    assert result.exit_code == 2 and english in " ".join(result.output.split()), result.output


def test_ingest_and_doctor_report_in_chinese(kb_cli, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(SAMPLES / "FIN-ERP-2021_closure_report.md", folder)
    ingested = kb_cli("ingest", str(folder), language="zh_CN")
    assert ingested.exit_code == 0, ingested.output
    out = flat(ingested)
    assert "文件" in out and "结果" in out and "经验教训" in out and "风险" in out  # the table's headers
    assert "已导入1个" in out and "FIN-ERP-2021_closure_report.md" in out
    assert "ingested" not in out and "lessons" not in out

    again = kb_cli("ingest", str(folder))  # the same process, no KB_LANGUAGE: English again
    assert "1 unchanged" in again.output and "未变化" not in again.output

    doctor = kb_cli("doctor", language="zh_CN")
    assert doctor.exit_code == 0, doctor.output
    assert "向量索引" in flat(doctor) and "没有偏差" in flat(doctor) and "No drift" not in doctor.output


def test_users_list_and_add_in_chinese(kb_cli):
    empty = kb_cli("users", "list", language="zh_CN")
    assert empty.exit_code == 0 and "还没有账户" in empty.output
    added = kb_cli("users", "add", "vic", "--role", "viewer", "--password-stdin", input="a long password\n",
                   language="zh_CN")
    assert added.exit_code == 0 and "已添加 vic（viewer）。" in added.output
    # one account a line, tab-separated as scripts read it; the role stays the word --role takes
    assert kb_cli("users", "list", language="zh_CN").output.splitlines() == ["vic\tviewer\t-\t启用"]
    assert kb_cli("users", "list").output.splitlines() == ["vic\tviewer\t-\tactive"]


def test_a_confirmation_and_its_answer_are_chinese(kb_cli, tmp_path):
    shutil.copy(SAMPLES / "retro_4ls.md", tmp_path / "retro_4ls.md")
    assert kb_cli("ingest", str(tmp_path / "retro_4ls.md")).exit_code == 0
    doc_id = kb_cli("documents").output.split("\n")[1].split()[0]
    kept = kb_cli("delete", "document", doc_id, language="zh_CN", input="n\n")
    assert kept.exit_code == 1 and "删除 retro_4ls.md" in kept.output and "已取消。" in kept.output
    gone = kb_cli("delete", "document", doc_id, "--yes", language="zh_CN")
    assert gone.exit_code == 0 and "已删除retro_4ls.md：4条经验教训" in flat(gone)


def test_machine_readable_output_is_the_same_in_both_languages(kb_cli):
    def header(language):
        result = kb_cli("portfolio", "--csv", language=language)
        assert result.exit_code == 0, result.output
        return next(csv.reader(io.StringIO(result.output)))

    assert header("zh_CN") == header(None) and "project code" in header(None)
    english, chinese = kb_cli("themes", "--json"), kb_cli("themes", "--json", language="zh_CN")
    assert english.exit_code == chinese.exit_code == 0 and english.output == chinese.output


def test_a_run_leaves_the_language_and_typers_words_as_they_were(kb_cli, monkeypatch):
    import typer.rich_utils

    from kb import i18n

    assert kb_cli("users", "list", language="zh_CN").exit_code == 0
    monkeypatch.delenv("KB_LANGUAGE")
    assert i18n.current() == i18n.ENGLISH and i18n._("Search") == "Search"  # the run set nothing that outlives it
    assert typer.rich_utils.OPTIONS_PANEL_TITLE == "Options" and typer.rich_utils.ABORTED_TEXT == "Aborted."
