"""Ingest reports in the reader's language: rejection reasons and warnings are built in the language
of the moment (a request's, or the CLI's KB_LANGUAGE), and a template gap is still told apart from a
reading problem whichever language it is written in."""

from __future__ import annotations

from ingest.compliance import is_gap
from ingest.context import ParseContext
from ingest.pipeline import ingest_bytes, parse_bytes
from ingest.templates import BY_NAME, render
from kb.i18n import CHINESE, ENGLISH, using
from tests.ingest.template_fills import CLOSURE

CTX = ParseContext()


def _without_what_went_wrong() -> bytes:
    text = render(BY_NAME["closure-report"], "md", CLOSURE).decode()
    return (text.split("## What went wrong")[0] + "## Lessons learned" + text.split("## Lessons learned")[1]).encode()


def test_a_template_gap_reads_in_chinese_and_is_still_a_gap():
    with using(CHINESE):
        parsed = parse_bytes("closure-report.md", _without_what_went_wrong(), CTX)
    gaps = [w for w in parsed.warnings if is_gap(w)]
    assert gaps == ["收尾报告缺少“What went wrong”章节：请补上（模板：/templates/closure-report.md）。"]
    assert parsed.document.template_gaps == gaps
    with using(ENGLISH):
        english = parse_bytes("closure-report.md", _without_what_went_wrong(), CTX)
    assert [w for w in english.warnings if is_gap(w)] == [
        "Closure report has no 'What went wrong' section: add it (template: /templates/closure-report.md)."]
    assert not is_gap("The file is not UTF-8; it was read as GB18030 (GBK). Save it as UTF-8 if any characters "
                      "look wrong."), "a reading problem is no template gap"


def test_rejections_and_register_warnings_read_in_chinese(fast_kb):
    with using(CHINESE):
        empty = ingest_bytes(fast_kb, "empty.md", b"  \n")
        register = ingest_bytes(fast_kb, "ALPHA_risk_register.csv",
                                b"Risk,Probability,Impact,Owner\nVendor late,often,High,Ann\n,,,\nData lost,Low,Low,Bo\n")
    assert empty.outcome == "rejected" and empty.reason.startswith("文件为空（没有任何文字）")
    assert register.outcome == "ingested"
    assert "1 个可能性值无法读取，已留空（例如 第 2 行：“often”）。" in register.warnings, register.warnings
    assert all("could not be read" not in w for w in register.warnings)
    with using(ENGLISH):
        again = ingest_bytes(fast_kb, "empty.md", b"  \n")
    assert again.reason.startswith("The file is empty (it has no text at all).")
