"""Search benchmark: index build throughput and query latency at scale, against baselines.

    .venv/bin/python bench/search_bench.py [--provisions 200000] [--seed 7] [--repeat 5]

Works in its own database (``policykb_bench`` on the same server, dropped and re-created each
run), so the development database is never touched:

1. migrate it and load the five real documents (``load_policies``);
2. build a synthetic corpus from the real provisions — thousands of generated policies whose
   provisions recombine real sentences (seeded, so every run builds the same corpus);
3. rebuild the search index (``search.indexing.rebuild_index``) and report provisions/s;
4. run a fixed query mix (single term, multi-term, phrase, out-of-vocabulary substring, filtered,
   no-hit) through ``search.query.search`` — the same call the API makes — and report
   p50/p95/p99;
5. the same mix against two baselines on the same data: a plain ``ILIKE`` scan in PostgreSQL and
   an in-memory BM25 over jieba search-mode tokens (inverted index, built and timed here);
6. print one summary line with ratios.

Not a test: it prints numbers. Takes a few minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import platform
import random
import re
import resource
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

BENCH_DB = os.environ.get("BENCH_DATABASE", "policykb_bench")

# (category, query, filters)
QUERY_MIX: list[tuple[str, str, dict]] = [
    ("single", "区块链", {}),
    ("single", "可信数据空间", {}),
    ("single", "人工智能", {}),
    ("single", "数据要素", {}),
    ("single", "数据", {}),
    ("multi", "医疗 数据 共享", {}),
    ("multi", "金融 风险", {}),
    ("multi", "数据安全 保障 体系", {}),
    ("phrase", '"高质量数据集"', {}),
    ("phrase", '"数据产业规模"', {}),
    ("oov", "教科人一体化", {}),
    ("oov", "智改数转", {}),
    ("oov", "C2M", {}),
    ("oov", "15%", {}),
    ("filtered", "区块链", {"type": "规划"}),
    ("filtered", "数据 共享", {"year_from": 2024}),
    ("nohit", "量子鸽子飞艇", {}),
    ("nohit", "zzqqxx", {}),
]


def every_match_scored(q: str, filters: dict):
    """The page when no candidate stage restricts the scoring (the match set is ranked in full)."""
    from search.query import SearchParams, rank, search

    pool = rank.CANDIDATES
    rank.CANDIDATES = 10**9  # no match set is larger: every one is scored
    try:
        return search(SearchParams(q=q, limit=10, **filters))
    finally:
        rank.CANDIDATES = pool


def agrees(page, exact) -> tuple[int, int, float]:
    """(hits of ``page`` whose score one of ``exact``'s hits has — each counted once —, how
    many hits ``exact`` has, the sum of ``page``'s scores over ``exact``'s)."""
    wanted = Counter(round(h.score, 4) for h in exact.items)
    got = Counter(round(h.score, 4) for h in page.items)
    same = sum((wanted & got).values())
    total = sum(h.score for h in exact.items)
    return same, len(exact.items), (sum(h.score for h in page.items) / total if total else 1.0)


def agreement(compared: list[tuple[int, int, float]]) -> tuple[int, int, float, str]:
    """:func:`agrees` over a query mix: (hits of the same score, hits, mean share, the line)."""
    same, of = sum(c[0] for c in compared), sum(c[1] for c in compared)
    share = statistics.mean(c[2] for c in compared)
    line = f"against every match scored: {same} of {of} hits of the same score, {share:.1%} of the score (mean)"
    return same, of, share, line


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def stats(ms: list[float]) -> str:
    return (
        f"p50 {percentile(ms, 50):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms  "
        f"p99 {percentile(ms, 99):7.1f} ms"
    )


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.machine()} {os.cpu_count()} CPU ({cpu}){mem}, Python {platform.python_version()}"


def server_cpu_seconds() -> float | None:
    """CPU seconds used so far by the local cluster (``.pgdata``): the postmaster, its exited
    children (reaped into its own counters) and the live ones. None for another server."""
    try:
        postmaster = int((ROOT / ".pgdata" / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def fields(pid: int) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    try:
        own = fields(postmaster)
        total = sum(int(x) for x in own[11:15])  # utime, stime, cutime, cstime
        for child in Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split():
            try:
                total += sum(int(x) for x in fields(int(child))[11:13])
            except OSError:
                pass  # exited meanwhile: already counted in the postmaster's cutime
    except OSError:
        return None
    return total / tick


def recreate_database() -> None:
    import psycopg

    from portal.settings import DATABASES

    db = DATABASES["default"]
    if db["NAME"] == BENCH_DB:
        raise SystemExit("refusing: the development database is configured as the bench database")
    conninfo = {
        k: v
        for k, v in {
            "dbname": db["NAME"],
            "user": db["USER"],
            "host": db["HOST"],
            "port": db["PORT"],
            "password": db.get("PASSWORD"),
        }.items()
        if v
    }
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(
            f"CREATE DATABASE \"{BENCH_DB}\" TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        )


def setup_django() -> None:
    import portal.settings as project_settings

    project_settings.DATABASES["default"] = {
        **project_settings.DATABASES["default"],
        "NAME": BENCH_DB,
    }
    import django

    django.setup()


_SENTENCE_RE = re.compile(r"[^。；！？]+[。；！？]?")


def build_corpus(target: int, seed: int) -> tuple[int, int]:
    """Generated policies and provisions from the real ones; returns (policies, provisions)."""
    from django.db import connection, transaction

    from policies.models import IssuingBody, Policy, PolicyBody, Provision

    rng = random.Random(seed)
    real = list(Provision.objects.exclude(text="").values_list("heading", "text"))
    headings = [h for h, _ in real if h] or ["条款"]
    sentences = [s.strip() for _, t in real for s in _SENTENCE_RE.findall(t) if len(s.strip()) > 4]
    policies = list(Policy.objects.real().values_list("title", "doc_type", "status"))
    body_ids = list(IssuingBody.objects.values_list("pk", flat=True))
    per_policy = 50
    n_policies = math.ceil(target / per_policy)
    with transaction.atomic():
        new_policies = []
        for i in range(n_policies):
            title, doc_type, status = rng.choice(policies)
            year = rng.randint(2015, 2026)
            new_policies.append(
                Policy(
                    slug=f"bench-{i:06d}",
                    title=f"{title}（{year}年第{i}号）",
                    doc_type=doc_type,
                    status=status,
                    issued_on=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                )
            )
        created = Policy.objects.bulk_create(new_policies, batch_size=2000)
        links = []
        for policy in created:
            for order, body_id in enumerate(
                rng.sample(body_ids, k=min(len(body_ids), rng.randint(1, 3)))
            ):
                links.append(PolicyBody(policy_id=policy.pk, body_id=body_id, order=order))
        PolicyBody.objects.bulk_create(links, batch_size=5000)
        columns = '"policy_id", "kind", "num", "heading", "text", "order", "depth", "eid", "rows"'
        count = 0
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY policies_provision ({columns}) FROM STDIN") as copy,
        ):
            for policy in created:
                for order in range(per_policy):
                    if count >= target:
                        break
                    text = "".join(rng.choice(sentences) for _ in range(rng.randint(1, 4)))
                    heading = rng.choice(headings) if rng.random() < 0.4 else ""
                    copy.write_row(
                        (
                            policy.pk,
                            "paragraph",
                            "",
                            heading[:300],
                            text,
                            order,
                            0,
                            f"para_{order + 1}",
                            "[]",  # COPY does not apply the model's default (no table rows)
                        )
                    )
                    count += 1
    with connection.cursor() as cursor:
        # Settled as a corpus loaded over time is: else autovacuum takes up the 200k new
        # provisions while the index build that follows is timed.
        cursor.execute("VACUUM (ANALYZE)")
    return len(created), count


def timed(fn, repeat: int, *, warm_up: bool = True) -> tuple[list[float], object]:
    times, result = [], None
    if warm_up:
        fn()
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def ilike_baseline(q: str, filters: dict):
    """What a plain LIKE-based search does: every term ILIKE'd over the text, newest first."""
    from django.db import connection

    terms = [t.strip('"') for t in q.split() if t.strip('"')]
    where = " AND ".join(["(p.heading ILIKE %s OR p.text ILIKE %s)"] * len(terms))
    args: list = []
    for t in terms:
        pat = "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        args += [pat, pat]
    if filters.get("type"):
        where += " AND pol.doc_type = %s"
        args.append(filters["type"])
    if filters.get("year_from"):
        where += " AND pol.issued_on >= make_date(%s, 1, 1)"
        args.append(filters["year_from"])
    sql = (
        "SELECT p.id, count(*) OVER () FROM policies_provision p JOIN policies_policy pol "
        f"ON pol.id = p.policy_id WHERE {where} ORDER BY p.id LIMIT 10"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


class BM25:
    """In-memory Okapi BM25 over jieba search-mode tokens, with an inverted index."""

    def __init__(self, docs: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        import jieba

        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.tmp_dir = str(ROOT / "var" / "jieba")
        self.k1, self.b = k1, b
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths: list[int] = []
        for i, doc in enumerate(docs):
            tokens = [t.lower() for t in self.tokenizer.cut_for_search(doc) if t.strip()]
            self.lengths.append(len(tokens))
            for token, tf in Counter(tokens).items():
                self.postings[token].append((i, tf))
        self.n = len(docs)
        self.avg = sum(self.lengths) / max(self.n, 1)

    def search(self, q: str, k: int = 10) -> list[tuple[float, int]]:
        scores: dict[int, float] = defaultdict(float)
        tokens = {
            t.lower() for t in self.tokenizer.cut_for_search(q.replace('"', " ")) if t.strip()
        }
        for token in tokens:
            plist = self.postings.get(token)
            if not plist:
                continue
            idf = math.log(1 + (self.n - len(plist) + 0.5) / (len(plist) + 0.5))
            for doc, tf in plist:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[doc] / self.avg)
                scores[doc] += idf * tf * (self.k1 + 1) / (tf + norm)
        return heapq.nlargest(k, ((s, d) for d, s in scores.items()))


class Tantivy:
    """A dedicated engine on the same corpus: tantivy (Rust, BM25) over the project's own jieba
    words — ``body`` holds the words in order (phrases work), ``parts`` their sub-words — with
    the bench's filters as indexed fields. Optional: needs the bench extra (pyproject [bench])."""

    def __init__(self, rows: list[tuple[str, str, str, int | None]]) -> None:
        import tantivy

        self.tantivy = tantivy
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", tokenizer_name="whitespace")
        builder.add_text_field("parts", tokenizer_name="whitespace", index_option="freq")
        builder.add_text_field("doc_type", tokenizer_name="raw", index_option="basic")
        builder.add_integer_field("year", indexed=True, fast=True)
        builder.add_integer_field("id", stored=True)
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema)
        t0 = time.perf_counter()
        docs = [
            (i, *self.tokens(h, t), doc_type, year) for i, (h, t, doc_type, year) in enumerate(rows)
        ]
        self.segment_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        writer = self.index.writer(heap_size=256_000_000)
        for i, body, parts, doc_type, year in docs:
            writer.add_document(
                tantivy.Document(id=i, body=body, parts=parts, doc_type=doc_type, year=year or 0)
            )
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.build_s = time.perf_counter() - t0
        self.searcher = self.index.searcher()

    @staticmethod
    def tokens(heading: str, text: str) -> tuple[str, str]:
        from search.normalize import compact, normalize
        from search.segment import lexemes

        slots = lexemes(compact(normalize(f"{heading}\n{text}" if heading else text)))
        return (
            " ".join(slot.word for slot in slots),
            " ".join(v for slot in slots for v in slot.variants),
        )

    def query(self, q: str, filters: dict):
        from search.normalize import compact, normalize_query
        from search.segment import lexemes

        tv = self.tantivy
        must = []
        for raw in re.findall(r'"[^"]+"|\S+', normalize_query(q)):
            words = [s.word for s in lexemes(compact(raw.strip('"')))]
            if not words:
                continue
            if raw.startswith('"') and len(words) > 1:
                must.append(tv.Query.phrase_query(self.schema, "body", words))
                continue
            for word in words:
                either = [
                    (tv.Occur.Should, tv.Query.term_query(self.schema, field, word))
                    for field in ("body", "parts")
                ]
                must.append(tv.Query.boolean_query(either))
        if filters.get("type"):
            must.append(tv.Query.term_query(self.schema, "doc_type", filters["type"]))
        if filters.get("year_from"):
            must.append(
                tv.Query.range_query(
                    self.schema, "year", tv.FieldType.Integer, lower_bound=filters["year_from"]
                )
            )
        if not must:
            return tv.Query.empty_query()
        return tv.Query.boolean_query([(tv.Occur.Must, m) for m in must])

    def search(self, q: str, filters: dict, k: int = 10):
        result = self.searcher.search(self.query(q, filters), k, count=True)
        return result.count, [address for _score, address in result.hits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--provisions", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed runs per query (after a warm-up)"
    )
    parser.add_argument("--workers", type=int, default=None, help="segmentation processes")
    parser.add_argument(
        "--verify-segmenter",
        action="store_true",
        help="after the timed build, rebuild once more cutting every text with jieba too, and "
        "report on how many provisions rjieba's words differ from jieba's",
    )
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="stop after the index build (and the segmenter check): no queries, no baselines",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"machine: {machine()}")

    recreate_database()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from policies.models import Provision
    from search.indexing import rebuild_index
    from search.query import SearchParams, search
    from search.segment import fast_segmenter_active
    from search.speedups import native

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"database: {BENCH_DB} — {cursor.fetchone()[0].split(',')[0]}")
    call_command("migrate", verbosity=0)
    call_command("load_policies", verbosity=0)
    real = Provision.objects.count()
    t0 = time.perf_counter()
    n_policies, n_provisions = build_corpus(args.provisions, args.seed)
    print(
        f"corpus: {n_policies} generated policies, {n_provisions} generated + {real} real "
        f"provisions (seed {args.seed}) in {time.perf_counter() - t0:.1f} s"
    )

    total = Provision.objects.count()
    t0 = time.perf_counter()
    phases: dict[str, float] = {}

    def progress(done: int, all_: int) -> None:
        if done == all_:
            phases["segmented"] = time.perf_counter() - t0

    cpu0 = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    server0 = server_cpu_seconds()
    rebuilt = rebuild_index(workers=args.workers, progress=progress)
    written = rebuilt.written
    build_s = time.perf_counter() - t0
    # CPU seconds of this process and its segmenting workers: on a shared machine the wall
    # time says more about the neighbours than about the code.
    py_cpu = sum(
        (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        for before, after in zip(
            cpu0,
            [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)],
            strict=True,
        )
    )
    server1 = server_cpu_seconds()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchentry")
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('search_searchentry'))")
        size = cursor.fetchone()[0]
    seg_s = phases.get("segmented", float("nan"))
    build_rate = written / build_s
    print(
        f"index build: {written} entries in {build_s:.1f} s = {build_rate:,.0f} provisions/s "
        f"(segmentation + COPY {seg_s:.1f} s, indexes + swap {build_s - seg_s:.1f} s; "
        f"table {size}; segmenter {'rjieba' if fast_segmenter_active() else 'jieba'}; "
        f"per-entry loops in {'C' if native is not None else 'Python'})"
    )
    print("  phases: " + ", ".join(f"{name} {s:.1f} s" for name, s in rebuilt.phases.items()))
    print(
        f"  Python CPU (reading, segmenting, COPY client side): {py_cpu:.1f} s = "
        f"{written / py_cpu:,.0f} provisions per CPU-second"
    )

    if server0 is not None and server1 is not None:
        server_cpu = server1 - server0
        print(
            f"  PostgreSQL CPU (COPY, indexes, statistics, champion lists): {server_cpu:.1f} s; "
            f"both: {py_cpu + server_cpu:.1f} CPU-s = "
            f"{written / (py_cpu + server_cpu):,.0f} provisions per CPU-second "
            f"(the wall time on {os.cpu_count()} free cores would be ≥ "
            f"{(py_cpu + server_cpu) / (os.cpu_count() or 1):.0f} s)"
        )
    print(f"  load average after the build: {os.getloadavg()[0]:.1f}")

    if args.verify_segmenter:
        t0 = time.perf_counter()
        checked = rebuild_index(workers=args.workers, verify_segmenter=True)
        print(
            f"segmenter check: rjieba's words differ from jieba's on {checked.differing} of "
            f"{checked.written} provisions ({time.perf_counter() - t0:.0f} s)"
        )

    if args.build_only:
        print(f"SUMMARY provisions={total} build={build_rate:,.0f}/s (build only)")
        return

    from search.query import CANDIDATES, COUNT_CAP, rum_index_ready

    print(
        "ranking: "
        + (
            f"RUM candidates (top {CANDIDATES} re-ranked)"
            if rum_index_ready()
            else "GIN (every match scored; RUM unavailable)"
        )
        + f"; totals counted up to {COUNT_CAP}"
    )
    ours: list[float] = []
    ilike: list[float] = []
    by_category: dict[str, list[float]] = defaultdict(list)
    print(f"\n{'category':<9}{'query':<22}{'hits':>8}{'ours p50':>11}{'ILIKE p50':>11}")
    for category, q, filters in QUERY_MIX:
        times, results = timed(
            lambda q=q, f=filters: search(SearchParams(q=q, limit=10, **f)), args.repeat
        )
        ours += times
        by_category[category] += times
        # A full scan either way (~1 s each): no warm-up, to keep the run under 10 minutes.
        itimes, _ = timed(
            lambda q=q, f=filters: ilike_baseline(q, f), max(1, args.repeat // 2), warm_up=False
        )
        ilike += itimes
        hits = f"{results.total}{'+' if results.total_is_estimate else ''}"
        print(
            f"{category:<9}{q:<22}{hits:>8}{statistics.median(times):>9.1f}ms"
            f"{statistics.median(itimes):>9.1f}ms"
        )
    print()
    for category, times in by_category.items():
        print(f"  ours {category:<9} {stats(times)}")
    # How far the candidate stages are from ranking every match (see query_bench.py --exact).
    compared = [
        agrees(search(SearchParams(q=q, limit=10, **f)), every_match_scored(q, f))
        for _c, q, f in QUERY_MIX
    ]
    same, of, share, line = agreement(compared)
    print(f"  {line}")

    texts = list(Provision.objects.order_by("pk").values_list("heading", "text"))
    t0 = time.perf_counter()
    bm25 = BM25([f"{h}\n{t}" for h, t in texts])
    bm25_build = len(texts) / (time.perf_counter() - t0)
    bm25_times: list[float] = []
    for _category, q, _filters in QUERY_MIX:
        times, _ = timed(lambda q=q: bm25.search(q), args.repeat)
        bm25_times += times

    engine = ""
    tantivy_times: list[float] = []
    try:
        import tantivy  # noqa: F401
    except ImportError:
        print("\ntantivy not installed (pip install -e '.[bench]'): dedicated engine skipped")
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT p.heading, p.text, e.doc_type, e.year FROM policies_provision p "
                "JOIN search_searchentry e ON e.provision_id = p.id ORDER BY p.id"
            )
            rows = cursor.fetchall()
        engine_index = Tantivy(rows)
        print(
            f"\ntantivy: {len(rows)} docs, segmentation {engine_index.segment_s:.1f} s, "
            f"index {engine_index.build_s:.1f} s = {len(rows) / engine_index.build_s:,.0f} docs/s"
        )
        print(f"{'category':<9}{'query':<22}{'hits':>8}{'tantivy p50':>13}")
        for category, q, filters in QUERY_MIX:
            times, (count, _) = timed(lambda q=q, f=filters: engine_index.search(q, f), args.repeat)
            tantivy_times += times
            print(f"{category:<9}{q:<22}{count:>8}{statistics.median(times):>11.2f}ms")
        engine = "tantivy"

    print(f"\nours  (search.query.search) {stats(ours)}")
    print(f"ILIKE scan                  {stats(ilike)}")
    print(f"BM25 in memory (jieba)      {stats(bm25_times)}  build {bm25_build:,.0f} docs/s")
    if engine:
        print(f"tantivy (jieba words)       {stats(tantivy_times)}")
    p95, i95, b95 = (percentile(x, 95) for x in (ours, ilike, bm25_times))
    versus = ""
    if engine:
        t95 = percentile(tantivy_times, 95)
        versus = f"tantivy p95={t95:.2f}ms (ours {p95 / t95:.1f}x tantivy) | "
    print(
        f"\nSUMMARY provisions={total} build={build_rate:,.0f}/s "
        f"search p50={percentile(ours, 50):.1f}ms p95={p95:.1f}ms p99={percentile(ours, 99):.1f}ms "
        f"exact {same}/{of} {share:.1%} | {versus}"
        f"ILIKE p95={i95:.1f}ms ({i95 / p95:.1f}x ours) | "
        f"BM25 p95={b95:.1f}ms ({b95 / p95:.1f}x ours), build {bm25_build:,.0f}/s "
        f"({build_rate / bm25_build:.2f}x ours) | total {time.perf_counter() - started:.0f}s"
    )


if __name__ == "__main__":
    main()
