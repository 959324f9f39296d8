"""Queued uploads wait on disk: a restart resumes them, and a file that cannot be resumed is reported as not stored.

A restart is a new app built on the same data directory after the first one stopped
with its worker paused, so the batch was still queued."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import FIXTURES, build_client
from web.jobs import KEEP_JOBS, KEEP_SECONDS, JobRunner
from web.schemas import FileReportOut

REPORT = "WEB-ERP-2022_closure-report.md"
FILES = sorted(p.name for p in FIXTURES.iterdir() if p.is_file())


@pytest.fixture(autouse=True)
def no_inline_wait(monkeypatch):
    """The upload page waits a moment for small batches; with a paused worker that is only slower."""
    monkeypatch.setattr("web.routes.ingest.INLINE_WAIT_SECONDS", 0.0)


def queue_paused(data_dir: Path, names: list[str]) -> str:
    """Upload `names` from the fixtures with the worker paused, stop the app, and return the job id."""
    with build_client(data_dir) as client:
        client.app.state.jobs.pause()
        files = [("files", (name, (FIXTURES / name).read_bytes())) for name in names]
        response = client.post("/ingest", files=files, follow_redirects=False)
        assert response.status_code == 303
        page = client.get(response.headers["location"]).text
        assert "Ingesting 1 of" in page and "Upload results" not in page
        assert client.get("/api/documents").json()["items"] == []
    return response.headers["location"].rsplit("/", 1)[-1]


def manifest_path(data_dir: Path, job_id: str) -> Path:
    return data_dir / "queue" / job_id / "job.json"


def finished_page(client: TestClient, job_id: str) -> str:
    for _ in range(200):
        html = client.get(f"/ingest/jobs/{job_id}").text
        if "Upload results" in html:
            return html
        time.sleep(0.05)
    raise AssertionError("the resumed batch did not finish")


def stored_names(client: TestClient) -> list[str]:
    return sorted(d["source_name"] for d in client.get("/api/documents").json()["items"])


def test_a_queued_batch_is_on_disk_before_the_upload_returns(tmp_path: Path):
    job_id = queue_paused(tmp_path / "data", FILES)
    manifest = json.loads(manifest_path(tmp_path / "data", job_id).read_text())
    assert [f["name"] for f in manifest["files"]] == FILES and manifest["state"] == "queued"
    for entry in manifest["files"]:
        stored = tmp_path / "data" / "queue" / job_id / entry["stored"]
        assert stored.read_bytes() == (FIXTURES / entry["name"]).read_bytes() and entry["report"] is None
    assert not list((tmp_path / "data" / "queue").glob("*.part"))


def test_a_restart_resumes_the_queued_batch_and_keeps_its_report(tmp_path: Path):
    data_dir = tmp_path / "data"
    job_id = queue_paused(data_dir, FILES)
    with build_client(data_dir) as client:
        html = finished_page(client, job_id)
        assert html.count('class="badge outcome-ingested">ingested') == len(FILES)
        assert stored_names(client) == FILES
        assert f'href="/ingest/jobs/{job_id}"' in client.get("/ingest").text
    assert not list(manifest_path(data_dir, job_id).parent.glob("*.upload"))  # copies dropped once stored
    with build_client(data_dir) as client:  # and the report page outlives one more restart
        html = client.get(f"/ingest/jobs/{job_id}").text
        assert "Upload results" in html and html.count('class="badge outcome-ingested">ingested') == len(FILES)


def test_a_crash_after_some_files_were_reported_resumes_only_the_rest(tmp_path: Path):
    data_dir = tmp_path / "data"
    job_id = queue_paused(data_dir, FILES)
    # What the worker leaves when killed after its first file: that file's report, the rest not.
    path = manifest_path(data_dir, job_id)
    manifest = json.loads(path.read_text())
    first = manifest["files"][0]
    first["report"] = FileReportOut(name=first["name"], outcome="ingested", lessons=97).model_dump()
    manifest["state"] = "running"
    path.write_text(json.dumps(manifest))
    with build_client(data_dir) as client:
        html = finished_page(client, job_id)
        assert stored_names(client) == FILES[1:]  # the first was not ingested again
        assert '<td class="num" data-label="Lessons:">97</td>' in html
        assert html.count('class="badge outcome-ingested">ingested') == len(FILES)


def test_a_file_missing_from_the_queue_is_reported_as_not_stored(tmp_path: Path):
    data_dir = tmp_path / "data"
    job_id = queue_paused(data_dir, FILES)
    manifest = json.loads(manifest_path(data_dir, job_id).read_text())
    lost = manifest["files"][0]
    (manifest_path(data_dir, job_id).parent / lost["stored"]).unlink()
    with build_client(data_dir) as client:
        html = finished_page(client, job_id)
        assert stored_names(client) == FILES[1:]
        assert f"Not stored: its uploaded copy (queue/{job_id}/{lost['stored']}" in html
        assert "is missing. Upload it again." in html
        reports = json.loads(manifest_path(data_dir, job_id).read_text())["files"]
        assert reports[0]["report"]["outcome"] == "rejected" and "Not stored" in reports[0]["report"]["reason"]


def test_a_file_over_the_limit_is_not_kept_and_is_rejected_with_the_limit(tmp_path: Path):
    with build_client(tmp_path / "data") as client:
        client.app.state.services.settings.max_upload_mb = 0
        response = client.post("/ingest", files=[("files", (REPORT, (FIXTURES / REPORT).read_bytes()))])
        html = finished_page(client, response.url.path.rsplit("/", 1)[-1])
        assert 'outcome-rejected">rejected' in html and "KB_MAX_UPLOAD_MB" in html
        assert stored_names(client) == []


@pytest.mark.parametrize("path", ["/ingest", "/api/ingest"])
def test_an_upload_that_cannot_be_saved_says_so_and_queues_nothing(client: TestClient, monkeypatch, path):
    import errno

    from web.jobs import Batch

    real_add = Batch.add

    def disk_full_on_second(self, name, source, max_bytes):
        if self.names:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_add(self, name, source, max_bytes)

    monkeypatch.setattr(Batch, "add", disk_full_on_second)
    files = [("files", (name, (FIXTURES / name).read_bytes())) for name in FILES]
    response = client.post(path, files=files, follow_redirects=False)
    assert response.status_code == 503
    assert "No space left on device" in response.text and "Free some disk space, then upload again" in response.text
    queue_dir = client.app.state.jobs.queue_dir
    assert list(queue_dir.iterdir()) == [] and client.app.state.jobs.recent() == []


def test_old_finished_batches_are_cleaned_up_and_unfinished_ones_kept(tmp_path: Path):
    queue_dir = tmp_path / "queue"
    now = time.time()
    write_job(queue_dir, "stale", created=now - KEEP_SECONDS - 60, state="done")
    write_job(queue_dir, "stale-but-queued", created=now - KEEP_SECONDS - 30, state="queued")
    recent = [f"recent{n:03d}" for n in range(KEEP_JOBS + 2)]
    for n, job_id in enumerate(recent):
        write_job(queue_dir, job_id, created=now - 3600 + n, state="done")
    (queue_dir / "cut-off.part").mkdir()  # an upload interrupted before it was queued

    runner = JobRunner(queue_dir, run=ingest_all, report_of=lambda d: FileReportOut(**d))
    resumed = runner.resume()
    assert [j.id for j in resumed] == ["stale-but-queued"]
    assert resumed[0].finished_event.wait(10) and resumed[0].state == "done"
    kept = {p.name for p in queue_dir.iterdir()}
    assert kept == {"stale-but-queued", *recent[3:]}  # the oldest finished ones go once it finishes
    assert runner.get("recent001") is None and runner.get("stale") is None
    assert runner.get(recent[-1]).reports[0].outcome == "unchanged"
    runner.close()


def test_a_batch_that_stops_says_which_files_were_not_stored(tmp_path: Path):
    def breaks_after_one(entries, *, start, progress_for, project=None, only_project=False):
        yield FileReportOut(name=entries[start][0], outcome="ingested")
        raise RuntimeError("database is locked")

    queue_dir = tmp_path / "queue"
    write_job(queue_dir, "job1", created=time.time(), state="queued", names=("a.md", "b.md", "c.md"))
    runner = JobRunner(queue_dir, run=breaks_after_one, report_of=lambda d: FileReportOut(**d))
    job = runner.resume()[0]
    assert job.finished_event.wait(10) and job.state == "failed" and "database is locked" in job.error
    reasons = [r.reason for r in runner.get("job1").reports]
    assert reasons[0] is None
    assert all(r.startswith("Not stored: the batch stopped before it (database is locked)") for r in reasons[1:])
    on_disk = json.loads((queue_dir / "job1" / "job.json").read_text())
    assert on_disk["state"] == "failed"
    assert [f["report"]["outcome"] for f in on_disk["files"]] == ["ingested", "rejected", "rejected"]
    runner.close()


def test_a_job_id_cannot_reach_outside_the_queue(tmp_path: Path):
    write_job(tmp_path, "queue", created=time.time(), state="done")  # a manifest at queue/job.json
    runner = JobRunner(tmp_path / "queue", run=ingest_all, report_of=lambda d: FileReportOut(**d))
    assert runner.get("..") is None and runner.get("../queue") is None
    assert runner.get("queue") is None  # no job of that name inside the queue


def test_a_batch_another_server_process_is_running_is_left_to_it(tmp_path: Path):
    fcntl = pytest.importorskip("fcntl")
    queue_dir = tmp_path / "queue"
    write_job(queue_dir, "theirs", created=time.time(), state="running", names=("a.md", "b.md"))
    write_job(queue_dir, "ours", created=time.time() + 1, state="queued")
    with open(queue_dir / "theirs" / ".lock", "a") as held:  # as the other process holds it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        runner = JobRunner(queue_dir, run=ingest_all, report_of=lambda d: FileReportOut(**d))
        theirs, ours = runner.resume()
        assert ours.finished_event.wait(10)
        assert not theirs.finished_event.is_set() and runner.get("theirs").reports == []
        assert json.loads((queue_dir / "theirs" / "job.json").read_text())["state"] == "running"
    runner.close()


def test_a_batch_finished_by_another_process_meanwhile_is_not_run_again(tmp_path: Path):
    queue_dir = tmp_path / "queue"
    write_job(queue_dir, "job1", created=time.time(), state="queued", names=("a.md", "b.md"))
    runner = JobRunner(queue_dir, run=ingest_all, report_of=lambda d: FileReportOut(**d))
    runner.pause()
    job = runner.resume()[0]
    write_job(queue_dir, "job1", created=job.created, state="done", names=("a.md", "b.md"), replace=True)
    runner.unpause()
    assert job.finished_event.wait(10) and job.state == "done"
    assert [r.outcome for r in job.reports] == ["unchanged"]  # the other process's report, not a second run
    runner.close()


def ingest_all(entries, *, start, progress_for, project=None, only_project=False):
    for name, _ in entries[start:]:
        yield FileReportOut(name=name, outcome="unchanged")


def write_job(queue_dir: Path, job_id: str, *, created: float, state: str, names: tuple[str, ...] = ("a.md",),
              replace: bool = False) -> None:
    """A manifest as the runner writes it; a finished batch has its first file reported."""
    folder = queue_dir / job_id
    folder.mkdir(parents=True, exist_ok=replace)
    report = {"name": names[0], "outcome": "unchanged"} if state == "done" else None
    files = [{"name": name, "stored": None, "report": report if n == 0 else None} for n, name in enumerate(names)]
    (folder / "job.json").write_text(json.dumps({"id": job_id, "created": created, "state": state, "files": files}))


def test_a_project_managers_queued_batch_stays_confined_to_their_project_after_a_restart(tmp_path: Path):
    from kb.access import Audience, Role
    from tests.accounts import acting_as

    data_dir, pam = tmp_path / "data", Audience(user="pam", role=Role.PM)
    log = (b"Lesson ID,Project Code,Title,Event,Recommendations\n"
           b"LL-1,PAM-Q-2027,Book rooms early,Rooms ran out.,Book at kickoff.\n"
           b"LL-2,OTH-Q-2027,Other project's lesson,Something else.,Do better.\n")
    with build_client(data_dir) as client, acting_as(client, pam):
        client.app.state.jobs.pause()
        response = client.post("/ingest", files=[("files", ("log.csv", log))], data={"project": "PAM-Q-2027"},
                               follow_redirects=False)
        assert response.status_code == 303
    job_id = response.headers["location"].rsplit("/", 1)[-1]
    assert json.loads(manifest_path(data_dir, job_id).read_text())["only_project"] is True
    with build_client(data_dir) as client:
        html = finished_page(client, job_id)
        assert "other projects (OTH-Q-2027)" in html and stored_names(client) == []
