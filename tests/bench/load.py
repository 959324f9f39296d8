"""Load run for `make bench`: locust users search and browse `kb serve` on
loopback while a bulk ingest runs through `POST /api/ingest`.

    python -m tests.bench.load                 # 50 users, 60 s, 0.1-0.5 s between loops (stress)
    python -m tests.bench.load --think 1-5     # 50 users who read each page for 1-5 s
    python -m tests.bench.load --think 1-5 --in-step   # ... all asking at the same first instant
    python -m tests.bench.load --quick         # 15 s
    python -m tests.bench.load --users 20 --seconds 30 --json out.json
    python -m tests.bench.load --copy-of /tmp/demo-store   # runs compared side by side

The demo corpus is ingested into a temporary data directory first (`kb ingest`;
with `--copy-of DIR`, into DIR once, then each run starts from a copy of it).
Each user starts at a random moment of its first pause, as independent people arrive (with
`--in-step`, all at once: a burst of one request per user, which this run's steady state never
sees again), then loops: a search (half of them questions never asked before, built
from the demo's vocabulary, so the query embedding is not cached), then a search
page, a project page or a lesson page, then waits `--think` seconds (a random
time in the range). Reported: requests, throughput, p50/p95/p99 (overall, while the ingest
ran and after it, and p95 of each 10 s), errors, the
server's CPU time per request, documents before/after (every accepted upload
stored once) and the exit status of `kb doctor`.

Runs in its own process: locust patches the standard library for gevent.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
from locust import HttpUser, between, task  # noqa: E402
from locust.env import Environment  # noqa: E402

from tests.accounts import cli_token  # noqa: E402
from tests.processes import free_port, kb_env  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo"
TOPICS = ("vendor", "testing", "data migration", "scope", "budget", "training", "cutover", "stakeholder",
          "requirements", "integration", "contract", "go-live", "resourcing", "security", "reporting",
          "schedule", "change management", "licences", "performance", "governance")
FORMS = ("what went wrong with {a}", "lessons about {a} and {b}", "how did {a} affect {b}", "{a} delays",
         "risks of {a} in {b}", "{a} problems on ERP projects", "avoid {a} issues", "{a} {b} {c}")
KNOWN = ("vendor delays", "data migration testing", "scope creep", "training users", "budget overrun")


AUTH: dict[str, str] = {}
"""The Authorization header every request sends, set once the store exists."""


STRESS = (0.1, 0.5)
"""Seconds between a user's loops by default: about 250 requests/s of demand from 50 users, a stress test.
A person reading the page they opened pauses longer (`--think 1-5`)."""


class Browser(HttpUser):
    """One PMO member: a search, then a page, then a pause (`think`)."""

    wait_time = between(*STRESS)
    think_max = STRESS[1]
    projects: list[int] = []
    lessons: list[int] = []

    in_step = False
    """Whether every user starts at the same instant (`--in-step`) rather than at a random moment of its first pause."""

    def on_start(self) -> None:
        self.client.headers.update(AUTH)
        if not self.in_step:
            # People who each read for 1-5 s are never in step: at any moment some are reading, some
            # asking. All fifty asking at the same instant is a burst (fifty requests at once on two
            # cores) that this run's steady state never sees again; `--in-step` measures it.
            gevent.sleep(random.uniform(0, self.think_max))

    @task
    def search_then_browse(self) -> None:
        question = new_question() if random.random() < 0.5 else random.choice(KNOWN)
        self.client.get("/api/search", params={"q": question, "limit": 10}, name="/api/search")
        page = random.random()
        if page < 1 / 3:
            self.client.get("/search", params={"q": random.choice(KNOWN)}, name="/search")
        elif page < 2 / 3 and self.projects:
            self.client.get(f"/projects/{random.choice(self.projects)}", name="/projects/[id]")
        elif self.lessons:
            self.client.get(f"/lessons/{random.choice(self.lessons)}", name="/lessons/[id]")


def new_question() -> str:
    a, b, c = random.sample(TOPICS, 3)
    return random.choice(FORMS).format(a=a, b=b, c=c) + f" {random.randint(1, 10**6)}"


# --- the server ---------------------------------------------------------------

def kb(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], env=env, cwd=ROOT, **kwargs)


def demo_store(data_dir: Path) -> None:
    print(f"load: ingesting the demo corpus into {data_dir} ...", flush=True)
    kb(["ingest", str(DEMO)], kb_env(data_dir), check=True, stdout=subprocess.DEVNULL)


def start_server(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/api/search", params={"q": "warm up"}, headers=AUTH, timeout=60).ok:
                return server
        except requests.ConnectionError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError(f"kb serve did not answer within 180 s: {server.stderr.read()[-2000:]}")


def server_cpu(pid: int) -> float:
    """CPU seconds the server process has used so far (all its threads, ingest included): on a shared
    machine its CPU time per request says more than wall-clock latency."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def profile(pid: int, seconds: int, out: Path) -> subprocess.Popen:
    """py-spy sampling the server for the run, idle threads left out, as collapsed stacks (one line a stack)."""
    return subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "50",
                             "--format", "raw", "--output", str(out), "--threads"], stdout=subprocess.DEVNULL)


def ids(url: str, path: str, key: str = "items") -> list[int]:
    rows = requests.get(f"{url}{path}", params={"limit": 100}, headers=AUTH, timeout=30).json()[key]
    return [row["id"] for row in rows]


def document_count(url: str) -> int:
    return requests.get(f"{url}/api/documents", params={"limit": 1}, headers=AUTH, timeout=30).json()["total"]


# --- the bulk ingest -----------------------------------------------------------

def new_documents() -> list[tuple[str, bytes]]:
    """Every Markdown report of the demo as a new project (new code and name), so each is a new document."""
    out = []
    for n, path in enumerate(sorted(DEMO.glob("*/*.md"))):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^code: (.+)$", rf"code: LOAD{n}-\1", text, count=1, flags=re.M)
        text = re.sub(r"^project: (.+)$", rf"project: \1 (load run {n})", text, count=1, flags=re.M)
        out.append((f"LOAD{n}-{path.name}", text.encode()))
    return out


def bulk_ingest(url: str, stats: dict, stop_at: float) -> None:
    """Uploads the new documents one by one; `stats["_finished"]` is when the last was stored."""
    try:
        _bulk_ingest(url, stats, stop_at)
    finally:
        stats["_finished"] = time.monotonic()


def _bulk_ingest(url: str, stats: dict, stop_at: float) -> None:
    for name, data in new_documents():
        if time.monotonic() > stop_at:
            break
        try:
            reply = requests.post(f"{url}/api/ingest", files=[("files", (name, data))], headers=AUTH, timeout=300)
            outcomes = [r["outcome"] for r in reply.json()] if reply.ok else [f"HTTP {reply.status_code}"]
        except requests.RequestException as exc:
            outcomes = [type(exc).__name__]
        for outcome in outcomes:
            stats[outcome] = stats.get(outcome, 0) + 1


# --- the run ------------------------------------------------------------------------

def run(users: int, seconds: int, think: tuple[float, float] = STRESS, copy_of: Path | None = None,
        py_spy: Path | None = None, in_step: bool = False) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="kb-load-")) / "data"
    env = kb_env(data_dir)
    if copy_of is not None:  # runs compared side by side start from the same store, ingested once
        if not copy_of.exists():
            demo_store(copy_of)
        shutil.copytree(copy_of, data_dir)
    else:
        demo_store(data_dir)
    Browser.wait_time, Browser.think_max, Browser.in_step = between(*think), think[1], in_step
    AUTH["Authorization"] = f"Bearer {cli_token(env, ROOT)}"  # a PMO admin's token, made as a script would
    port = free_port()
    server = start_server(env, port)
    url = f"http://127.0.0.1:{port}"
    try:
        Browser.projects, Browser.lessons = ids(url, "/api/projects"), ids(url, "/api/search?q=project", "hits")
        before, cpu = document_count(url), server_cpu(server.pid)
        spy = profile(server.pid, seconds, py_spy) if py_spy else None
        result = drive(url, users, seconds)
        if spy is not None:
            spy.wait(60)
        result["server_cpu_ms_per_request"] = round(1000 * (server_cpu(server.pid) - cpu) / max(result["requests"], 1), 1)
        result["documents_before"], result["documents_after"] = before, document_count(url)
    finally:
        server.terminate()
        server.wait(30)
    doctor = kb(["doctor"], env, capture_output=True, text=True)
    result["doctor_exit"], result["doctor_tail"] = doctor.returncode, (doctor.stdout + doctor.stderr)[-600:]
    stored = result["ingest"].get("ingested", 0)
    result["lost_or_duplicated"] = result["documents_after"] - result["documents_before"] - stored
    result["think_s"], result["in_step"] = list(think), in_step
    return result


def drive(url: str, users: int, seconds: int) -> dict:
    env = Environment(user_classes=[Browser], host=url)
    runner = env.create_local_runner()
    ingest: dict[str, int] = {}
    samples: list[tuple[float, float]] = []  # (when it ended, its time in ms) of every request

    def record(response_time, **_kwargs) -> None:
        samples.append((time.monotonic(), response_time))
    env.events.request.add_listener(record)
    start = time.monotonic()
    runner.start(users, spawn_rate=users)
    uploader = gevent.spawn(bulk_ingest, url, ingest, start + seconds)
    while time.monotonic() - start < seconds:
        gevent.sleep(5)
        total, elapsed = env.stats.total, time.monotonic() - start
        print(f"load: {elapsed:4.0f} s  {total.num_requests} requests  {total.num_failures} errors  "
              f"p95 {total.get_response_time_percentile(0.95):.0f} ms  uploads "
              f"{ {k: v for k, v in ingest.items() if not k.startswith('_')} }", flush=True)
    runner.quit()
    uploader.join(timeout=300)
    finished = ingest.pop("_finished", time.monotonic())
    total = env.stats.total
    return {
        "users": users, "seconds": round(time.monotonic() - start, 1), "requests": total.num_requests,
        "throughput_rps": round(total.num_requests / seconds, 1), "errors": total.num_failures,
        "p50_ms": total.get_response_time_percentile(0.50), "p95_ms": total.get_response_time_percentile(0.95),
        "p99_ms": total.get_response_time_percentile(0.99), "ingest": ingest,
        "by_endpoint": {name: {"requests": s.num_requests, "errors": s.num_failures,
                               "p95_ms": s.get_response_time_percentile(0.95)}
                        for (name, _method), s in env.stats.entries.items()},
        "failures": [f"{e.method} {e.name}: {e.error} x{e.occurrences}" for e in env.stats.errors.values()][:10],
        "ingest_seconds": round(min(finished, start + seconds) - start, 1),
        "while_ingesting": spread([ms for when, ms in samples if when <= finished]),
        "after_ingest": spread([ms for when, ms in samples if when > finished]),
        "p95_each_10s": [spread([ms for when, ms in samples if lo <= when - start < lo + 10])["p95_ms"]
                         for lo in range(0, seconds, 10)],
    }


def spread(ms: list[float]) -> dict:
    """Requests, p50 and p95 of some of the run's requests (nearest rank)."""
    ms = sorted(ms)
    at = lambda q: round(ms[min(int(q * len(ms)), len(ms) - 1)]) if ms else None  # noqa: E731
    return {"requests": len(ms), "p50_ms": at(0.50), "p95_ms": at(0.95)}


def rows(result: dict) -> list[tuple[str, str, str, str]]:
    """The load section of the `make bench` table, one per think time."""
    lo, hi = result.get("think_s", STRESS)
    load = f"load, {lo:g}-{hi:g} s think" + (" (stress)" if (lo, hi) == STRESS else "") + \
        (", in step" if result.get("in_step") else "")
    return [(load, *row[1:]) for row in _rows(result)]


def _rows(result: dict) -> list[tuple[str, str, str, str]]:
    return [
        ("load", "concurrent users", str(result["users"]), f"{result['seconds']:.0f} s, bulk ingest through the API"),
        ("load", "requests", str(result["requests"]), f"{result['throughput_rps']} req/s"),
        ("load", "server CPU per request", f"{result['server_cpu_ms_per_request']} ms", "ingest included"),
        ("load", "latency p50 / p95 / p99", f"{result['p50_ms']:.0f} / {result['p95_ms']:.0f} / {result['p99_ms']:.0f} ms",
         "goal: p95 under 300 ms"),
        ("load", "p50 / p95 while ingesting | after", " | ".join(
            f"{part['p50_ms']} / {part['p95_ms']} ms" if part["requests"] else "-"
            for part in (result["while_ingesting"], result["after_ingest"])),
         f"the bulk ingest ran {result['ingest_seconds']:.0f} s"),
        ("load", "p95 each 10 s", " | ".join(str(ms) if ms is not None else "-" for ms in result["p95_each_10s"]),
         "all users started at once" if result["in_step"] else "users started at random moments of a first pause"),
        ("load", "errors", str(result["errors"]), "goal: 0"),
        ("load", "documents before / after", f"{result['documents_before']} / {result['documents_after']}",
         f"uploads {result['ingest']}"),
        ("load", "lost or duplicated documents", str(result["lost_or_duplicated"]), "goal: 0"),
        ("load", "kb doctor", "clean" if result["doctor_exit"] == 0 else f"exit {result['doctor_exit']}", ""),
    ]


def think_range(text: str) -> tuple[float, float]:
    """'1-5' -> (1.0, 5.0): the range a user's pause is drawn from."""
    try:
        lo, hi = (float(part) for part in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give the pause as MIN-MAX seconds, e.g. 1-5") from None
    if not 0 <= lo <= hi:
        raise argparse.ArgumentTypeError(f"{text!r}: MIN must be at least 0 and at most MAX, e.g. 1-5")
    return lo, hi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="15 s instead of --seconds")
    parser.add_argument("--think", type=think_range, default=STRESS, metavar="MIN-MAX",
                        help="seconds each user waits between loops, e.g. 1-5 (default 0.1-0.5: a stress test)")
    parser.add_argument("--in-step", action="store_true",
                        help="start every user at the same instant (a burst of --users requests at once) instead of "
                             "at a random moment of its first pause, as independent people arrive")
    parser.add_argument("--json", type=Path, help="also write the result here")
    parser.add_argument("--py-spy", type=Path, help="sample the server with py-spy during the run, into this file")
    parser.add_argument("--copy-of", type=Path, help="start from a copy of this data directory (the demo already "
                                                     "ingested, e.g. by an earlier run) instead of ingesting the demo")
    args = parser.parse_args()
    result = run(args.users, 15 if args.quick else args.seconds, args.think, args.copy_of, args.py_spy, args.in_step)
    for _section, name, value, note in rows(result):
        print(f"load   {name:30} {value:>22}  {note}")
    if result["failures"]:
        print("failures:", *result["failures"], sep="\n  ")
    if args.json:  # `make bench` (tests/bench/run.py) reads the rows from here
        args.json.write_text(json.dumps(result | {"rows": rows(result)}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
