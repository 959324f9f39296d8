"""`make bench` takes half an hour and is not part of `make test`, so a part of it that breaks (the
insights bench did when document keys became unique) went unseen until a full run: its parts that need
no shared corpus run here at a small size, and must give every row."""

from __future__ import annotations

from tests.bench import insights_bench, run


def test_the_insights_bench_builds_its_portfolio_and_measures_every_part(monkeypatch):
    monkeypatch.setattr(insights_bench, "PROJECTS", 60)
    monkeypatch.setattr(insights_bench, "LESSONS", 600)
    rows = {name: (value, note) for name, value, note in insights_bench.run()}
    assert set(rows) == {"build synthetic portfolio (SQL + Chroma)", "metrics, all breakdowns", "foreseeable risks",
                         "themes, cold", "themes, cached (same generation)", "peak memory of the process"}
    assert "items in" in rows["themes, cold"][1] and not rows["themes, cold"][1].startswith("s; 0 items")


def test_a_failing_part_of_the_bench_is_a_row_that_says_why_and_the_rest_still_runs():
    rows = run.section("a part", lambda: [][0]) + run.section("another part", lambda: [("another part", "x", "1", "")])
    assert rows[0][:3] == ("a part", "failed", "-") and "IndexError" in rows[0][3]
    assert rows[1] == ("another part", "x", "1", "")
