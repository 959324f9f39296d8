"""`kb templates export DIR`: every template in every format, written where asked."""

from __future__ import annotations

from typer.testing import CliRunner

from ingest.templates import TEMPLATES, render


def run(*args):
    from cli.main import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_export_writes_every_template_in_every_format(tmp_path):
    target = tmp_path / "new" / "templates"
    result = run("templates", "export", str(target))
    assert result.exit_code == 0, result.output
    expected = {f"{t.name}.{ext}" for t in TEMPLATES for ext in t.formats}
    assert {p.name for p in target.iterdir()} == expected and len(expected) == 11
    assert (target / "closure-report.md").read_bytes() == render(TEMPLATES[0], "md")


def test_export_to_a_file_says_what_to_do_and_writes_nothing(tmp_path):
    target = tmp_path / "a-file"
    target.write_text("x")
    result = run("templates", "export", str(target))
    assert result.exit_code != 0
    assert "is a file, not a folder" in " ".join(result.output.split())
    assert target.read_text() == "x"


def test_help_explains_the_templates():
    result = run("templates", "export", "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "closure-report.md" in text and "required" in text
