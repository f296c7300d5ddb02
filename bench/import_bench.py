"""Import benchmark: how long one large source file takes to load.

    .venv/bin/python bench/import_bench.py [--mb 20] [--seed 7]

Generates a seeded synthetic policy of ``--mb`` megabytes (chapters, numbered items and
sub-items made of policy-style sentences with targets, deadlines and 《citations》), then loads
it into its own database ``policykb_import_bench`` (dropped and re-created each run, so the
development database is never touched) and prints the time of each phase: parse and save
(``ingest_source``), references and search index (``finish_load``), the commit (where the
deferred foreign-key checks run) and the total, with the load average.

Not a test: it prints numbers. The machine is shared, so they move with what else runs.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "policykb_import_bench"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

SUBJECTS = [
    "数据要素",
    "算力基础设施",
    "人工智能",
    "工业互联网",
    "数字政府",
    "智慧城市",
    "绿色低碳",
]
ACTIONS = ["加快推进", "统筹建设", "鼓励支持", "有序开展", "深入实施", "持续优化"]
TAILS = [
    "到{year}年，{subject}产业规模年均增速超过{n}%。",
    "培育{n}家以上具有国际竞争力的{subject}企业。",
    "依据《关于{subject}发展的指导意见》，完善配套政策。",
    "建立健全{subject}标准体系和安全保障体系。",
]


def generate(megabytes: float, seed: int, sentences: float = 1) -> str:
    """``sentences`` per sub-item: 1 gives ~95-byte provisions (many of them: the hard case),
    2 gives ~140 bytes — real policies run 150–650 bytes a provision (the seeds' averages).
    A fraction mixes the two counts around it (2.75: 105k provisions in 20 MB, the file issue 8
    measured)."""
    rng = random.Random(seed)
    lines = ["关于加快推进数据产业高质量发展的实施意见（基准测试）"]
    size, chapter = 0, 0
    target = int(megabytes * 1_000_000)

    def add(line: str) -> None:
        nonlocal size
        lines.append(line)
        size += len(line.encode()) + 1

    while size < target:
        chapter += 1
        add(f"第{chapter}章 {rng.choice(SUBJECTS)}发展任务")
        for item in range(1, 21):
            add(f"{item}. {rng.choice(ACTIONS)}{rng.choice(SUBJECTS)}")
            for sub in range(1, 6):
                subject = rng.choice(SUBJECTS)
                sentence = (
                    rng.choice(ACTIONS)
                    + subject
                    + "建设，"
                    + "".join(
                        rng.choice(TAILS).format(
                            year=rng.randint(2025, 2035), subject=subject, n=rng.randint(3, 60)
                        )
                        for _ in range(_count(rng, sentences))
                    )
                )
                add(f"（{sub}）{sentence}")
    return "\n".join(lines) + "\n"


def _count(rng: random.Random, sentences: float) -> int:
    whole = int(sentences)
    if whole == sentences:
        return whole  # no draw: whole counts generate the same files as before
    return whole + (rng.random() < sentences - whole)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--sentences", type=float, default=1, help="sentences per sub-item (a mean, see generate)"
    )
    args = parser.parse_args()

    text = generate(args.mb, args.seed, args.sentences)
    data = text.encode()
    path = ROOT / "var" / "bench" / f"import_{args.mb:g}mb.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(
        f"generated {path.relative_to(ROOT)}: {len(data) / 1e6:.1f} MB, {text.count(chr(10))} lines"
    )

    # Before anything imports the settings: they read the database name once.
    os.environ["DJANGO_DB_NAME"] = DB_NAME
    import django
    from benchdb import recreate_database

    recreate_database(DB_NAME)
    django.setup()

    from django.core.management import call_command
    from django.db import connection, transaction

    from policies.ingest.guards import limit_waits
    from policies.ingest.load import finish_load, ingest_source, sync_bodies
    from policies.models import Provision
    from search.indexing import ahead

    assert connection.settings_dict["NAME"] == DB_NAME
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with ahead.enabled(), transaction.atomic():
        limit_waits()
        bodies = sync_bodies()
        result = ingest_source(path.name, data, bodies, log=lambda message: None)
        saved = time.perf_counter()
        finish_load([result])
        indexed = time.perf_counter()
    # The commit is part of the load: deferred foreign-key checks run there.
    done = time.perf_counter()
    provisions = Provision.objects.count()
    print(
        f"SUMMARY {len(data) / 1e6:.1f} MB, {provisions} provisions: parse+save "
        f"{saved - started:.1f} s ({provisions / (saved - started):.0f} provisions/s), "
        f"references+index {indexed - saved:.1f} s, commit {done - indexed:.1f} s, "
        f"total {done - started:.1f} s ({provisions / (done - started):.0f} provisions/s); "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
