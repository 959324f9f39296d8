"""POST /api/ingest hands its files to the upload queue's worker, which ingests at a lower OS
priority than the requests, and replies once the batch is done and searchable; searches made
meanwhile are answered without waiting for it."""

from __future__ import annotations

import os
import sys
import threading
import time

from fastapi.testclient import TestClient

from kb.priority import BACKGROUND_NICE

RETRO = ("X-1_retrospective.md", b"---\nkind: retrospective\ncode: X-1\n---\n# Retro\n\n"
                                 b"## Went well\n\n- Daily triage cleared the defects quickly.\n")


def upload_in_thread(client: TestClient) -> tuple[threading.Thread, dict]:
    out: dict = {}
    thread = threading.Thread(target=lambda: out.setdefault("reply", client.post("/api/ingest", files=[("files", RETRO)])),
                              daemon=True)
    thread.start()
    return thread, out


def test_an_api_upload_is_ingested_by_the_lower_priority_worker_and_searchable_at_once(client: TestClient):
    client.get("/api/search", params={"q": "vendor"})  # the index is loaded before the upload
    reports = client.post("/api/ingest", files=[("files", RETRO), ("files", ("notes.txt", b"words"))]).json()
    assert [r["outcome"] for r in reports] == ["ingested", "rejected"] and reports[0]["lessons"] == 1
    jobs = client.app.state.jobs
    assert jobs.recent(1)[0].names == ["X-1_retrospective.md", "notes.txt"]  # the same queue as the upload page
    if sys.platform.startswith("linux"):
        assert jobs.worker_nice == min(os.getpriority(os.PRIO_PROCESS, 0) + BACKGROUND_NICE, 19)
    hits = client.get("/api/search", params={"q": "daily triage cleared the defects"}).json()["hits"]
    assert hits and hits[0]["title"].startswith("Daily triage cleared the defects")


def test_searches_are_answered_while_an_api_upload_waits_for_the_queue(client: TestClient):
    client.get("/api/search", params={"q": "vendor"})
    jobs = client.app.state.jobs
    jobs.pause()
    thread, out = upload_in_thread(client)
    try:
        time.sleep(0.5)
        assert "reply" not in out  # the upload waits for its batch
        start = time.monotonic()
        assert client.get("/api/search", params={"q": "daily triage"}).status_code == 200
        assert client.get("/search", params={"q": "vendor"}).status_code == 200
        assert time.monotonic() - start < 20
    finally:
        jobs.unpause()
    thread.join(60)
    assert [r["outcome"] for r in out["reply"].json()] == ["ingested"]


def test_an_api_upload_cut_short_by_a_stop_says_it_is_queued_for_the_next_start(client: TestClient):
    jobs = client.app.state.jobs
    jobs.pause()
    thread, out = upload_in_thread(client)
    for _ in range(100):  # until the batch is queued on disk
        if jobs.recent(1):
            break
        time.sleep(0.05)
    jobs.close()
    thread.join(30)
    reply = out["reply"]
    assert reply.status_code == 503
    job = jobs.recent(1)[0]
    assert f"queued as batch {job.id}" in reply.json()["error"] and not job.finished
    assert (jobs.queue_dir / job.id / "job.json").exists()  # the next start ingests it
