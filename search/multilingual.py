"""Similarity wherever Chinese is involved: the multilingual model's, on the main model's scale.

all-MiniLM-L6-v2 reads English only (two Chinese texts sit at a median cosine of 0.54 on the
demo, whatever they say). For a pair in which either side is Chinese, the similarity comes from
the multilingual model (`KB_MULTILINGUAL_MODEL`, USE multilingual v3) instead, mapped onto the
main model's scale, because every threshold downstream (`DENSE_MATCH`, the near-duplicate
cosines, the calibrated confidence) was read on that scale. An English pair keeps exactly the
main model's cosine.

The map is linear, read on the demo (758 English lessons and risks, 287k pairs, both models):
the upper quantiles of the two models' cosines over the same pairs (75% to 99.99%: USE 0.19,
0.26, 0.31, 0.41, 0.45, 0.57, 0.72 against MiniLM 0.23, 0.29, 0.34, 0.45, 0.51, 0.65, 0.82)
lie on MiniLM = 1.14 * USE - 0.005. A quantile map keeps the order of the close pairs, which
decide rankings, where a regression (slope 0.61) would squeeze them towards the mean.
"""

from __future__ import annotations

import numpy as np

USE_SCALE = 1.14
USE_SHIFT = -0.005


def on_main_scale(cosines: np.ndarray) -> np.ndarray:
    """Multilingual cosines expressed as the main model's."""
    return (USE_SCALE * np.asarray(cosines, dtype=np.float32) + USE_SHIFT).astype(np.float32)


def mixed(main: np.ndarray, second: np.ndarray, use_second: np.ndarray) -> np.ndarray:
    """`main` where `use_second` is False, the mapped `second` where it is True (same shapes)."""
    return np.where(use_second, on_main_scale(second), main).astype(np.float32)
