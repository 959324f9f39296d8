"""What the multilingual model costs: ingest throughput with both models against MiniLM alone, and the
latency of new English, Chinese and cross-language questions at ~3k lessons and risks (the NASA LLIS
export plus the demo, Chinese part included).

    KB_BENCH_CORPUS=<corpus dir> python -m tests.bench.multilingual

Each question is asked once (a new question: its encodings are part of the time), in-process."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from kb.settings import Settings
from tests.bench.corpora import DEMO, NASA, nasa_document, nasa_rows

CHINESE = ["数据迁移测试不充分导致上线延期", "供应商交付延迟", "云资源费用超出预算", "关键开发人员离职",
           "用户验收测试时间被压缩", "性能测试不充分", "需求变更没有控制", "切换演练不充分", "培训时间安排不当",
           "预算超支的原因", "发起人调岗后项目停滞", "接口文档缺失", "历史数据质量差", "上线当天系统性能不足",
           "合同没有约定知识转移", "范围蔓延", "干系人参与不足", "网络专线交付延误", "审核被退回导致上线推迟",
           "软件测试覆盖不足导致发射延误"]
ENGLISH = ["data migration testing was insufficient", "vendor delivered late", "cloud costs exceeded the budget",
           "key developers left the project", "user acceptance testing was squeezed", "performance testing",
           "uncontrolled requirement changes", "cutover rehearsal", "training happened too early",
           "why budgets overran", "sponsor left the project", "missing interface documentation",
           "poor legacy data quality", "system too slow on go-live day", "knowledge transfer from the contractor",
           "scope creep", "stakeholders were not engaged", "circuit delivery was late",
           "launch delayed by an approval", "software testing gaps delayed the launch"]


def _open(data_dir: Path, multilingual: bool):
    from kb.store import KnowledgeBase

    settings = Settings(data_dir=data_dir, database_url="", chroma_url="", _env_file=None,
                        multilingual_model="use-multilingual-v3" if multilingual else "")
    return KnowledgeBase.open(settings)


def ingest_rate(multilingual: bool) -> float:
    """NASA lessons stored per second, embedding included, into a fresh store."""
    with tempfile.TemporaryDirectory() as tmp:
        kb = _open(Path(tmp) / "data", multilingual)
        kb.embedder.embed_batch(["warm up"])
        if kb.multilingual is not None:
            kb.multilingual.embed_batch(["warm up"])
        parsed = nasa_document(nasa_rows())
        start = time.perf_counter()
        kb.save_document(parsed, NASA.read_bytes())
        return len(parsed.lessons) / (time.perf_counter() - start)


def latencies(kb, questions: list[str]) -> list[float]:
    from search import SearchEngine, SearchRequest

    engine = SearchEngine(kb)
    engine.search(SearchRequest(q="warm up the index"), log=False)
    engine.search(SearchRequest(q="预热"), log=False)
    out = []
    for q in questions:
        start = time.perf_counter()
        engine.search(SearchRequest(q=q), log=False)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    from ingest import collect_files, ingest_file

    print(f"ingest, NASA ({len(nasa_rows())} lessons): MiniLM alone {ingest_rate(False):.1f} lessons/s, "
          f"MiniLM + USE {ingest_rate(True):.1f} lessons/s")
    with tempfile.TemporaryDirectory() as tmp:
        kb = _open(Path(tmp) / "data", True)
        kb.save_document(nasa_document(nasa_rows()), NASA.read_bytes())
        for path in collect_files([DEMO]):
            ingest_file(kb, path)
        with kb.session() as session:
            from sqlmodel import func, select

            from kb.models import Lesson, Risk
            size = session.exec(select(func.count(Lesson.id))).one() + session.exec(select(func.count(Risk.id))).one()
        english_only = _open(Path(tmp) / "data", False)
        for label, store, questions in (("English, multilingual model off", english_only, ENGLISH),
                                        ("English (USE for the Chinese rows)", kb, ENGLISH),
                                        ("Chinese (USE for every row)", kb, CHINESE)):
            ms = latencies(store, questions)
            print(f"{label} new questions at {size} lessons and risks: p50 {statistics.median(ms):.1f} ms, "
                  f"max {max(ms):.1f} ms")


if __name__ == "__main__":
    main()
