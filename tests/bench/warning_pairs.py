"""The pairs behind the early-warning thresholds (`search.warnings`), printed for reading by hand.

    KB_DATA_DIR=./data python -m tests.bench.warning_pairs            # the warnings of every active project
    KB_DATA_DIR=./data python -m tests.bench.warning_pairs --as-if-open  # every unmaterialised risk, as if open

The first form prints what the pages show: each active project's open risks with precedent and, per
past project, its closest item and cosine, then how many open risks got a warning. Read each pair and
count those that describe the same failure: that is the precision the README states.

`--as-if-open` treats every English register risk that did not materialise (open or closed) as the open
risk of a running project and prints the same, so the thresholds can be read off a corpus of closed
projects (each risk's own project is never its precedent).
"""

from __future__ import annotations

import sys

from sqlmodel import select

from kb.models import Document, Project, Risk
from kb.settings import Settings
from kb.store import KnowledgeBase
from search.engine import SearchEngine
from search import warnings as W


def as_if_open(kb: KnowledgeBase) -> list[tuple[Project, list[W.OpenItem]]]:
    with kb.session() as session:
        work = []
        for project in session.exec(select(Project).order_by(Project.code)):
            risks = session.exec(select(Risk).where(Risk.project_id == project.id, Risk.materialised == False,  # noqa: E712
                                                    Risk.status != "materialised")).all()
            work.append((project, [W.register_item(r, session.get(Document, r.document_id), project)
                                   for r in risks if r.language != "zh"]))
    return work


def active(kb: KnowledgeBase) -> list[tuple[Project, list[W.OpenItem]]]:
    with kb.session() as session:
        projects = session.exec(select(Project).where(Project.actual_end.is_(None), Project.outcome.is_(None))
                                .order_by(Project.code)).all()
        return [(p, W.open_items(session, p.id)) for p in projects]


def main(argv: list[str]) -> None:
    kb = KnowledgeBase.open(Settings())
    engine = SearchEngine(kb)
    work = as_if_open(kb) if "--as-if-open" in argv else active(kb)
    total = warned = 0
    for project, items in work:
        total += len(items)
        for w in W.warnings_for_items(engine, project, items):
            warned += 1
            print(f"[{project.code} · {project.project_type}] {w.title}  (severity {w.severity}, rank {w.rank})")
            for p in w.precedents:
                item = p.items[0]
                kind = "same type" if p.same_type else p.project.project_type
                print(f"    {p.similarity:.3f} {p.project.code} ({kind}) {item.kind}: {item.title}"
                      f" | {(item.what_happened or '')[:100]}")
    print(f"\n{warned} of {total} open risks get a warning (same type from {W.SAME_TYPE_COSINE}, "
          f"other types from {W.OTHER_TYPE_COSINE}).")


if __name__ == "__main__":
    main(sys.argv[1:])
