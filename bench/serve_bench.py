"""Load test of the served site: gunicorn as `make run` starts it, many clients on the loopback.

    .venv/bin/python bench/serve_bench.py [--clients 50] [--duration 60] [--skip-restart]
                                          [--skip-reindex] [--port 8790]

1. starts gunicorn with portal/gunicorn.conf.py on 127.0.0.1 (DEBUG off, plain HTTP) against the
   development database, with the per-client rate limits switched off (every client here shares
   the loopback address, so the limits would answer 429 to the crowd by design);
2. after an untimed warm-up (10 s, 5 clients), ``--clients`` threads for ``--duration`` seconds, each request drawn from a fixed mix: home,
   policy list, a policy page, search page, API list, API detail, API search (queries from
   fixtures/eval/dev_queries.json); prints requests/s, p50/p95/p99 and every non-2xx status;
3. restarts the database in the middle of a shorter run: counts the 503s (JSON on the API) and
   checks that the site answers 200 again by itself, without restarting gunicorn;
4. runs ``manage.py reindex`` during a run of API searches and counts failed searches.

Not a test: it prints numbers, loopback only, bounded in time. The machine is shared, so the
figures move with whatever else runs on it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port(preferred: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage_json(code: str) -> object:
    out = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "shell", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def request_mix() -> list[tuple[str, str]]:
    slugs = manage_json(
        "import json; from policies.models import Policy; "
        "print(json.dumps(list(Policy.objects.real().values_list('slug', flat=True))))"
    )
    queries = [
        q["q"] for q in json.loads((ROOT / "fixtures/eval/dev_queries.json").read_text())["queries"]
    ]
    mix: list[tuple[str, str]] = [
        ("home", "/"),
        ("list", "/policies/"),
        ("api-list", "/api/v1/policies"),
    ]
    for slug in slugs:
        mix += [("detail", f"/policies/{slug}/"), ("api-detail", f"/api/v1/policies/{slug}")]
    for query in queries:
        mix += [
            ("search", f"/search/?q={quote(query)}"),
            ("api-search", f"/api/v1/search?q={quote(query)}"),
        ]
    return mix


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: Counter[str] = Counter()
        self.bad: Counter[str] = Counter()

    def add(self, kind: str, status: int, seconds: float, content_type: str) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[str(status)] += 1
            if not 200 <= status < 300:
                self.bad[f"{kind} {status} {content_type.split(';')[0]}"] += 1


def fetch(port: int, path: str, timeout: float = 30) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "identity"})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def crowd(port: int, mix, clients: int, seconds: float, recorder: Recorder) -> float:
    stop = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop:
            kind, path = rng.choice(mix)
            # "{n}" makes a URL unique, so it cannot be answered from the response cache.
            path = path.replace("{n}", str(rng.randint(0, 9_999)))
            started = time.perf_counter()
            try:
                status, content_type, _ = fetch(port, path)
            except (OSError, http.client.HTTPException):
                status, content_type = 599, "connection error"
            recorder.add(kind, status, time.perf_counter() - started, content_type)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else 0


def report(title: str, recorder: Recorder, elapsed: float) -> str:
    lat = sorted(recorder.latencies)
    total = len(lat)
    line = (
        f"{title}: {total} requests in {elapsed:.1f} s = {total / elapsed:.0f} req/s, "
        f"p50 {percentile(lat, 50) * 1000:.0f} ms, p95 {percentile(lat, 95) * 1000:.0f} ms, "
        f"p99 {percentile(lat, 99) * 1000:.0f} ms, errors {sum(recorder.bad.values())}"
    )
    print(line)
    for key, count in recorder.bad.most_common(10):
        print(f"    {count} × {key}")
    return line


def wait_up(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if fetch(port, "/api/v1/bodies", timeout=5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not come up")


def restart_database_phase(port: int, mix) -> str:
    recorder = Recorder()
    result: dict = {}

    def restart() -> None:
        time.sleep(5)
        subprocess.run(
            ["bash", str(ROOT / "scripts/pg.sh"), "stop"], check=True, capture_output=True
        )
        time.sleep(3)
        subprocess.run(
            ["bash", str(ROOT / "scripts/pg.sh"), "start"], check=True, capture_output=True
        )
        result["back"] = time.monotonic()

    restarter = threading.Thread(target=restart)
    restarter.start()
    # Uncached work while the database is away: API calls with a fresh offset each time.
    uncached = [
        ("api-list", "/api/v1/policies?offset={n}"),
        ("api-bodies", "/api/v1/bodies?offset={n}"),
        *[(kind, path + "&offset={n}") for kind, path in mix if kind == "api-search"],
        *[(kind, path + "?p={n}") for kind, path in mix if kind == "detail"],
    ]
    elapsed = crowd(port, uncached, 10, 20, recorder)
    restarter.join()
    line = report("database restarted mid-load", recorder, elapsed)
    kinds = Counter(key.split()[1] + " " + key.split()[2] for key in recorder.bad.elements())
    print(f"    statuses while down: {dict(kinds)} (503 expected; any other is a failure)")
    fresh = fetch(port, f"/api/v1/search?q={quote('数据')}&offset={random.randint(1, 999)}")
    print(f"    after restart (uncached search): HTTP {fresh[0]}")
    return line + f" | non-2xx: {dict(kinds)} | after: {fresh[0]}"


def reindex_phase(port: int, mix) -> str:
    recorder = Recorder()
    # Fresh offsets so the answers come from the database, not the response cache.
    searches = [(k, p + "&offset={n}") for k, p in mix if k == "api-search"]
    reindex = subprocess.Popen(
        [PYTHON, str(ROOT / "manage.py"), "reindex"], cwd=ROOT, stdout=subprocess.DEVNULL
    )
    started = time.monotonic()
    elapsed = 0.0
    while reindex.poll() is None:
        elapsed += crowd(port, searches, 5, 3, recorder)
    took = time.monotonic() - started
    line = report(
        f"searches during manage.py reindex ({took:.0f} s, rc {reindex.returncode})",
        recorder,
        max(elapsed, 0.1),
    )
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--skip-restart", action="store_true")
    parser.add_argument("--skip-reindex", action="store_true")
    args = parser.parse_args()

    port = free_port(args.port)
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_RATELIMIT_API": "0",
        "DJANGO_RATELIMIT_SEARCH": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    mix = request_mix()
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "-c", "portal/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_up(port)
        print(f"gunicorn on 127.0.0.1:{port}, {os.cpu_count()} cores, {len(mix)} distinct URLs")
        # Warm-up, untimed: each URL once, so the timed run measures the steady state (the
        # response cache filled, every worker's search dictionary loaded).
        warm = Recorder()
        report("warm-up (untimed)", warm, crowd(port, mix, 5, 10, warm))
        lines = [
            report(
                f"{args.clients} clients × {args.duration:.0f} s",
                recorder := Recorder(),
                crowd(port, mix, args.clients, args.duration, recorder),
            )
        ]
        if not args.skip_restart:
            lines.append(restart_database_phase(port, mix))
        if not args.skip_reindex:
            lines.append(reindex_phase(port, mix))
        print("SUMMARY " + " || ".join(lines))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
