"""Recurring failure themes: which failures keep coming back.

The "went wrong" lessons and the materialised risks of every project are
grouped by meaning into themes, and each theme is counted by year and by
project type, given a trend, and checked for *repeat failures*.

Algorithm (deterministic: the same data always gives the same themes), one
module per step:

1. `search.failures`: the items are the published lessons with polarity
   "went wrong" and the published risks that materialised, of projects that
   are over (`kb.open_risks.is_active`), in id order. Their vectors are
   the ones SQL records: the main model's for English items, the
   multilingual model's for Chinese ones (`Readings.by_language`); with
   the multilingual model off, Chinese items are left out (`model_reads`).
2. `clustering`: each language apart (`cluster_by_language`), spherical
   k-means (k-means on unit vectors) with a fixed seed. k is the value in a small grid from 2 to √(n/2) (at most
   `max_themes`) with the best cosine silhouette, measured on a sample of at
   most `SAMPLE` items.
3. `naming`: each theme is named by the title of a member near its centre
   (the one using most of its distinctive terms), shortened; its three most
   distinctive terms (class-based TF-IDF over the texts of the members
   nearest its centre) are kept as a secondary line.
4. `replay`: PMO edits (rename, merge, split; recorded by `edits`) are
   replayed in the order they were made, each on the theme that now holds
   most of the members it touched.
5. `report`: counts by year and type, trend and repeat failures, each with
   the earlier lesson closest to that project's failure as its precedent
   (cited only at cosine ≥ `PRECEDENT_THRESHOLD`);
   `DEFINITIONS` (shown on the themes page) is the contract for what the
   numbers mean.
"""

from search.failures import (
    UNTYPED, DatedProject, Item, item_vectors, load_items, load_projects, model_reads, past_projects,
)
from search.themes.clustering import MAX_THEMES, SAMPLE, choose_k, cluster, cluster_by_language, k_candidates
from search.themes.edits import InvalidThemeEdit, merge_themes, rename_theme, split_theme, undo_last_edit
from search.themes.naming import name_terms, phrase_name
from search.themes.replay import apply_overrides
from search.themes.report import (
    DEFINITIONS, METHOD, PRECEDENT_THRESHOLD, Clustering, ThemeNotFound, ThemeReport, compute_clustering,
    compute_themes, describe, repeat_counts, repeat_failures, trend,
)
from search.themes.theme import RepeatFailure, Theme, build_themes, theme_id

__all__ = [
    "UNTYPED", "DatedProject", "Item", "item_vectors", "load_items", "load_projects", "model_reads",
    "past_projects",
    "MAX_THEMES", "SAMPLE", "choose_k", "cluster", "cluster_by_language", "k_candidates",
    "InvalidThemeEdit", "merge_themes", "rename_theme", "split_theme", "undo_last_edit",
    "name_terms", "phrase_name", "apply_overrides",
    "DEFINITIONS", "METHOD", "PRECEDENT_THRESHOLD", "repeat_counts", "Clustering", "ThemeNotFound", "ThemeReport", "compute_clustering", "compute_themes",
    "describe", "repeat_failures", "trend",
    "RepeatFailure", "Theme", "build_themes", "theme_id",
]
