"""Earned-value figures, RAG trends, milestone slippage and overdue reports, against hand-computed values."""

from datetime import date

import pytest

from kb.models import StatusReport
from kb.open_risks import severity_label
from kb.status import (
    IMPROVING, STEADY, WORSENING, cost_variance, cpi, is_overdue, milestone_slippage_days, rag_trend, schedule_variance,
    spi, trend_of,
)


def test_spi_and_cpi_are_ev_over_pv_and_ev_over_ac():
    # EV 120,000 of PV 150,000 at AC 160,000: 0.8 and 0.75, worked out by hand
    assert spi(earned_value=120_000, planned_value=150_000) == pytest.approx(0.8)
    assert cpi(earned_value=120_000, actual_cost=160_000) == pytest.approx(0.75)
    assert spi(earned_value=50, planned_value=40) == pytest.approx(1.25)


def test_variances_are_ev_minus_pv_and_ev_minus_ac():
    assert schedule_variance(earned_value=120_000, planned_value=150_000) == -30_000
    assert cost_variance(earned_value=120_000, actual_cost=160_000) == -40_000
    assert cost_variance(earned_value=90, actual_cost=80) == 10


@pytest.mark.parametrize("ev, base", [(None, 100), (100, None), (100, 0)])
def test_an_index_without_both_figures_or_over_zero_is_unknown(ev, base):
    assert spi(earned_value=ev, planned_value=base) is None
    assert cpi(earned_value=ev, actual_cost=base) is None


def test_unknown_variances_are_none_but_zero_is_zero():
    assert schedule_variance(earned_value=None, planned_value=5) is None
    assert cost_variance(earned_value=0, actual_cost=0) == 0


def test_milestone_slippage_counts_days_from_plan_to_actual_else_forecast():
    planned = date(2026, 3, 2)
    assert milestone_slippage_days(planned=planned, forecast=date(2026, 3, 23)) == 21
    assert milestone_slippage_days(planned=planned, forecast=date(2026, 4, 30), actual=date(2026, 3, 1)) == -1
    assert milestone_slippage_days(planned=planned) is None
    assert milestone_slippage_days(planned=None, forecast=planned) is None


@pytest.mark.parametrize("before, after, trend", [
    ("green", "amber", WORSENING), ("amber", "red", WORSENING), ("green", "red", WORSENING),
    ("red", "amber", IMPROVING), ("amber", "green", IMPROVING), ("amber", "amber", STEADY),
    (None, "red", None), ("red", "purple", None),
])
def test_rag_trend(before, after, trend):
    assert rag_trend(before, after) == trend


def test_a_projects_trend_compares_its_last_two_rated_reports():
    def report(rag):
        return StatusReport(document_id=1, period_end=date(2026, 1, 1), overall_rag=rag)

    assert trend_of([report("green"), report("red"), report(None), report("amber")]) == IMPROVING
    assert trend_of([report("green")]) is None


def test_a_report_is_overdue_more_than_ten_days_after_the_last_period():
    last = date(2026, 3, 6)
    assert not is_overdue(last, today=date(2026, 3, 16))
    assert is_overdue(last, today=date(2026, 3, 17))
    assert is_overdue(None, today=date(2026, 3, 17), since=date(2026, 3, 1))
    assert not is_overdue(None, today=date(2026, 3, 17))


def test_severity_from_a_register_score():
    assert [severity_label(s) for s in (20, 12, 9, 4, None)] == ["high", "high", "medium", "low", None]


def test_expected_weekly_reports_count_every_ended_week_from_the_first():
    from kb.status import Timeliness, expected_reports

    first = date(2026, 3, 6)
    assert expected_reports(first, today=date(2026, 3, 6)) == 1
    assert expected_reports(first, today=date(2026, 3, 12)) == 1
    assert expected_reports(first, today=date(2026, 3, 13)) == 2
    assert expected_reports(first, today=date(2026, 3, 1)) == 0
    assert Timeliness(3, 4).share == 0.75 and Timeliness(0, 0).share is None
