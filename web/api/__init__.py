"""The JSON API: every route under /api lives in this package, one module per
subject (OpenAPI at /openapi.json, reference at /docs). Lists are paginated with
limit/offset and report their total; errors are {"ok": false, "error", "status"}."""

from __future__ import annotations

from fastapi import APIRouter

from web.api import documents, ingest, insights, items, kickoff, projects, search, status

router = APIRouter(prefix="/api")
# Insights first: the order of the OpenAPI paths, and so of /docs, stays as it was.
for module in (insights, search, items, projects, status, documents, ingest, kickoff):
    router.include_router(module.router)
