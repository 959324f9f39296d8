"""POST /api/ingest: upload files; the same path into the store as the ingest page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from web.deps import ServicesDep
from web.schemas import FileReportOut
from web.uploads import ingest_uploads, read_uploads

router = APIRouter(tags=["api"])


@router.post("/ingest", response_model=list[FileReportOut])
def api_ingest(services: ServicesDep, files: Annotated[list[UploadFile | str], File()] = []):
    """Upload files (multipart, field `files`, repeatable); one report per file, in order.
    A rejected file is reported with its reason; nothing of it is stored."""
    batch = read_uploads(files, services.settings.max_upload_mb * 1024 * 1024)
    return list(ingest_uploads(services, batch))
