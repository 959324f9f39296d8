"""Similarity wherever Chinese is involved: the multilingual model's, on the main model's scale.

all-MiniLM-L6-v2 reads English only (two Chinese texts sit at a median cosine of 0.54 on the
demo, whatever they say). For a pair in which either side is Chinese, the similarity comes from
the multilingual model (`KB_MULTILINGUAL_MODEL`, USE multilingual v3) instead, mapped onto the
main model's scale, because every threshold downstream (`DENSE_MATCH`, the near-duplicate
cosines, the calibrated confidence) was read on that scale. An English pair keeps exactly the
main model's cosine.

The maps are linear, read on the demo's 758 English lessons and risks with both models: the
upper quantiles of the two models' cosines over the same pairs lie on a line. A quantile map
keeps the order of the close pairs, which decide rankings, where a regression (slope 0.61)
would squeeze them towards the mean. Questions and items are not alike (a question is short),
so a question's cosines have a map of their own:

- item with item (287k pairs; 75% to 99.99%: USE 0.19, 0.26, 0.31, 0.41, 0.45, 0.57, 0.72
  against MiniLM 0.23, 0.29, 0.34, 0.45, 0.51, 0.65, 0.82): MiniLM = 1.14 * USE - 0.005;
- question with item (the 110 questions of tests/bench/eval_demo.jsonl and eval_nasa_pm.jsonl,
  83k pairs; 75% to 99.9%: USE 0.12, 0.18, 0.21, 0.30, 0.33, 0.42 against MiniLM 0.19, 0.25,
  0.29, 0.39, 0.44, 0.55): MiniLM = 1.20 * USE + 0.039.
"""

from __future__ import annotations

import numpy as np

ITEM_MAP = (1.14, -0.005)
"""(scale, shift) of an item-with-item cosine."""
QUESTION_MAP = (1.20, 0.039)
"""(scale, shift) of a question-with-item cosine."""


def on_main_scale(cosines: np.ndarray, line: tuple[float, float] = ITEM_MAP) -> np.ndarray:
    """Multilingual cosines expressed as the main model's."""
    scale, shift = line
    return (scale * np.asarray(cosines, dtype=np.float32) + shift).astype(np.float32)


def mixed(main: np.ndarray, second: np.ndarray, use_second: np.ndarray,
          line: tuple[float, float] = ITEM_MAP) -> np.ndarray:
    """`main` where `use_second` is False, the mapped `second` where it is True (same shapes)."""
    return np.where(use_second, on_main_scale(second, line), main).astype(np.float32)
