"""A project's plan against its actuals (kb.models.PlanVsActual), and the small shared helpers."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, SQLModel, create_engine, select

from kb.dates import as_date
from kb.metrics import ProjectFact
from kb.models import Project, ProjectPublic
from kb.texts import match_key


def test_start_and_end_prefer_actuals_in_python_and_in_sql():
    rows = [Project(code="A", name="A", planned_start=date(2020, 1, 1), planned_end=date(2020, 6, 30)),
            Project(code="B", name="B", planned_start=date(2020, 1, 1), actual_start=date(2021, 2, 1),
                    planned_end=date(2021, 6, 30), actual_end=date(2021, 9, 30)),
            Project(code="C", name="C")]
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(rows)
        session.commit()
        in_sql = {code: (start, end) for code, start, end in
                  session.exec(select(Project.code, Project.start, Project.end))}
        by_start = [p.code for p in session.exec(select(Project).where(Project.start.is_not(None))
                                                 .order_by(Project.start.desc()))]
        in_python = {p.code: (p.start, p.end) for p in session.exec(select(Project))}
    assert in_python == in_sql == {"A": (date(2020, 1, 1), date(2020, 6, 30)),
                                   "B": (date(2021, 2, 1), date(2021, 9, 30)), "C": (None, None)}
    assert by_start == ["B", "A"]


def test_variances_compare_actuals_with_the_plan():
    late = ProjectPublic(id=1, code="X", name="X", planned_start=date(2022, 1, 1), planned_end=date(2022, 4, 11),
                         actual_end=date(2022, 4, 21), planned_budget=200.0, actual_budget=150.0)
    assert late.planned_duration_days == 100
    assert late.schedule_variance_days == 10 and late.schedule_variance_pct == 10.0
    assert late.cost_variance == -50.0 and late.cost_variance_pct == -25.0
    unknown = ProjectPublic(id=2, code="Y", name="Y", planned_end=date(2022, 4, 11), actual_budget=10.0,
                            planned_budget=0.0)
    assert unknown.schedule_variance_days is None and unknown.schedule_variance_pct is None
    assert unknown.planned_duration_days is None and unknown.cost_variance is None
    assert unknown.cost_variance_pct is None


def test_metric_facts_use_the_same_rules():
    fact = ProjectFact(1, "X", "X", "P", "T", planned_start=date(2022, 1, 1), planned_end=date(2022, 4, 11),
                       actual_start=None, actual_end=None, planned_budget=None, actual_budget=None,
                       outcome="challenged", planned_value=None, earned_value=None, actual_cost=None)
    assert fact.start == date(2022, 1, 1)
    assert fact.close_date == fact.end == date(2022, 4, 11)  # closed by its outcome: the planned end stands in


def test_match_key_and_as_date():
    assert match_key("  ERP-Migration (2021) ") == match_key("erp migration 2021") == "erp migration 2021"
    assert match_key(None) == ""
    assert as_date("2024-03-15 10:30:00") == as_date(datetime(2024, 3, 15, 10, 30)) == date(2024, 3, 15)
    assert as_date(date(2024, 3, 15)) == date(2024, 3, 15) and as_date(None) is None
