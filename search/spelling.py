"""Misspelt words in a question ("data migartion", "stakeholdr engagment"): a word the knowledge base
holds nowhere is searched as the nearest word it does hold, one edit away (a letter added, dropped,
changed or two swapped), the commonest when several are. Without this the misspelt word matched
nothing, the search leaned on meaning alone, and the question counted as a knowledge gap.

Only misspellings are corrected: words of five letters or more that are neither in the knowledge base
nor English words (the packaged model's word list, `kb.embedding.english_words`), into English words whose
stem the knowledge base holds. "firing" is a word, so it is not searched as "fairing", and a rare word the
knowledge base does hold is searched as it is. Words are compared as `search.text.stem` leaves them, as
the keyword index holds them."""

from __future__ import annotations

from kb.embedding import english_words
from search.index import Snapshot
from search.text import stem, words

MIN_LETTERS = 5


def corrections(snap: Snapshot, query: str, weights: dict[str, float]) -> dict[str, tuple[str, str, str]]:
    """For each content word (weight 1.0) of `query` the knowledge base does not hold, the word it holds
    that it is most likely a misspelling of, when there is one: {stem held nowhere: (the word as typed,
    the word searched instead, its stem)}."""
    out = {}
    for word in dict.fromkeys(words(query)):
        term = stem(word)
        if weights.get(term) == 1.0 and term not in snap.vocab and term not in out and _correctable(word):
            nearest = _nearest(snap, word)
            if nearest is not None and nearest[1] not in weights:
                out[term] = (word, *nearest)
    return out


def corrected(weights: dict[str, float], fixes: dict[str, tuple[str, str, str]]) -> dict[str, float]:
    """The weights with each misspelt word replaced by its correction, in the question's order."""
    return {fixes[term][2] if term in fixes else term: weight for term, weight in weights.items()}


def _correctable(word: str) -> bool:
    return len(word) >= MIN_LETTERS and word.isascii() and word.isalpha() and word not in english_words()


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _one_edit_away(word: str) -> set[str]:
    """Every word one edit from `word`: a letter dropped, two neighbours swapped, one changed or added."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
            | {a + c + b for a, b in splits for c in _LETTERS})


def _nearest(snap: Snapshot, word: str) -> tuple[str, str] | None:
    """(the word one edit from `word` whose stem the index holds, that stem), the commonest when several
    are: "migartion" → (migration, migrat)."""
    held = {}
    words_known = english_words()
    for variant in sorted(_one_edit_away(word) & words_known):
        term = stem(variant)
        if term in snap.vocab and len(term) >= max(MIN_LETTERS - 1, len(word) - 3):  # not "knitting" → unit(ting)
            held.setdefault(term, variant)
    if not held:
        return None
    term = min(held, key=lambda t: (float(snap.idf[snap.vocab[t]]), t))
    return held[term], term
