"""Tokens, stems and sentences: the small amount of language handling the
keyword index and the snippets need. English needs nothing beyond `re`;
Chinese, written without spaces, is segmented into words by jieba."""

from __future__ import annotations

import logging
import re
from collections import Counter
from functools import lru_cache

from kb import vocab
from kb.language import HAN, has_han

WORD = re.compile(r"[a-z0-9]+(?:[&'][a-z0-9]+)*")
HAN_RUN = re.compile(f"[{HAN}]+")
SENTENCE = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])|\n+")

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
any anything everything something e g i e non except excluding besides apart
""".split()) | frozenset("""
的 地 得 了 着 过 在 是 和 与 及 或 也 都 就 而 但 被 把 对 从 到 为 以 等 之 其 这 那 此 该 各 有 没 不 很 又 还 并
吗 呢 吧 啊 呀 将 要 会 能 可 一个 一些 我们 他们 你们 我 你 他 她 它 由于 因为 所以 如果 但是 然后 以及 并且 除了 以外 之外 不包括 排除
""".split())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light suffix stripper: plurals, -ing, -ed, -ation, -ly. Enough for
    'migrations/migrated/migrating' or 'delays/delayed' to meet; never shortens below 3 letters."""
    w = word[:-2] if word.endswith("'s") else word
    if len(w) <= 3 or not w.isalpha() or has_han(w):
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
    """Lower-cased words of `text`, stop words included: English words, then Chinese ones."""
    low = text.lower()
    found = WORD.findall(low)
    if has_han(low):  # English text never reaches the segmenter, so it reads exactly as before
        found.extend(chinese_words(low))
    return found


def chinese_words(text: str) -> list[str]:
    """The Chinese words of `text`, segmented by jieba with the PMO vocabulary as a user dictionary.

    Search mode also yields the parts of a long word ('数据迁移' → 数据, 迁移, 数据迁移), so a
    lesson that says '迁移数据' still matches, though less than one that says '数据迁移'; single
    characters that are only grammar (的, 了, 在) are stop words."""
    segmenter = chinese_segmenter()
    out: list[str] = []
    for run in HAN_RUN.findall(text):
        out.extend(w for w in segmenter.cut_for_search(run, HMM=True) if w.strip())
    return out


@lru_cache(maxsize=1)
def chinese_segmenter():
    """A jieba tokenizer of our own (jieba's default one is global state), loaded on first use."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it announces its dictionary loading on stderr otherwise
    segmenter = jieba.Tokenizer()
    for word in pmo_words():
        segmenter.add_word(word)
    return segmenter


def pmo_words() -> list[str]:
    """The Chinese phrases of the PMO vocabulary, so '数据迁移' or '干系人' stay one word."""
    values = (vocab.POLARITIES, vocab.CATEGORIES, vocab.PHASES, vocab.PROJECT_TYPES, vocab.OUTCOMES,
              vocab.RISK_STATUSES)
    return sorted({p for table in values for phrases in table.values() for p in phrases
                   if HAN_RUN.fullmatch(p)})


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
made make did done problem problems issue issues
top main biggest most important sector sectors industry industries vs versus compare compared comparing
comparison should before watch look looking out avoid advice tips anything materialise materialize
""".split()) | frozenset("""
以前 之前 过去 以往 哪些 什么 怎么 如何 有没有 出过 出现过 遇到 项目 经验 教训 经验教训 学到 发生过 相关
问题 做法 好的 我们 上 有 在 方面 主要 最大 应该 注意
""".split())
FRAMING_PHRASES = re.compile(
    r"\b(?:key|major|critical|common|recurring)(?= (?:risks?|lessons?|issues?|problems?|learnings?|"
    r"takeaways?|findings?|points|challenges?|mistakes?|failures?)\b)"
    r"|\bbefore (?:we )?(?:start(?:ing)?|kick(?:ing)?[- ]?off|begin(?:ning)?)\b"
    r"|\b(?:active|ongoing|running|current|in-flight|live)(?= projects?\b)"
    r"|\b(?:kinds?|types?|sorts?)(?= of\b)|(?:(?<=what )|(?<=which ))areas?\b"
    r"|\b(?:new|upcoming|next|future)(?= (?:[\w&/-]+ ){0,2}(?:projects?|programmes?|migrations?|rollouts?"
    r"|implementations?)\b)|\bstart(?:ing)?(?= (?:a|an|the|our) (?:[\w&/-]+ ){0,3}projects?\b)")
"""Words that frame a question only beside others: "key risks" (not "key person"), "before starting" (not "project
start-up problems"), "active projects" (not "an active sponsor")."""
