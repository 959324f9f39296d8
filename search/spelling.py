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

import functools
import re

from kb.embedding import english_words
from search.facets import detect
from search.index import Snapshot
from search.text import stem, words

MIN_LETTERS = 5


def corrections(snap: Snapshot, query: str, weights: dict[str, float],
                facet_rules: list | None = None) -> dict[str, tuple[str, str, str]]:
    """For each content word (weight 1.0) of `query` the knowledge base does not hold, the word it holds
    that it is most likely a misspelling of, when there is one: {stem held nowhere: (the word as typed,
    the word searched instead, its stem)}. With `facet_rules` (`search.facets.detect`'s extra rules), a
    word that names a facet counts as held: "helthcare" is healthcare, an industry."""
    out = {}
    if not _english_enough(query):
        return out  # "Quels ont été les problèmes…", "Was ging schief?": not English words misspelt
    for word in dict.fromkeys(words(query)):
        term = stem(word)
        if weights.get(term) == 1.0 and term not in snap.vocab and term not in out and _correctable(word):
            nearest = _nearest(snap, word, facet_rules)
            if nearest is not None and nearest[1] not in weights:
                out[term] = (word, *nearest)
    return out


def respelt(query: str, fixes: dict[str, tuple[str, str, str]]) -> str:
    """`query` with each misspelt word written as the word it is searched as."""
    for typed, searched, _stem in fixes.values():
        query = re.sub(rf"(?<![^\W\d_]){re.escape(typed)}(?![^\W\d_])", searched, query, flags=re.IGNORECASE)
    return query


def _english_enough(query: str) -> bool:
    """Whether `query` may be English: not two words with accented letters (one may be a name: "Nestlé",
    "Zürich") and not two of the small words of French, German, Dutch, Spanish, Portuguese or Italian. A question
    in another language is not a misspelt English one ("Quels" is not "fuels")."""
    accented = [w for w in query.split() if re.search(r"[À-ɏ]", w)]
    return len(accented) < 2 and len(_FOREIGN & set(words(query))) < 2


_FOREIGN = frozenset("""les des une est ont sont pour dans avec sur qui pas aux lors quels quelles
der die das und ist bei mit nicht wie ein eine auf von fur wurde wurden welche gibt
het een van voor bij niet zijn werd welke wat waren ging gingen
los las por con para una del como que fue han
os em com uma dos das foram quais nos
il che per della sono gli nel""".split())


def _correctable(word: str) -> bool:
    return len(word) >= MIN_LETTERS and word.isascii() and word.isalpha() and not is_english(word) \
        and not _derived(word)


_PREFIXES = ("re", "pre", "un", "de", "dis", "mis", "over", "under", "out", "co", "sub", "inter", "multi", "non",
             "post", "self", "cross", "up", "down", "back", "front", "off", "on", "in")
_SUFFIXES = ("age", "ity", "ness", "ment", "able", "ible", "ers", "er", "ors", "or", "ise", "ize", "ist", "ism",
             "al", "ly", "ful", "less", "ship", "ward", "wise", "ed", "ing", "s", "put", "end", "line", "time")


def _derived(word: str) -> bool:
    """Whether `word` is made of English words or of one and a common prefix or suffix: "throughput", "backend",
    "linkage", "parity", "retries", "preset", "installers", "lagged". Such a word is a word the model's short
    list lacks, not a misspelling ("throughput" is not "throughout", "backend" not "backed")."""
    for i in range(2, len(word) - 1):
        head, tail = word[:i], word[i:]
        head_ok = is_english(head) and len(head) >= 4 or head in _PREFIXES  # not "bud" + "jet" for "budjet"
        tail_ok = is_english(tail) and (len(tail) >= 4 or head in _PREFIXES) or tail in _SUFFIXES
        doubled = head[-1] == tail[0]  # "train" + "ning" is "training" with an n typed twice
        if head_ok and tail_ok and (is_english(head) or is_english(tail)) and not doubled:
            return True
        # an e dropped before a suffix ("schedulers", "approvers"), or a short vowel's consonant doubled ("lagged",
        # not "trainning")
        if tail in _SUFFIXES and tail[:1] in "aeiou" and (
                is_english(head + "e") or (len(head) > 3 and head[-1] == head[-2] and is_english(head[:-1])
                                           and re.search(r"(?:^|[^aeiou])[aeiou][^aeiouwxy]$", head[:-1]))):
            return True
    return False


def warm() -> None:
    """Build the word forms now (about 0.1 s) rather than at the first misspelt question."""
    _english_forms()
    _variant_forms()


@functools.cache
def _variant_forms() -> frozenset[str]:
    """The words a misspelling may be corrected to: the listed words, their plurals and British spellings. Not the
    other forms `is_english` accepts, which are made blindly ("approveds", "halfed", "sended" are none)."""
    forms = set()
    for listed in english_words():
        for word in (listed, *_british(listed)):
            forms.add(word)
            if word.endswith("y") and word[-2:-1] not in "aeiou":
                forms.add(word[:-1] + "ies")  # dependency → dependencies
            elif word.endswith("s") and not word.endswith("ss"):
                forms.add(word[:-1])  # stakeholders → stakeholder
            elif not word.endswith(("ed", "ing", "ly")):
                forms.add(word + "s")
    return frozenset(forms)


def is_english(word: str) -> bool:
    """Whether `word` is an English word: in the model's list, or an inflection or British spelling of one
    ("migrations", "stakeholder", "materialised": the list holds "migration", "stakeholders", "materialized")."""
    return word in _english_forms()


@functools.cache
def _english_forms() -> frozenset[str]:
    forms = set()
    for listed in english_words():
        for word in (listed, *_british(listed)):
            forms.update((word, word + "s", word + "es", word + "ed", word + "ing"))
            if word.endswith("e"):
                forms.update((word + "d", word[:-1] + "ing"))
            elif word.endswith("y"):
                forms.update((word[:-1] + "ies", word[:-1] + "ied"))
            elif word.endswith("s"):
                forms.add(word[:-1])
            elif word.endswith("l") and word[-2:-1] in "aeiou":
                forms.update((word + "led", word + "ling"))
    return frozenset(forms)


def _british(word: str) -> list[str]:
    """The British spellings of an American one: organize → organise, organization → organisation,
    analyze → analyse, behavior → behaviour, center → centre, catalog → catalogue."""
    out = []
    for american, british, endings in (("iz", "is", ("e", "ed", "es", "ing", "ation", "ations", "er", "ers")),
                                       ("yz", "ys", ("e", "ed", "es", "ing"))):
        at = word.rfind(american)
        if at > 0 and word[at + 2:] in endings:
            out.append(word[:at] + british + word[at + 2:])
    if word.endswith("or") and len(word) > 4 and word[-3] not in "aeiou":
        out.append(word[:-2] + "our")
    if word.endswith("ter") and len(word) > 4:
        out.append(word[:-3] + "tre")
    if word.endswith("log"):
        out.append(word + "ue")
    return out


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _one_edit_away(word: str) -> set[str]:
    """Every word one edit from `word`: a letter dropped, two neighbours swapped, one changed or added."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
            | {a + c + b for a, b in splits for c in _LETTERS})


def _nearest(snap: Snapshot, word: str, facet_rules: list | None) -> tuple[str, str] | None:
    """(the word one edit from `word` whose stem the index holds, that stem), the commonest when several
    are: "migartion" → (migration, migrat); failing that, a word one edit away that names a facet."""
    held, facet_words = {}, []
    # most of the word, not "knitting" → unit(ting); "migartions" → migrat(ions)
    least = max(MIN_LETTERS - 1, len(word) - 3 - next((len(end) for end in ("ing", "ed", "es", "s")
                                                       if word.endswith(end)), 0))
    for variant in sorted(_one_edit_away(word) & _variant_forms()):
        if variant[0] != word[0]:
            continue  # a misspelling rarely changes the first letter; "schief" is not "chief"
        term = stem(variant)
        if len(term) < least:
            continue
        if term in snap.vocab:
            held.setdefault(term, variant)
        elif facet_rules is not None and detect(variant, facet_rules).facets:  # a filter no text says
            facet_words.append((variant, term))
    if not held:
        return facet_words[0] if facet_words else None
    term = min(held, key=lambda t: (float(snap.idf[snap.vocab[t]]), t))
    return held[term], term
