"""How many themes, and which item goes in which: spherical k-means with k chosen by silhouette.

Deterministic (fixed seed). Silhouette is quadratic, so k is chosen on a sample
of at most `SAMPLE` items; above that the final k-means starts from the
sample's centres, so 50,000 lessons take seconds, not hours (agglomerative
clustering would need a 50,000² distance matrix).
"""

from __future__ import annotations

import math

import numpy as np

MAX_THEMES = 40
SAMPLE = 2000
"""Items used to choose the number of themes (silhouette is quadratic in this)."""


def k_candidates(n: int, max_themes: int = MAX_THEMES) -> list[int]:
    """Numbers of themes to try: 2 up to the rule-of-thumb √(n/2), at most `max_themes`.

    Silhouette alone keeps rising with k on short texts (smaller clusters are always tighter), so the
    rule of thumb bounds it; within the bound silhouette picks."""
    top = max(2, min(max_themes, round(math.sqrt(n / 2)), n - 1))
    grid = {k for k in (2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 20, 25, 30, 35, 40, 50, 60) if k < top}
    return sorted(grid | {top})


def cluster(vectors: np.ndarray, *, max_themes: int = MAX_THEMES, seed: int = 0) -> np.ndarray:
    """A theme label per row of unit `vectors` (spherical k-means, k by silhouette)."""
    from sklearn.cluster import KMeans

    n = len(vectors)
    if n < 4:
        return np.arange(n)
    k, centres = choose_k(vectors, max_themes=max_themes, seed=seed)
    if n <= SAMPLE:
        return KMeans(n_clusters=k, n_init=4, random_state=seed).fit(vectors).labels_
    # Large: start from the centres found on the sample; a few Lloyd passes over everything finish the job.
    return KMeans(n_clusters=k, init=centres, n_init=1, max_iter=50, random_state=seed).fit(vectors).labels_


def cluster_by_language(vectors: np.ndarray, languages: list[str | None], *, max_themes: int = MAX_THEMES,
                        seed: int = 0) -> np.ndarray:
    """A theme label per row, each language clustered on its own with its own number of themes, so no
    theme mixes languages. Texts of one language sit close together in a model trained mostly on
    another, so clustering them all at once splits by language first (the demo's 8 Chinese projects
    made k = 2: one English theme, one Chinese); and adding a document in one language leaves the
    themes of the others as they were. A text without letters counts as English."""
    labels = np.zeros(len(vectors), dtype=np.int64)
    offset = 0
    for language in sorted({lang or "en" for lang in languages}):
        rows = np.array([n for n, lang in enumerate(languages) if (lang or "en") == language], dtype=np.int64)
        part = vectors[rows]
        # Only the columns this language uses (`search.failures.Readings.by_language` puts each model
        # in columns of its own): the clustering of one language is then exactly what it was alone.
        part = part[:, np.flatnonzero(np.abs(part).sum(axis=0) > 0)] if len(part) else part
        labels[rows] = cluster(part, max_themes=max_themes, seed=seed) + offset
        offset = int(labels[rows].max()) + 1
    return labels


def choose_k(vectors: np.ndarray, *, max_themes: int = MAX_THEMES, seed: int = 0) -> tuple[int, np.ndarray]:
    """The number of themes with the best cosine silhouette on a sample, and that fit's centres."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    rng = np.random.RandomState(seed)
    sample = vectors if len(vectors) <= SAMPLE else vectors[np.sort(rng.choice(len(vectors), SAMPLE, replace=False))]
    distances = np.clip(1.0 - sample @ sample.T, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    best = (-2.0, 2, None)
    n_init = 4 if len(sample) <= 1000 else 1  # restarts are cheap on small samples and steady the choice
    for k in k_candidates(len(sample), max_themes):
        model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(sample)
        if len(set(model.labels_)) < 2:
            continue
        score = silhouette_score(distances, model.labels_, metric="precomputed")
        if score > best[0] + 1e-9:
            best = (score, k, model.cluster_centers_)
    return best[1], best[2]
