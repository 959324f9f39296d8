"""Tokens, stems and sentences: the small amount of language handling the
keyword index and the snippets need. No dependency beyond `re`."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

WORD = re.compile(r"[a-z0-9]+(?:[&'][a-z0-9]+)*")
SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")

# Function words only: domain words such as "issue" or "system" carry meaning here.
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before being
below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
during each few for from further had hadn't has hasn't have haven't having he her here hers herself him
himself his how i if in into is isn't it it's its itself just let me more most my myself no nor not of
off on once only or other ought our ours ourselves out over own same she should shouldn't so some such
than that that's the their theirs them themselves then there there's these they this those through to
too under until up upon very was wasn't we were weren't what what's when where which while who whom why
will with won't would wouldn't you your yours yourself yourselves s t via per etc
any anything everything something e g i e
""".split())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light suffix stripper: plurals, -ing, -ed, -ation, -ly. Enough for
    'migrations/migrated/migrating' or 'delays/delayed' to meet; never shortens below 3 letters."""
    w = word[:-2] if word.endswith("'s") else word
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ation", "ing", "ed", "ly", "e"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            # migration -> migrat, like migrated -> migrat
            w = w[: -len(suffix)] + ("at" if suffix == "ation" else "")
            if suffix in ("ing", "ed") and len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # planned -> plan, stopped -> stop
            break
    return w


def words(text: str) -> list[str]:
    """Lower-cased words of `text`, stop words included."""
    return WORD.findall(text.lower())


def tokens(text: str) -> list[str]:
    """Stemmed content words of `text`, in order."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


def term_counts(text: str) -> Counter:
    counts = Counter(w for w in words(text) if w not in STOP_WORDS)
    out: Counter = Counter()
    for word, n in counts.items():
        out[stem(word)] += n
    return out


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.split(text or "") if s and s.strip()]

# Words that frame a question rather than name its topic ("what did past projects learn about ...").
# They still count in ranking, at a lower weight, but do not decide what matches.
QUESTION_WORDS = frozenset("""
past previous prior earlier recent recently lesson lessons learned learnt learn learning show find list give
tell know project projects programme programmes program programs happened happen happens usually typical
typically common commonly often went go goes going get got us our we everything anything things thing
""".split())
