"""Which lesson or risk of a new document version is which of the old one.

People edit their reports between uploads: they insert a row at the top of a
register (every row number moves), fix a typo in a title, rename a heading.
None of that makes a lesson a new one, and treating it as new would throw away
the PMO's tag corrections and the "helpful" and "applied" feedback attached to
it. Items are matched in passes, each stricter evidence first, one-to-one:

1. the external id (a register's Lesson ID or Risk ID column);
2. the identity as ingested: section or row, and title;
3. the title alone (a row that moved, a heading that was renamed);
4. the body text alone (a title that was reworded);
5. meaning: the embedding cosine of the whole text, at or above `SAME_ITEM_COSINE`.

What is left unmatched on the new side is new; on the old side, removed.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from kb.texts import match_key

SAME_ITEM_COSINE = 0.80
"""Two versions of one item at least this close in meaning are the same item.

Measured with all-MiniLM-L6-v2 on the 737 items of the demo corpus
(`python -m tests.bench.identity_threshold`): the closest two *different*
items of one document reach 0.765 at most, while 95% of items with a letter
dropped from the title and 97% with an eighth of their words replaced stay
at or above 0.80 (their medians are 0.95). Most of the rest keep an unchanged
title or body, which the text passes match first."""

_BODY = {"lesson": ("what_happened", "cause", "impact", "recommendation"),
         "risk": ("description", "cause", "effect", "response")}


def match_items(old: Sequence, drafts: Sequence, draft_vectors: np.ndarray,
                old_vectors: Callable[[list[int]], dict[int, np.ndarray]]) -> list:
    """For each draft, the old row it is a new version of, or None. `old_vectors`
    is called only when the text passes leave something unmatched."""
    matches: list = [None] * len(drafts)
    free = list(old)
    for key in (_external_id, _ingested_identity, _title, _body):
        _match_by(key, drafts, free, matches)
    todo = [i for i, m in enumerate(matches) if m is None]
    if todo and free and len(draft_vectors):
        _match_by_meaning(todo, drafts, draft_vectors, free, matches, old_vectors)
    return matches


def shared_by_text(old: Sequence, drafts: Sequence) -> int:
    """How many drafts have the title or the body of an item of `old` (passes 3 and 4, one-to-one):
    enough to tell that a file under a new name repeats a stored document. Ids and rows are each
    document's own (every register starts at R-01), so across documents only the words count."""
    matches: list = [None] * len(drafts)
    free = list(old)
    for key in (_title, _body):
        _match_by(key, drafts, free, matches)
    return sum(m is not None for m in matches)


def _match_by(key: Callable, drafts: Sequence, free: list, matches: list) -> None:
    """One-to-one on a key; a key shared by several items on either side proves nothing."""
    olds: dict[str, list] = {}
    for row in free:
        for k in key(row, old=True):
            olds.setdefault(k, []).append(row)
    news: dict[str, list[int]] = {}
    for i, draft in enumerate(drafts):
        if matches[i] is None:
            for k in key(draft, old=False):
                news.setdefault(k, []).append(i)
    for k, idx in news.items():
        rows = [r for r in olds.get(k, ()) if _is_free(r, free)]
        if len(idx) == 1 and len(rows) == 1 and matches[idx[0]] is None:
            matches[idx[0]] = rows[0]
            _take(rows[0], free)


def _match_by_meaning(todo: list[int], drafts: Sequence, draft_vectors: np.ndarray, free: list, matches: list,
                      old_vectors: Callable[[list[int]], dict[int, np.ndarray]]) -> None:
    stored = old_vectors([row.id for row in free])
    rows = [row for row in free if row.id in stored]
    if not rows:
        return
    old_matrix = np.stack([stored[row.id] for row in rows])
    sims = np.asarray(draft_vectors[todo], dtype=np.float32) @ old_matrix.T
    for flat in np.argsort(-sims, axis=None):  # greedy, closest pair first
        i, j = divmod(int(flat), len(rows))
        if sims[i, j] < SAME_ITEM_COSINE:
            break
        if matches[todo[i]] is None and _is_free(rows[j], free):
            matches[todo[i]] = rows[j]
            _take(rows[j], free)


def _is_free(row, free: list) -> bool:
    return any(row is other for other in free)  # rows compare by identity, not by field values


def _take(row, free: list) -> None:
    free[:] = [other for other in free if other is not row]


def _external_id(item, *, old: bool) -> list[str]:
    return [f"x:{item.external_id}"] if item.external_id else []


def _ingested_identity(item, *, old: bool) -> list[str]:
    if old and item.origin_key:
        return [item.origin_key]
    return [f"t:{item.source_location or ''}|{match_key(item.title)}"]


def _title(item, *, old: bool) -> list[str]:
    titles = {match_key(item.title)}
    if old and item.origin_key and item.origin_key.startswith("t:"):
        titles.add(item.origin_key.partition("|")[2])  # the title as ingested, before a PMO correction
    return [t for t in titles if t]


def _body(item, *, old: bool) -> list[str]:
    fields = _BODY["risk" if hasattr(item, "description") else "lesson"]
    text = match_key(" ".join(getattr(item, f) or "" for f in fields))
    return [text] if len(text) >= 20 else []  # a few words are too common to prove anything
