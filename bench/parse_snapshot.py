"""Snapshot of what the loader makes of a set of files, to diff one parser version against another.

    .venv/bin/python bench/parse_snapshot.py OUT.json [FILE …]

Loads the files (default: the seeds in ``fixtures/sources/``, the test documents in
``tests/fixtures/docs/`` and a 0.3 MB generated policy from ``bench/import_bench.py``) into its own
database ``policykb_parse_snapshot`` (dropped and re-created each run) and writes every record a
load produces — policies with their metadata, provisions, targets, goals, tasks with their bodies,
references and key terms — as JSON with database ids replaced by stable keys (slug, order), so
two runs can be compared with ``diff``. Not a test: a tool for a before/after comparison when the
pipeline is changed for speed and its results must not move.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "policykb_parse_snapshot"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


def default_files() -> list[Path]:
    from bench.import_bench import generate

    generated = ROOT / "var" / "bench" / "snapshot_generated.txt"
    generated.parent.mkdir(parents=True, exist_ok=True)
    generated.write_text(generate(0.3, 11), encoding="utf-8")
    return [
        *sorted((ROOT / "fixtures" / "sources").glob("*.txt")),
        *sorted((ROOT / "tests" / "fixtures" / "docs").iterdir()),
        generated,
    ]


def create_database() -> None:
    from benchdb import recreate_database

    recreate_database(DB_NAME)


def snapshot() -> dict:
    from policies.models import Goal, KeyTerm, Policy, Provision, Reference, Target, Task

    skip = {"id", "source", "interprets", "search_vector", "loaded_at"}
    out: dict = {}
    for policy in Policy.objects.order_by("slug"):
        record = {
            f.name: getattr(policy, f.attname)
            for f in Policy._meta.concrete_fields
            if f.name not in skip
        }
        record["source"] = policy.source.name if policy.source_id else None
        record["interprets"] = policy.interprets.slug if policy.interprets_id else None
        record["bodies"] = [
            pb.body.name for pb in policy.body_links.order_by("order").select_related("body")
        ]
        provisions = {}
        for row in Provision.objects.filter(policy=policy).order_by("order"):
            provisions[row.pk] = row.order
        record["provisions"] = [
            {
                "order": row.order,
                "parent": provisions.get(row.parent_id),
                "kind": row.kind,
                "num": row.num,
                "heading": row.heading,
                "text": row.text,
                "depth": row.depth,
                "eid": row.eid,
                "rows": row.rows,
            }
            for row in Provision.objects.filter(policy=policy).order_by("order")
        ]
        record["targets"] = [
            {
                "provision": provisions.get(t.provision_id),
                **{k: getattr(t, k) for k in ("metric", "comparator", "unit", "year")},
                "value": str(t.value),
                "sentence": t.sentence,
                "order": t.order,
            }
            for t in Target.objects.filter(policy=policy).order_by("order")
        ]
        record["goals"] = [
            {"provision": provisions.get(g.provision_id), "text": g.text, "order": g.order}
            for g in Goal.objects.filter(policy=policy).order_by("order")
        ]
        record["tasks"] = [
            {
                "provision": provisions.get(t.provision_id),
                "title": t.title,
                "order": t.order,
                "bodies": [
                    (tb.body.name, tb.role, tb.order)
                    for tb in t.body_links.select_related("body").order_by("role", "order")
                ],
            }
            for t in Task.objects.filter(policy=policy).order_by("order")
        ]
        record["references"] = sorted(
            (
                {
                    "provision": provisions.get(r.provision_id),
                    "cited_title": r.cited_title,
                    "relation": r.relation,
                    "target": r.target.slug if r.target_id else None,
                }
                for r in Reference.objects.filter(policy=policy).select_related("target")
            ),
            key=lambda r: json.dumps(r, ensure_ascii=False, sort_keys=True, default=str),
        )
        record["key_terms"] = sorted(
            (k.term, k.occurrences) for k in KeyTerm.objects.filter(policy=policy)
        )
        out[policy.slug] = record
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    os.environ["DJANGO_DB_NAME"] = DB_NAME
    create_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from policies.ingest.load import load_files

    assert connection.settings_dict["NAME"] == DB_NAME
    call_command("migrate", verbosity=0)
    files = args.files or default_files()
    load_files(files, log=lambda message: None)
    args.out.write_text(
        json.dumps(snapshot(), ensure_ascii=False, indent=1, sort_keys=True, default=str),
        encoding="utf-8",
    )
    print(f"wrote {args.out}: {len(files)} file(s)")


if __name__ == "__main__":
    main()
