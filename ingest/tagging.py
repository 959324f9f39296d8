"""Automatic tags for lessons and risks, from the controlled vocabulary (kb.vocab).

Everything here is a guess a PMO can correct; corrections survive re-uploads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kb import vocab

# Title words say what a lesson is about; causes say why it happened; the body is noisier.
TITLE_WEIGHT, CAUSE_WEIGHT, BODY_WEIGHT = 3.0, 2.0, 1.0
WEAK_CATEGORY = "technical"
"""Matches almost any engineering text, so it only wins when nothing else does."""
EXTRA_CATEGORY_SHARE = 0.6
"""Another category is also tagged when it scores at least this share of the best one."""


class PhraseMatcher:
    """All phrases of one vocabulary in one regex; counts distinct phrases per value.

    Same word-boundary rules as kb.vocab.matches, but one pass over the text
    instead of one search per phrase (registers have thousands of rows)."""

    def __init__(self, values: dict[str, tuple[str, ...]], *, value_is_phrase: bool = True) -> None:
        self.owners: dict[str, list[str]] = {}
        stems: list[str] = []
        for value, phrases in values.items():
            for phrase in ((value.lower(),) if value_is_phrase else ()) + tuple(phrases):
                if value not in self.owners.setdefault(phrase, []):
                    self.owners[phrase].append(value)
                if phrase.endswith("*"):
                    stems.append(phrase)
        self.stems = stems
        alternatives = sorted(self.owners, key=len, reverse=True)
        latin = [p for p in alternatives if not vocab.is_chinese(p)]
        # One word-start check before the alternation: checking it per phrase made tagging 7x slower.
        self.pattern = re.compile(vocab.WORD_START + "(?:" + "|".join(vocab.phrase_body(p) for p in latin) + ")")
        chinese = [re.escape(p) for p in alternatives if vocab.is_chinese(p)]
        self.chinese = re.compile("|".join(chinese)) if chinese else None

    def count(self, text: str) -> dict[str, int]:
        """Value → number of distinct phrases of that value found in `text`."""
        found: dict[str, set[str]] = {}
        low = vocab.spaced(text.lower())
        matched = [m.group() for m in self.pattern.finditer(low)]
        if self.chinese is not None and vocab.has_han(low):
            matched += [m.group() for m in self.chinese.finditer(low)]
        for phrase in map(self._phrase, matched):
            for value in self.owners.get(phrase, ()):
                found.setdefault(value, set()).add(phrase)
        return {value: len(phrases) for value, phrases in found.items()}

    def _phrase(self, matched: str) -> str:
        if matched in self.owners:
            return matched
        return next((s for s in self.stems if matched.startswith(s[:-1])), matched)


@lru_cache(maxsize=None)
def matcher(facet: str) -> PhraseMatcher:
    if facet == "phase":
        return PhraseMatcher(_STRONG_PHASES, value_is_phrase=False)
    return PhraseMatcher({"category": vocab.CATEGORIES, "project_type": vocab.PROJECT_TYPES}[facet])


# Phase words that are too common in prose ('plan', 'build', 'delivery') only count in titles
# and explicit phase columns; these stronger ones also count in the body.
_WEAK_PHASE_WORDS = {"plan", "planning", "build", "development", "implementation", "delivery", "configuration",
                     "estimate", "estimates", "estimation", "closing", "launch", "execution", "executing",
                     "design phase", "initiating", "规划", "估算", "执行", "实施", "开发", "建设"}
_STRONG_PHASES = {v: tuple(p for p in ps if p not in _WEAK_PHASE_WORDS) for v, ps in vocab.PHASES.items()}


@dataclass(frozen=True)
class Tagged:
    category: str | None
    phase: str | None
    tags: list[str]


def categories(title: str, cause: str = "", body: str = "") -> list[str]:
    """Categories that clearly apply, best first: weighted phrase counts over title, cause and body."""
    scores: dict[str, float] = {}
    for text, weight in ((title, TITLE_WEIGHT), (cause, CAUSE_WEIGHT), (body, BODY_WEIGHT)):
        for value, n in matcher("category").count(text or "").items():
            scores[value] = scores.get(value, 0.0) + weight * n
    strong = {v: s for v, s in scores.items() if v != WEAK_CATEGORY}
    if not strong:
        return [WEAK_CATEGORY] if scores.get(WEAK_CATEGORY) else []
    best = max(strong.values())
    ranked = sorted(strong.items(), key=lambda kv: (-kv[1], list(vocab.CATEGORIES).index(kv[0])))
    return [v for v, s in ranked if s == best or (s >= EXTRA_CATEGORY_SHARE * best and s >= 2 * BODY_WEIGHT)]


def category_from_label(label: str | None) -> str | None:
    """The vocabulary category a register's Category cell names ('Resource' → 'resources and staffing')."""
    if not label:
        return None
    found = vocab.CATEGORY.canonical(label)
    if found:
        return found
    ranked = categories(label)
    return ranked[0] if ranked and ranked[0] != WEAK_CATEGORY else (vocab.CATEGORY.canonical(label.split()[0]))


def phase_of(explicit: str | None = None, title: str = "", body: str = "") -> str | None:
    """Phase from an explicit label, else from the title, else from strong phrases in the body."""
    if explicit:
        found = vocab.PHASE.canonical(explicit) or next(iter(vocab.PHASE.detect(explicit)), None)
        if found:
            return found
    found = next(iter(vocab.PHASE.detect(title)), None) if title else None
    if found:
        return found
    counts = matcher("phase").count(body or "")
    return max(counts, key=lambda v: counts[v]) if counts else None


def project_type_of(text: str | None) -> str | None:
    """A project type from the vocabulary, from a label ('ERP') or a description."""
    if not text:
        return None
    return vocab.PROJECT_TYPE.canonical(text) or next(iter(vocab.PROJECT_TYPE.detect(text)), None)


# --- polarity -----------------------------------------------------------------

_NEGATIVE = re.compile(
    r"\b(fail(ed|ure|ures|s)?|anomal(y|ies)|mishaps?|problems?|issues?|delay(ed|s)?|late|overr?an|overruns?|"
    r"damaged?|errors?|incorrect(ly)?|inadequate|insufficient|lack(ed|ing)?|missed|poor(ly)?|lost|loss|"
    r"defects?|violations?|underestimated|slipped|broke(n)?|mistakes?|shortfall|unclear|confusion)\b",
    re.IGNORECASE)
_POSITIVE = re.compile(
    r"\b(success(ful|fully)?|worked well|went well|effective(ly)?|good practice|best practice|"
    r"well received|on time|under budget|ahead of schedule|benefit(ed|s)?|saved|smooth(ly)?|excellent|"
    r"helped|praised|strength)\b",
    re.IGNORECASE)


_LABELS = {"positive": "went well", "good": "went well", "good practice": "went well", "success": "went well",
           "strength": "went well", "+": "went well", "pro": "went well",
           "negative": "went wrong", "bad": "went wrong", "problem": "went wrong", "issue": "went wrong",
           "weakness": "went wrong", "weaknesses": "went wrong", "-": "went wrong", "–": "went wrong",
           "−": "went wrong", "con": "went wrong",
           "improvement": "improvement", "improve": "improvement", "recommendation": "improvement"}
_LESSON_WORD = re.compile(r"\blessons?\b|[()\[\]:]")
"""'Lesson (negative)', 'Positive lesson': the label is the word beside 'lesson'."""


def polarity_from_label(label: object) -> str | None:
    """went well / went wrong / improvement from a cell such as 'Positive', 'Negative', 'Good practice',
    'Strength', 'Weakness', '+', '-' or 'Lesson (negative)'."""
    text = str(label or "").strip().lower()
    if not text:
        return None
    found = _LABELS.get(text) or vocab.POLARITY.canonical(text)
    core = " ".join(_LESSON_WORD.sub(" ", text).split())
    if found is None and core and core != text:
        found = _LABELS.get(core) or vocab.POLARITY.canonical(core)
    return found


_NEGATED = re.compile(r"\b(?:no|not|without|never|zero)\s+(?:(?:any|major|significant|serious|real|further|big|"
                      r"unexpected|notable|material)\s+)?" + _NEGATIVE.pattern, re.IGNORECASE)
"""A lesson that says a problem did not happen: 'No delays on the data migration', 'Cutover finished without
problems'. Only in its first sentence, its claim: told later ('Storage battery explosion. No damage was done'), it
is a detail of what went wrong."""
_CLAIM_END = re.compile(r"[.!?;\n]")


def polarity_from_words(text: str) -> str:
    """went wrong / went well when problem or success words dominate; improvement otherwise.
    Negated problem words ('no delays', 'without issues') are no problem: they made such lessons go wrong."""
    text = (text or "").strip()
    end = _CLAIM_END.search(text)
    claim, rest = (text[:end.start()], text[end.start():]) if end else (text, "")
    text = _NEGATED.sub(" ", claim) + rest
    negative = len(_NEGATIVE.findall(text))
    positive = len(_POSITIVE.findall(text))
    if negative > positive:
        return "went wrong"
    if positive > negative:
        return "went well"
    return "improvement"


# --- putting it together ---------------------------------------------------------

def tag(title: str, *, cause: str = "", body: str = "", category_label: str | None = None,
        phase_label: str | None = None, project_type: str | None = None,
        extra: list[str] | tuple[str, ...] = ()) -> Tagged:
    """Category, phase and the tag list for one lesson or risk.

    Tags are the category, the phase, the project type, other clearly matching
    categories and any `extra` labels (e.g. LLIS topics), without duplicates."""
    ranked = categories(title, cause, " ".join([body, *extra]))
    labelled = category_from_label(category_label)
    category = labelled or (ranked[0] if ranked else None)
    phase = phase_of(phase_label, title, body)
    tags = unique([category, phase, project_type, *ranked[1:], *extra])
    return Tagged(category, phase, tags)


def unique(values) -> list[str]:
    """Non-empty values, first spelling kept, compared case-insensitively."""
    seen: set[str] = set()
    out = []
    for value in values:
        text = str(value or "").strip()
        if text and text.lower() not in seen:
            seen.add(text.lower())
            out.append(text)
    return out
