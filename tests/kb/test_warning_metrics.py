"""The early-warning metrics on a small portfolio worked out by hand.

| project | state | risks (probability × impact, status) | precedent | warning shown |
|---|---|---|---|---|
| RUN-1 | active | R1 4×4 open, R2 3×4 open, R3 2×2 open, R4 5×5 closed | R1 | R1 |
| RUN-2 | active | R5 score 20 open (no ratings), R6 4×5 materialised | — | — |
| DONE-1 | closed (actual end) | W1 4×4 materialised, W2 3×4 closed, W3 2×3 materialised | — | W1, W2 |
| DONE-2 | closed (outcome only) | W4 4×4 closed | — | W4 |

Open high risks of active projects: R1, R2 (12 counts), R5 (its score) = 3; with precedent: R1 → 1 / 3.
Warned-of risks of closed projects: W1, W2, W4 = 3; materialised: W1 → 1 / 3. R1's warning does not count:
its project is still running.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from kb import metrics
from kb.db import create_db_engine
from kb.models import Document, Project, Risk, WarningShown


def _risk(s, doc, project, name, p=None, i=None, status="open", score=None):
    row = Risk(title=name, description=name, document_id=doc.id, project_id=project.id, probability=p, impact=i,
               score=score, status=status, materialised=status == "materialised")
    s.add(row)
    s.flush()
    return row


@pytest.fixture
def portfolio(settings):
    engine = create_db_engine(settings)
    with Session(engine, expire_on_commit=False) as s:
        run1 = Project(code="RUN-1", name="Run 1", project_type="ERP migration", planned_start=date(2026, 1, 1))
        run2 = Project(code="RUN-2", name="Run 2", project_type="CRM rollout", planned_start=date(2026, 2, 1))
        done1 = Project(code="DONE-1", name="Done 1", project_type="ERP migration", planned_start=date(2025, 1, 1),
                        actual_end=date(2025, 12, 1))
        done2 = Project(code="DONE-2", name="Done 2", project_type="ERP migration", planned_start=date(2025, 3, 1),
                        planned_end=date(2025, 11, 1), outcome="successful")
        s.add_all([run1, run2, done1, done2])
        s.flush()
        docs = {}
        for p in (run1, run2, done1, done2):
            docs[p.code] = Document(kind="risk register", source_name=f"{p.code}.csv", sha256=p.code, project_id=p.id)
            s.add(docs[p.code])
        s.flush()
        R = {
            "R1": _risk(s, docs["RUN-1"], run1, "R1", 4, 4), "R2": _risk(s, docs["RUN-1"], run1, "R2", 3, 4),
            "R3": _risk(s, docs["RUN-1"], run1, "R3", 2, 2), "R4": _risk(s, docs["RUN-1"], run1, "R4", 5, 5, "closed"),
            "R5": _risk(s, docs["RUN-2"], run2, "R5", score=20),
            "R6": _risk(s, docs["RUN-2"], run2, "R6", 4, 5, "materialised"),
            "W1": _risk(s, docs["DONE-1"], done1, "W1", 4, 4, "materialised"),
            "W2": _risk(s, docs["DONE-1"], done1, "W2", 3, 4, "closed"),
            "W3": _risk(s, docs["DONE-1"], done1, "W3", 2, 3, "materialised"),
            "W4": _risk(s, docs["DONE-2"], done2, "W4", 4, 4, "closed"),
        }
        for name, project in (("R1", run1), ("W1", done1), ("W2", done1), ("W4", done2)):
            s.add(WarningShown(project_id=project.id, item_key=f"risk:{R[name].id}", risk_id=R[name].id, title=name,
                               precedents=2))
        s.commit()
    return engine, {k: v.id for k, v in R.items()}


def report(engine, **kw):
    with Session(engine) as s:
        return metrics.compute_metrics(s, **kw)


def test_share_of_open_high_risks_with_precedent(portfolio):
    engine, ids = portfolio
    r = report(engine, precedent_risk_ids={ids["R1"]}, by=("type",))
    measure = next(v.measure for v in r.values if v.metric.key == "high_risks_with_precedent")
    assert (measure.numerator, measure.denominator) == (1, 3) and measure.value == pytest.approx(100 / 3)
    assert measure.ids == [ids["R1"]]
    assert r.breakdown("type", "high_risks_with_precedent") == {"CRM rollout": 0.0, "ERP migration": 50.0}
    assert report(engine).value("high_risks_with_precedent") is None  # not computed: n/a, not 0%


def test_warned_of_risks_that_materialised_once_their_project_closed(portfolio):
    engine, ids = portfolio
    r = report(engine, by=("year",))
    measure = next(v.measure for v in r.values if v.metric.key == "warned_risks_materialised")
    assert (measure.numerator, measure.denominator) == (1, 3) and measure.ids == [ids["W1"]]
    assert r.breakdown("year", "warned_risks_materialised") == {"2025": 100 / 3, "2026": None}


def test_the_formulas_say_how_the_figures_are_made():
    by_key = {m.key: m for m in metrics.METRICS}
    assert "probability × impact ≥ 12" in by_key["high_risks_with_precedent"].formula
    assert "early warning was shown" in by_key["warned_risks_materialised"].formula
    assert by_key["high_risks_with_precedent"].plain and by_key["warned_risks_materialised"].plain
