"""PMO value metrics on a small portfolio whose every figure was worked out by hand.

The portfolio (planned durations are all exactly 100 days so variances are easy):

| code | type | portfolio | planned | actual end | budget plan → actual | outcome | PV/EV/AC |
|---|---|---|---|---|---|---|---|
| ALPHA | ERP migration | Finance | 2021-01-01 → 04-11 | 04-21 (+10 d) | 100k → 120k | challenged | 100/80/100 |
| BETA | CRM rollout | Finance | 2021-03-01 → 06-09 | 06-04 (−5 d) | 200k → 190k | successful | 200/220/200 |
| GAMMA | ERP migration | Operations | 2022-01-01 → 04-11 | 05-11 (+30 d) | 50k → 75k | failed | — |
| DELTA | CRM rollout | Operations | 2022-02-01 → 05-12 | 05-12 (0 d) | 80k → ? | successful | — |
| EPSILON | ERP migration | Finance | starts 2024-01-10, running | | | | |
| ZETA | cloud migration | Finance | starts 2024-03-01, running | | | | |
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session

from kb import metrics
from kb.db import create_db_engine
from kb.models import Document, KickoffPack, Lesson, LessonFeedback, Project, Risk, SearchLog


def _at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=timezone.utc)


def _doc(session, project, kind, ingested, name):
    doc = Document(kind=kind, source_name=name, sha256=name, project_id=project.id, ingested_at=ingested)
    session.add(doc)
    session.flush()
    return doc


def _lessons(session, doc, project, n):
    rows = [Lesson(title=f"{project.code} lesson {i}", document_id=doc.id, project_id=project.id,
                   polarity="went wrong") for i in range(n)]
    session.add_all(rows)
    session.flush()
    return rows


def _risks(session, doc, project, flags):
    rows = []
    for i, flag in enumerate(flags):
        # One risk is marked only by its status, to check that counts as materialised too.
        status = "materialised" if flag == "status" else ("materialised" if flag else "closed")
        rows.append(Risk(title=f"{project.code} risk {i}", description="d", document_id=doc.id,
                         project_id=project.id, status=status, materialised=flag is True))
    session.add_all(rows)
    session.flush()
    return rows


@pytest.fixture
def portfolio(settings):
    engine = create_db_engine(settings)
    with Session(engine, expire_on_commit=False) as s:
        P = dict(
            alpha=Project(code="ALPHA", name="Alpha ERP", portfolio="Finance", project_type="ERP migration",
                          planned_start=date(2021, 1, 1), planned_end=date(2021, 4, 11), actual_end=date(2021, 4, 21),
                          planned_budget=100_000, actual_budget=120_000, outcome="challenged",
                          planned_value=100, earned_value=80, actual_cost=100),
            beta=Project(code="BETA", name="Beta CRM", portfolio="Finance", project_type="CRM rollout",
                         planned_start=date(2021, 3, 1), planned_end=date(2021, 6, 9), actual_end=date(2021, 6, 4),
                         planned_budget=200_000, actual_budget=190_000, outcome="successful",
                         planned_value=200, earned_value=220, actual_cost=200),
            gamma=Project(code="GAMMA", name="Gamma ERP", portfolio="Operations", project_type="ERP migration",
                          planned_start=date(2022, 1, 1), planned_end=date(2022, 4, 11), actual_end=date(2022, 5, 11),
                          planned_budget=50_000, actual_budget=75_000, outcome="failed"),
            delta=Project(code="DELTA", name="Delta CRM", portfolio="Operations", project_type="CRM rollout",
                          planned_start=date(2022, 2, 1), planned_end=date(2022, 5, 12), actual_end=date(2022, 5, 12),
                          planned_budget=80_000, outcome="successful"),
            epsilon=Project(code="EPSILON", name="Epsilon programme", portfolio="Finance",
                            project_type="ERP migration", planned_start=date(2024, 1, 10)),
            zeta=Project(code="ZETA", name="Zeta cloud", portfolio="Finance", project_type="cloud migration",
                         planned_start=date(2024, 3, 1)),
        )
        s.add_all(P.values())
        s.flush()
        # Closure reports 10, 20 and 30 days after close; DELTA has only a retrospective.
        d_alpha = _doc(s, P["alpha"], "closure report", _at(2021, 5, 1), "alpha.md")
        d_beta = _doc(s, P["beta"], "closure report", _at(2021, 6, 24), "beta.md")
        d_gamma = _doc(s, P["gamma"], "closure report", _at(2022, 6, 10), "gamma.md")
        d_delta = _doc(s, P["delta"], "retrospective", _at(2022, 6, 1), "delta-retro.md")
        alpha_lessons = _lessons(s, d_alpha, P["alpha"], 3)
        beta_lessons = _lessons(s, d_beta, P["beta"], 2)
        _lessons(s, d_gamma, P["gamma"], 4)
        _lessons(s, d_delta, P["delta"], 1)
        _risks(s, d_alpha, P["alpha"], [True, "status", False, False])
        gamma_risks = _risks(s, d_gamma, P["gamma"], [True, False])
        _risks(s, d_delta, P["delta"], [False, False])
        s.add_all([
            KickoffPack(project_id=P["gamma"].id, created_at=_at(2022, 1, 5)),
            KickoffPack(project_name="EPSILON  Programme", created_at=_at(2024, 1, 5)),  # linked by name
            KickoffPack(project_name="Something new", project_type="network upgrade", created_at=_at(2024, 2, 1)),
            LessonFeedback(lesson_id=alpha_lessons[0].id, kind="helpful", created_at=_at(2022, 1, 6)),
            LessonFeedback(lesson_id=alpha_lessons[0].id, kind="helpful", created_at=_at(2024, 1, 6)),
            LessonFeedback(lesson_id=beta_lessons[0].id, kind="helpful", created_at=_at(2024, 1, 6)),
            LessonFeedback(lesson_id=alpha_lessons[0].id, kind="applied", project_id=P["epsilon"].id,
                           created_at=_at(2024, 1, 7)),
            SearchLog(query="cutover rehearsal", result_count=0, created_at=_at(2024, 1, 2)),
            SearchLog(query="vendor penalties", result_count=4, top_score=0.2, created_at=_at(2024, 1, 3)),
            SearchLog(query="data migration", result_count=9, top_score=0.9, created_at=_at(2024, 1, 3)),
            SearchLog(query="scope creep", result_count=5, top_score=0.5, created_at=_at(2024, 1, 4)),
            SearchLog(query="Cutover  rehearsal ", result_count=0, created_at=_at(2024, 2, 4)),
        ])
        s.commit()
        ids = {k: v.id for k, v in P.items()}
        ids["foreseeable_risk"] = gamma_risks[0].id
    return engine, ids


def _report(fixture, **kw):
    engine, ids = fixture
    with Session(engine) as s:
        return metrics.compute_metrics(s, foreseeable_risk_ids={ids["foreseeable_risk"]}, **kw)


def test_every_metric_has_name_formula_unit_and_group():
    keys = [m.key for m in metrics.METRICS]
    assert len(keys) == len(set(keys))
    for m in metrics.METRICS:
        assert m.name and m.formula and m.unit and m.group in metrics.GROUPS


def test_all_time_figures_match_the_hand_computation(portfolio):
    r = _report(portfolio)
    expected = {
        "closed_projects": 4,                       # ALPHA, BETA, GAMMA, DELTA
        "success_rate": 50.0,                       # successful: BETA, DELTA → 2 / 4
        "on_time_rate": 50.0,                       # BETA (early), DELTA (on the day) → 2 / 4
        "on_budget_rate": 100 / 3,                  # BETA only; DELTA has no actual → 1 / 3
        "schedule_variance_pct": 8.75,              # (+10 − 5 + 30 + 0) / 4
        "cost_variance_pct": 65 / 3,                # (+20 − 5 + 50) / 3 = 21.67
        "spi": 0.95,                                # (80/100 + 220/200) / 2 = (0.8 + 1.1) / 2
        "cpi": 0.95,                                # (80/100 + 220/200) / 2
        "materialisation_rate": 37.5,               # ALPHA 2 (one by status) + GAMMA 1 = 3 of 8 risks
        "foreseeable_rate": 100 / 3,                # 1 of the 3 materialised was foreseeable
        "lessons_per_closed_project": 2.5,          # (3 + 2 + 4 + 1) / 4
        "days_to_closure_report": 20.0,             # median(10, 20, 30)
        "closed_without_review": 1,                 # DELTA has a retrospective but no closure report
        # Live since 2021-05-01 (first ingestion): new = GAMMA, DELTA, EPSILON, ZETA.
        "kickoff_packs_per_new_project": 0.75,      # 3 packs / 4 new projects
        "kickoff_consultation_rate": 50.0,          # GAMMA (by id) and EPSILON (by name) → 2 / 4
        "lessons_helpful": 2,                       # alpha[0] twice, beta[0] → 2 distinct lessons
        "lessons_applied": 1,
        "knowledge_gap_rate": 60.0,                 # 2 with no results + 1 scoring 0.2 → 3 / 5
    }
    for key, value in expected.items():
        assert r.value(key) == pytest.approx(value), key


def test_drill_down_ids_and_knowledge_gaps(portfolio):
    _, ids = portfolio
    r = _report(portfolio)
    by_key = {v.metric.key: v.measure for v in r.values}
    assert by_key["closed_without_review"].ids == [ids["delta"]]
    assert by_key["foreseeable_rate"].ids == [ids["foreseeable_risk"]]
    assert sorted(by_key["kickoff_consultation_rate"].ids) == sorted([ids["gamma"], ids["epsilon"]])
    assert [(g["query"], g["searches"]) for g in r.gaps] == [("cutover rehearsal", 2), ("vendor penalties", 1)]


def test_breakdowns_by_year_type_and_portfolio(portfolio):
    r = _report(portfolio, by=("year", "quarter", "type", "portfolio"))
    assert r.breakdown("year", "success_rate") == {"2021": 50.0, "2022": 50.0, "2024": None}
    assert r.breakdown("year", "cost_variance_pct") == {"2021": 7.5, "2022": 50.0, "2024": None}  # (20−5)/2
    # 2022: packs 1 (GAMMA) / new projects GAMMA, DELTA
    assert r.breakdown("year", "kickoff_packs_per_new_project")["2022"] == 0.5
    assert r.breakdown("quarter", "on_time_rate")["2021-Q2"] == 50.0  # ALPHA late, BETA early
    assert r.breakdown("type", "success_rate")["ERP migration"] == 0.0     # challenged, failed
    assert r.breakdown("type", "success_rate")["CRM rollout"] == 100.0
    assert r.breakdown("type", "materialisation_rate")["ERP migration"] == 50.0  # 3 of ALPHA 4 + GAMMA 2
    assert r.breakdown("type", "knowledge_gap_rate")["CRM rollout"] is None  # searches have no type
    assert r.breakdown("portfolio", "schedule_variance_pct") == {
        "Finance": 2.5, "Operations": 15.0}  # (10 − 5)/2 ; (30 + 0)/2


def test_filters_restrict_every_metric(portfolio):
    r = _report(portfolio, project_type="ERP migration")
    assert r.value("closed_projects") == 2
    assert r.value("success_rate") == 0.0
    assert r.value("cost_variance_pct") == 35.0            # (20 + 50) / 2
    assert r.value("knowledge_gap_rate") is None
    r = _report(portfolio, period="2021")
    assert r.value("closed_projects") == 2 and r.value("on_budget_rate") == 50.0
    r = _report(portfolio, portfolio="Operations", period="2022")
    assert r.value("lessons_per_closed_project") == 2.5   # (4 + 1) / 2


def test_foreseeable_is_not_available_without_the_index(portfolio):
    engine, _ = portfolio
    with Session(engine) as s:
        r = metrics.compute_metrics(s)
    assert r.value("foreseeable_rate") is None


def test_empty_knowledge_base_gives_n_a_not_errors(settings):
    with Session(create_db_engine(settings)) as s:
        r = metrics.compute_metrics(s, by=metrics.GROUPINGS)
    assert r.value("success_rate") is None and r.value("closed_projects") == 0
    assert metrics.format_value(None, "%") == "n/a"


def test_unknown_grouping_is_a_clear_error(portfolio):
    with pytest.raises(ValueError, match="choose one of"):
        _report(portfolio, by=("week",))


def test_materialisation_counts_only_risks_of_closed_projects(portfolio):
    engine, ids = portfolio
    with Session(engine) as s:
        epsilon = s.get(Project, ids["epsilon"])        # running: no actual end, no outcome
        register = _doc(s, epsilon, "risk register", _at(2024, 2, 1), "epsilon-register.csv")
        live = _risks(s, register, epsilon, [True, False, False, False, False])
        s.commit()
        live_ids = {r.id for r in live}
    r = _report(portfolio)
    by_key = {v.metric.key: v for v in r.values}
    # Still ALPHA 2 + GAMMA 1 of 8: a live register (4 of 5 not happened yet) would have made it 4 of 13.
    assert r.value("materialisation_rate") == 37.5
    assert not set(by_key["materialisation_rate"].measure.ids) & live_ids
    assert "of closed projects" in by_key["materialisation_rate"].metric.formula
