"""Alembic revisions, one file per schema change, named `NNNN_slug.py`; see `kb.migrations`."""
