"""The demo's Chinese and cross-language question sets (tests/bench/eval_demo_zh.jsonl and
eval_demo_cross.jsonl) are well formed, and every judgement names exactly one stored lesson or risk,
so their rows in `make bench` measure search, not broken references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.language import CHINESE, ENGLISH, has_han, language_of

BENCH = Path(__file__).resolve().parents[1] / "bench"
DEMO = Path(__file__).resolve().parents[2] / "demo"
SETS = ("eval_demo_zh.jsonl", "eval_demo_cross.jsonl")


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (BENCH / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("name", SETS)
def test_set_is_well_formed(name):
    questions = load(name)
    on_disk = {p.name for p in DEMO.rglob("*") if p.is_file()}
    assert len(questions) >= 25
    assert len({q["id"] for q in questions}) == len(questions)
    splits = [q["split"] for q in questions]
    assert set(splits) == {"tuning", "heldout"}
    assert len(questions) // 4 <= splits.count("heldout") <= len(questions) // 2, "keep about a third held out"
    for q in questions:
        assert q["query"].strip() and q["rule"].strip(), q["id"]
        assert any(j["grade"] > 0 for j in q["judged"]), f"{q['id']} has no relevant item"
        for j in q["judged"]:
            assert j["grade"] in (0, 1, 2), (q["id"], j)
            assert j["doc"] in on_disk and j["match"].strip(), (q["id"], j)


def test_chinese_set_asks_in_chinese():
    assert all(has_han(q["query"]) for q in load(SETS[0]))


def test_cross_language_set_crosses_languages(demo_store):
    """Every question's best answers (grade 2) include one in the other language; over the set, most
    relevant items of the Chinese questions are English. (The English questions' relevant items are
    about as often English as Chinese: the demo's English projects echo each Chinese one.)"""
    from tests.bench.chinese_quality import item_refs, resolve

    kb, _ = demo_store
    refs = item_refs(kb)
    english_for_chinese = [0, 0]
    asked = set()
    for q in load(SETS[1]):
        language = language_of(q["query"])
        asked.add(language)
        other = lambda grade: [k for j in q["judged"] if j["grade"] >= grade for k in resolve(refs, j)
                               if language_of(refs[k][1]) != language]
        assert other(2), f"{q['id']}: no grade-2 item in the other language"
        if language == CHINESE:
            english_for_chinese[0] += len(other(1))
            english_for_chinese[1] += sum(j["grade"] > 0 for j in q["judged"])
    assert asked == {CHINESE, ENGLISH}
    assert 2 * english_for_chinese[0] > english_for_chinese[1], english_for_chinese


@pytest.mark.parametrize("name", SETS)
def test_every_judgement_resolves_to_exactly_one_item(demo_store, name):
    from tests.bench.chinese_quality import item_refs, resolve

    kb, _ = demo_store
    refs = item_refs(kb)
    problems = [f"{q['id']} {j['doc']}: {j['match']!r} matches {n} items"
                for q in load(name) for j in q["judged"] if (n := len(resolve(refs, j))) != 1]
    assert not problems, "\n".join(problems)
