"""Ground floor of Lessons KB: domain models, storage and embedding.

Nothing here imports `ingest`, `search`, `web` or `cli`.
"""
