"""Early warnings with the real model: an open risk of a running project that echoes past failures is
warned of, citing those projects; an unrelated or closed risk is not; a confidential past project is never
a precedent (nor counted) for someone who may not see it. `tests.factories.warning_documents` describes
the portfolio."""

from __future__ import annotations

import pytest
from sqlmodel import select

from kb import access
from kb.access import Audience, Role
from kb.models import Project, Risk, RiskUpdate
from search import SearchEngine
from search import warnings as W
from search.models import Source
from tests.backends import isolated_settings, on_servers
from tests.factories import warning_documents

VIEWER = Audience(user="vic", role=Role.VIEWER)


@pytest.fixture(scope="module")
def warned_kb(request, tmp_path_factory, embedder):
    from kb.store import KnowledgeBase

    with isolated_settings(tmp_path_factory.mktemp("warnings") / "data", servers=on_servers(request.node)) as s:
        kb = KnowledgeBase.open(s, embedder=embedder)
        for n, doc in enumerate(warning_documents()):
            assert kb.save_document(doc, f"document {n}".encode()).outcome == "ingested"
        with kb.session() as session:
            secret = session.exec(select(Project).where(Project.code == "SECRET-ERP")).one()
            access.set_access(session, secret, confidential=True)
        yield kb


@pytest.fixture(scope="module")
def engine(warned_kb):
    return SearchEngine(warned_kb)


def ids(kb) -> dict[str, int]:
    with kb.session() as session:
        out = {p.code: p.id for p in session.exec(select(Project))}
        out.update({r.title: r.id for r in session.exec(select(Risk).where(Risk.project_id == out["LIVE-ERP"]))})
    return out


def viewer(kb) -> access.Visibility:
    with kb.session() as session:
        return access.visibility(session, VIEWER)


def test_an_open_risk_echoing_past_materialised_failures_is_warned_of_citing_them(warned_kb, engine):
    found = W.project_warnings(engine, ids(warned_kb)["LIVE-ERP"], visible=viewer(warned_kb))
    assert found.active and found.open_items == 3  # the closed risk is not an open item
    [warning] = found.warnings
    assert warning.title.startswith("Material master data may contain duplicate")
    assert warning.high and warning.severity == 16
    codes = [p.project.code for p in warning.precedents]
    assert sorted(codes) == ["PAST-ERP-1", "PAST-ERP-2"] and warning.project_count == 2
    assert warning.same_type_count == 2
    assert warning.headline == "This risk materialised on 2 past ERP migration projects"
    erp1 = next(p for p in warning.precedents if p.project.code == "PAST-ERP-1")
    cited = erp1.items[0]
    assert cited.kind == "risk" and cited.source.document == "PAST-ERP-1_risk_register.csv"
    assert cited.source.location == "row 2" and cited.source.anchor == "row-2"
    assert "six-week slip" in cited.what_happened and "cleanse" in cited.recommendation
    erp2 = next(p for p in warning.precedents if p.project.code == "PAST-ERP-2")
    assert erp2.items[0].kind == "lesson" and "Cleanse the master data" in erp2.items[0].recommendation
    assert warning.citation.document == "LIVE-ERP_risk_register.csv" and warning.citation.location == "row 2"


def test_an_unrelated_open_risk_and_a_closed_risk_get_no_warning(warned_kb, engine):
    known = ids(warned_kb)
    assert W.risk_warning(engine, known["The canteen may close for refurbishment in spring"]) is None
    # Closed, though PAST-ERP-1's cutover overran in the very same words.
    assert W.risk_warning(engine, known["Cutover may overrun the weekend window"]) is None
    assert W.risk_warning(engine, known["Material master data may contain duplicate and obsolete records that "
                                        "fail trial loads"]) is not None


def test_a_confidential_past_project_is_never_a_precedent_for_a_viewer_who_cannot_see_it(warned_kb, engine):
    known = ids(warned_kb)
    adapters = known["The systems integrator may deliver the interface adapters late"]
    admin = W.risk_warning(engine, adapters)
    assert admin is not None and [p.project.code for p in admin.precedents] == ["SECRET-ERP"]
    assert W.risk_warning(engine, adapters, visible=viewer(warned_kb)) is None
    seen = W.project_warnings(engine, known["LIVE-ERP"], visible=viewer(warned_kb))
    assert "SECRET-ERP" not in seen.model_dump_json()
    assert all(w.project_count == len(w.precedents) for w in seen.warnings)  # nothing hidden is counted
    assert len(W.project_warnings(engine, known["LIVE-ERP"]).warnings) == 2
    ranked = W.active_warnings(engine, visible=viewer(warned_kb))
    assert [w.title for w in ranked] == [w.title for w in seen.warnings]


def test_unpublished_items_are_never_precedents(kb):
    docs = warning_documents()
    for n, doc in enumerate(docs[:1] + docs[-1:]):  # PAST-ERP-1 and LIVE-ERP
        kb.save_document(doc, f"document {n}".encode())
    engine = SearchEngine(kb)
    master = ids(kb)["Material master data may contain duplicate and obsolete records that fail trial loads"]
    assert W.risk_warning(engine, master) is not None
    with kb.session() as session:
        past = session.exec(select(Risk).where(Risk.title.startswith("Legacy supplier"))).one().id
    kb.update_risk(past, RiskUpdate(published=False))
    assert W.risk_warning(engine, master) is None


def test_high_risk_precedents_agree_with_the_pages(warned_kb, engine):
    known = ids(warned_kb)
    master = known["Material master data may contain duplicate and obsolete records that fail trial loads"]
    adapters = known["The systems integrator may deliver the interface adapters late"]
    assert W.high_risk_precedents(warned_kb) == {master, adapters}  # both are 3 × 4 or more
    assert W.high_risk_precedents(warned_kb, visible=viewer(warned_kb)) == {master}


def status_item(kb, text: str, location: str) -> tuple[Project, W.OpenItem]:
    """LIVE-ERP, and an open item of its status report (not a register row) saying `text`."""
    with kb.session() as session:
        live = session.exec(select(Project).where(Project.code == "LIVE-ERP")).one()
    citation = Source(document_id=1, document="LIVE-ERP status 2026-03", kind="status report", location=location)
    return live, W.OpenItem(text=text, severity=None, project_id=live.id, citation=citation, title=text[:40])


def test_an_open_item_from_elsewhere_is_embedded_and_matched(warned_kb, engine):
    """Status reports will add open items that are not register rows: they are embedded when compared."""
    live, item = status_item(warned_kb, "Duplicate and obsolete material master records may make trial loads fail",
                             "Top risks, point 1")
    [warning] = W.warnings_for_items(engine, live, [item])
    assert warning.key == "document:1:Top risks, point 1" and warning.risk_id is None
    assert {p.project.code for p in warning.precedents} >= {"PAST-ERP-2"}


def test_a_running_projects_open_items_are_embedded_once_not_at_every_view(warned_kb, engine, monkeypatch):
    """A project page compares its open items at every view: under load, encoding them each time made it the
    slowest page. The second view reuses the vectors and gives the same warnings."""
    live, item = status_item(warned_kb, "Trial loads keep failing on duplicate and obsolete material master records",
                             "Top risks, point 2")
    encoded: list[str] = []
    for name in ("embed_batch", "embed_queries"):
        original = getattr(warned_kb.embedder, name)
        monkeypatch.setattr(warned_kb.embedder, name,
                            lambda texts, original=original: encoded.extend(texts) or original(texts))
    first = W.warnings_for_items(engine, live, [item])
    assert encoded == [item.text]
    second = W.warnings_for_items(engine, live, [item])
    assert encoded == [item.text]  # not encoded again
    [warning] = first
    assert {p.project.code for p in warning.precedents} >= {"PAST-ERP-2"}
    assert second == first
