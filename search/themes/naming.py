"""Naming a theme: a phrase a leader would say, and its most distinctive terms as a secondary line.

The name is the title of a member near the theme's centre, the one that uses most of the theme's
distinctive terms (its first clause, at most `NAME_WORDS` words); the terms come from class-based
TF-IDF (c-TF-IDF) over the texts of the members nearest the centre."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from kb.language import has_han
from search.failures import Item
from search.text import HAN_RUN, chinese_segmenter

if TYPE_CHECKING:  # theme.py imports this module to name the themes it builds
    from search.themes.theme import Theme

NAME_DOCS = 300
"""Members nearest the centre whose text gives a theme its distinctive terms."""
NAME_CANDIDATES = 8
"""Members nearest the centre whose title may name a theme."""
NAME_WORDS = 8
"""A name longer than this is cut (with "…"): it has to fit a table cell and be read at a glance."""
_DANGLING = frozenset("""a an the of and or but so to in on for with by from at its their our that which who
was were is are be been had has have""".split())
_PROJECT_CODE = re.compile(r"\b[A-Z]{2,}-[A-Z0-9-]*\d{2,}\b|\d")

DOMAIN_STOP_WORDS = frozenset("""
project projects team teams went wrong lesson lessons learned issue issues problem problems risk risks
caused cause causes impact impacts recommendation recommendations result resulted resulting did didn does
make made using used use like just also new week weeks month months day days time times phase lot got
need needed needs way ways work worked working really many much later early led twice once still able
""".split())


def name_terms(texts_by_theme: Sequence[Sequence[str]], weights_by_theme: Sequence[Sequence[float]] | None = None,
               sources_by_theme: Sequence[Sequence[object]] | None = None, n_terms: int = 3) -> list[list[str]]:
    """The most distinctive terms of each group of texts, by c-TF-IDF over unigrams and bigrams.

    A text's words count `weight` times (its cosine to the theme centre), so stray members sway the name
    less. A term must occur in texts from at least two sources (projects) of a theme that has two or
    more, and scores more the more of them use it: a project's own jargon does not name a theme.
    """
    from scipy import sparse
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    texts = [t for group in texts_by_theme for t in group]
    if not any(t.strip() for t in texts):
        return [[] for _ in texts_by_theme]
    vectorizer = CountVectorizer(ngram_range=(1, 2), stop_words=sorted(ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS),
                                 tokenizer=theme_words, token_pattern=None)
    try:
        counts = vectorizer.fit_transform(texts).tocsr().astype(np.float64)
    except ValueError:  # nothing but stop words
        return [[] for _ in texts_by_theme]
    weights = weights_by_theme or [[1.0] * len(g) for g in texts_by_theme]
    sources = sources_by_theme or [list(range(len(g))) for g in texts_by_theme]
    rows = [i for i, group in enumerate(texts_by_theme) for _ in group]
    flat = np.clip([w for group in weights for w in group], 0.05, None)
    assign = sparse.csr_matrix((flat, (rows, range(len(texts)))), shape=(len(texts_by_theme), len(texts)))
    per_theme = np.asarray((assign @ counts).todense())
    spread, n_sources = _source_spread(counts, rows, sources, len(texts_by_theme))
    tf = per_theme / np.maximum(per_theme.sum(axis=1, keepdims=True), 1e-9)
    avg_words = per_theme.sum() / len(texts_by_theme)
    idf = np.log(1 + avg_words / np.maximum(per_theme.sum(axis=0), 1e-9))
    scores = tf * idf * np.sqrt(spread / np.maximum(n_sources, 1)[:, None])
    terms = vectorizer.get_feature_names_out()
    return [_top_terms(terms, scores[i], spread[i], n_sources[i], n_terms) for i in range(len(texts_by_theme))]


_LATIN_TERM = re.compile(r"(?u)\b[a-zA-Z][a-zA-Z-]+\b")
_CHINESE_STOP_WORDS = frozenset("项目 问题 经验 教训 原因 影响 建议 没有 需要 导致 进行 通过 一个 我们 时间".split())


def theme_words(text: str) -> list[str]:
    """The words c-TF-IDF counts: English words as before, then Chinese words of two characters or more
    (whole words as jieba cuts them, not the parts keyword search also indexes), so a theme of Chinese
    lessons gets terms too."""
    found = _LATIN_TERM.findall(text)
    if has_han(text):
        cut = chinese_segmenter().lcut
        found += [w for run in HAN_RUN.findall(text) for w in cut(run)
                  if len(w) >= 2 and w not in _CHINESE_STOP_WORDS]
    return found


def _source_spread(counts, rows: list[int], sources: Sequence[Sequence[object]], n_themes: int):
    """(themes × terms) number of distinct sources using each term, and the number of sources per theme."""
    from scipy import sparse

    pair_of: dict[tuple[int, object], int] = {}
    flat_sources = [src if src is not None else ("text", n) for n, src in
                    enumerate(x for group in sources for x in group)]
    pairs = [pair_of.setdefault((theme, src), len(pair_of)) for theme, src in zip(rows, flat_sources)]
    to_pair = sparse.csr_matrix((np.ones(len(pairs)), (pairs, range(len(pairs)))), shape=(len(pair_of), len(pairs)))
    used = ((to_pair @ (counts > 0).astype(np.float64)) > 0).astype(np.float64)
    theme_of_pair = [theme for theme, _ in pair_of]
    to_theme = sparse.csr_matrix((np.ones(len(pair_of)), (theme_of_pair, range(len(pair_of)))),
                                 shape=(n_themes, len(pair_of)))
    return np.asarray((to_theme @ used).todense()), np.bincount(theme_of_pair, minlength=n_themes)


def _top_terms(terms, scores, spread, n_sources: int, n_terms: int) -> list[str]:
    chosen: list[tuple[str, ...]] = []
    names: list[str] = []
    need = 2 if n_sources > 1 else 1
    for j in np.lexsort((terms, -scores)):
        term = str(terms[j])
        if spread[j] < need or scores[j] <= 0:
            continue
        stems = tuple(_stem(w) for w in term.split())
        if any(_contains(" ".join(stems), " ".join(c)) or _contains(" ".join(c), " ".join(stems)) for c in chosen):
            continue
        chosen.append(stems)
        names.append(term)
        if len(names) == n_terms:
            break
    return names


def _stem(word: str) -> str:
    """Just enough stemming to see that "interface" and "interfaces", "testing" and "test" are one term."""
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _contains(longer: str, shorter: str) -> bool:
    return f" {shorter} " in f" {longer} "


def name_themes(themes: list[Theme], items: list[Item], vectors: np.ndarray, only: Iterable[Theme] | None = None) -> None:
    """Name themes by a central member's title, with their distinctive terms (all themes take part in the IDF)."""
    row = {item.vid: i for i, item in enumerate(items)}
    texts, weights, sources, orders = [], [], [], []
    for theme in themes:
        sims = vectors[[row[m.vid] for m in theme.members]] @ theme.centroid
        nearest = np.argsort(-sims, kind="stable")[:NAME_DOCS]
        texts.append([theme.members[i].text for i in nearest])
        weights.append([float(sims[i]) for i in nearest])
        sources.append([theme.members[i].project_id for i in nearest])
        orders.append(nearest)
    wanted = {id(t) for t in (only if only is not None else themes)}
    for theme, terms, nearest in zip(themes, name_terms(texts, weights, sources), orders):
        if id(theme) in wanted and not theme.renamed:
            theme.terms = terms
            theme.name = phrase_name([theme.members[i] for i in nearest[:NAME_CANDIDATES]], terms)


def phrase_name(central: Sequence[Item], terms: Sequence[str]) -> str:
    """The title, among `central` (nearest the centre first), that uses most of `terms`, shortened.

    Lessons before risks (a risk's title says what *may* happen), titles without project codes or
    figures before those with them (they name one project's case, not the theme)."""
    if not central:
        return " · ".join(terms)
    stems = [{_stem(w) for w in term.split()} for term in terms]

    def rank(pair):
        n, item = pair
        words = {_stem(w) for w in re.findall(r"[a-z][a-z-]+", item.title.lower())}
        used = sum(term <= words for term in stems)
        return (item.kind != "lesson", bool(_PROJECT_CODE.search(item.title)), -used, n)

    best = min(enumerate(central), key=rank)[1]
    return shorten(best.title) or " · ".join(terms)


def shorten(title: str, words: int = NAME_WORDS) -> str:
    """The first clause of a title, at most `words` words, without the closing full stop.

    A clause still too long is cut at its last comma within `words` words, else after `words` words with "…"."""
    if has_han(title):
        return _shorten_chinese(title)
    clause = re.split(r"\s*(?:;|:|—|–|\s-\s|\.\s)\s*", title.strip(), maxsplit=1)[0]
    if len(clause.split()) < 3:  # "Stop: …" or "Note — …": the first clause says too little
        clause = title.strip()
    parts = clause.split()
    if len(parts) > words:
        commas = [n for n, w in enumerate(parts[:words], 1) if w.endswith(",") and n >= 3]
        if commas:
            parts, cut = parts[:commas[-1]], False
        else:
            parts, cut = parts[:words], True
            while len(parts) > 3 and parts[-1].lower().strip(",") in _DANGLING:
                parts.pop()
    else:
        cut = False
    text = " ".join(parts).rstrip(" .,;:") + ("…" if cut else "")
    return text[:1].upper() + text[1:]


CHINESE_NAME_CHARS = 20
"""A Chinese name longer than this is cut (with "…"): about as long to read as `NAME_WORDS` words."""


def _shorten_chinese(title: str) -> str:
    """The first clause of a Chinese title (up to its first '，' or '；'), at most `CHINESE_NAME_CHARS` characters."""
    clause = re.split(r"[，；：。]", title.strip(), maxsplit=1)[0]
    if len(clause) < 4:
        clause = title.strip()
    return clause if len(clause) <= CHINESE_NAME_CHARS else clause[:CHINESE_NAME_CHARS].rstrip("，、 ") + "…"
