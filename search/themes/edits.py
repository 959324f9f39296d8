"""Recording the PMO's edits to the themes: rename, merge, split, and undo of the last edit.

Each edit is stored as a `ThemeOverride` row holding what identifies the
themes it touched, so `search.themes.replay` can apply it again after the
themes are recomputed.
"""

from __future__ import annotations

from typing import Sequence

from sqlmodel import select

from kb.errors import KBError
from kb.i18n import _
from kb.models import ThemeOverride
from search.themes.report import compute_clustering, compute_themes
from search.themes.theme import Theme, centroid


def rename_theme(kb, theme_id: str, name: str) -> ThemeOverride:
    name = (name or "").strip()
    if not name:
        raise InvalidThemeEdit(_("Give the theme a name."))
    theme = compute_themes(kb).get(theme_id)
    return _record(kb, "rename", {"theme": theme.ref(), "name": name[:200]})


def merge_themes(kb, theme_ids: Sequence[str], name: str | None = None) -> ThemeOverride:
    ids = list(dict.fromkeys(theme_ids))
    if len(ids) < 2:
        raise InvalidThemeEdit(_("Pick at least two themes to merge."))
    report = compute_themes(kb)
    refs = [report.get(t).ref() for t in ids]
    return _record(kb, "merge", {"themes": refs, "name": (name or "").strip()[:200] or None})


def split_theme(kb, theme_id: str, member_vids: Sequence[str] | None = None,
                names: Sequence[str | None] = (None, None)) -> ThemeOverride:
    """Split out `member_vids` (e.g. "lesson-12") into a new theme; without them, split in two by meaning."""
    report = compute_themes(kb)
    theme = report.get(theme_id)
    if len(theme.members) < 2:
        raise InvalidThemeEdit("A theme with one lesson cannot be split.")
    vids = [m.vid for m in theme.members]
    moved = [v for v in (member_vids or []) if v in set(vids)]
    if member_vids and not moved:
        raise InvalidThemeEdit(_("None of the selected lessons belong to this theme."))
    if not moved:
        moved = _auto_split(theme, kb)
    if len(moved) == len(vids):
        raise InvalidThemeEdit(_("Leave at least one lesson in the original theme."))
    keep = [v for v in vids if v not in set(moved)]
    base = compute_clustering(kb)
    row = {i.vid: n for n, i in enumerate(base.items)}
    centroids = [[round(float(x), 4) for x in centroid(base.vectors[[row[v] for v in part]])] for part in (keep, moved)]
    payload = {"theme": theme.ref(), "parts": [keep, moved], "centroids": centroids,
               "names": [(n or "").strip()[:200] or None for n in list(names)[:2]]}
    return _record(kb, "split", payload)


def _auto_split(theme: Theme, kb) -> list[str]:
    base = compute_clustering(kb)
    row = {i.vid: n for n, i in enumerate(base.items)}
    vectors = base.vectors[[row[m.vid] for m in theme.members]]
    from sklearn.cluster import KMeans

    labels = KMeans(n_clusters=2, n_init=4, random_state=0).fit(vectors).labels_
    # The part without the theme's anchor moves, so the theme keeps its id.
    anchor_label = labels[0]
    return [m.vid for m, label in zip(theme.members, labels) if label != anchor_label]


def undo_last_edit(kb) -> ThemeOverride | None:
    with kb.session() as session:
        last = session.exec(select(ThemeOverride).order_by(ThemeOverride.id.desc())).first()
        if last is not None:
            session.delete(last)
            session.commit()
        return last


def _record(kb, action: str, payload: dict) -> ThemeOverride:
    with kb.session() as session:
        row = ThemeOverride(action=action, payload=payload)
        session.add(row)
        session.commit()
        return row


class InvalidThemeEdit(KBError):
    """A rename, merge or split that cannot be done as asked."""
