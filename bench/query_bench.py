"""Query latency only, on the corpus and index a previous ``make bench`` left behind.

    .venv/bin/python bench/query_bench.py [--database policykb_bench] [--repeat 9]

``make bench`` spends most of its time building (the corpus, the index, the baselines); after
a change to the query side, or to measure again on a quieter machine, this runs the same query
mix (bench/search_bench.py's QUERY_MIX) through ``search.query.search`` against that database
and prints the same p50/p95/p99, each query's median and fastest run, how its total was
found (exact, capped count, estimated) and which candidate stages it took. Not a test: it prints numbers.

``--exact`` also searches each query once with every match scored (no candidate stage; seconds
for the most frequent words) and prints how the timed page agrees with that one: hits of the
same score (the synthetic corpus repeats sentences across policies, so equal scores are equal
hits) and the share of its score the page holds. The candidate stages rank only what RUM or the
champion lists put first; this is what that costs in ranking at the corpus's size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "policykb_bench"))
    parser.add_argument("--repeat", type=int, default=9, help="timed runs per query")
    parser.add_argument(
        "--exact", action="store_true", help="compare each page with scoring every match"
    )
    args = parser.parse_args()

    from search_bench import (
        QUERY_MIX,
        agreement,
        agrees,
        every_match_scored,
        machine,
        percentile,
        stats,
    )

    import portal.settings as project_settings

    project_settings.DATABASES["default"] = {
        **project_settings.DATABASES["default"],
        "NAME": args.database,
    }
    import django

    django.setup()
    from django.db import connection

    from search.query import COUNT_CAP, SearchParams, rank, search

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_searchentry")
        entries = cursor.fetchone()[0]
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}")
    print(f"database: {args.database}, {entries} entries")

    stages: dict[str, list[str]] = defaultdict(list)
    hits = rank.ranked_hits

    def spy(plan, limit, offset, intent, candidates, *a, **kw):
        name = type(candidates).__name__ if candidates is not None else "all matches"
        if kw.get("counting") is not None:
            name = "counted"  # every match scored when within the cap, else none
        stages[current].append(
            "lists" if name == "ChampionCTE" else "RUM" if name == "CandidateQuery" else name
        )
        return hits(plan, limit, offset, intent, candidates, *a, **kw)

    rank.ranked_hits = spy
    ours: list[float] = []
    agreed: list[tuple[int, int, float]] = []
    exact_head = "  exact: same  score" if args.exact else ""
    print(
        f"\n{'category':<9}{'query':<22}{'hits':>8}{'p50':>9}{'min':>9}  total     stage"
        f"{exact_head}"
    )
    for category, q, filters in QUERY_MIX:
        current = q + repr(filters)
        search(SearchParams(q=q, limit=10, **filters))  # warm-up
        stages[current].clear()
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            results = search(SearchParams(q=q, limit=10, **filters))
            times.append((time.perf_counter() - start) * 1000)
        ours += times
        hits_text = f"{results.total}{'+' if results.total_is_estimate else ''}"
        stage = " → ".join(dict.fromkeys(stages[current])) or "—"
        compared = ""
        if args.exact:
            same, of, share = agrees(results, every_match_scored(q, filters))
            agreed.append((same, of, share))
            compared = f"  {same:>9}/{of:<2} {share:>6.1%}"
        counted = (
            "exact"
            if not results.total_is_estimate
            else "capped"
            if results.facet_basis == COUNT_CAP
            else "estimated"
        )
        print(
            f"{category:<9}{q:<22}{hits_text:>8}{statistics.median(times):>7.1f}ms"
            f"{min(times):>7.1f}ms  {counted:<9} {stage:<13}{compared}"
        )
    print(f"\nours  (search.query.search) {stats(ours)}")
    if agreed:
        print(agreement(agreed)[3])
    print(
        f"SUMMARY entries={entries} search p50={percentile(ours, 50):.1f}ms "
        f"p95={percentile(ours, 95):.1f}ms p99={percentile(ours, 99):.1f}ms "
        f"load={os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
