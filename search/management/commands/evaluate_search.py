"""Measure search quality over a judged query file (see search.evaluation for the rules).

Prints per-query and overall recall@10, MRR@10, nDCG@10 and doc hit@3, and a line per kind.
With ``--ablate``, runs the file again with each ranking rule of
:class:`search.query.weights.RankingWeights` switched off in turn and reports what the rule is
worth: the change in each metric when it is removed, and which queries it helps or hurts — a
rule that only helps one query shows up as such. Read-only: it runs searches and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.evaluation import QueryScore, by_kind, evaluate, mean
from search.query import weights

METRICS = (
    ("recall", "recall@10"),
    ("mrr", "MRR@10"),
    ("ndcg", "nDCG@10"),
    ("doc_hit3", "doc hit@3"),
)


class Command(BaseCommand):
    help = (
        "Evaluate search quality on a judged query file (recall@10, MRR@10, nDCG@10, doc hit@3); "
        "--ablate reports each ranking rule's contribution."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", type=Path, help="judged queries, e.g. fixtures/eval/dev_queries.json"
        )
        parser.add_argument(
            "--ablate",
            action="store_true",
            help="also evaluate with each ranking rule switched off and report its contribution",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="accepted for uniformity; this command never writes",
        )

    def handle(self, *args, file: Path, ablate: bool = False, **options) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        scores = evaluate(file)
        self.stdout.write(
            f"{'id':<6}{'kind':<12}{'recall':>8}{'MRR':>7}{'nDCG':>7}{'hit@3':>7}  found  query / top docs"
        )
        for s in scores:
            self.stdout.write(
                f"{s.id:<6}{s.kind:<12}{s.recall:>8.2f}{s.mrr:>7.2f}{s.ndcg:>7.2f}{s.doc_hit3:>7.0f}"
                f"  {s.found}/{s.judged}  {s.q}  [{' '.join(s.top_docs)}]"
            )
        self.stdout.write("")
        for kind, group in by_kind(scores).items():
            values = "  ".join(f"{label} {mean(group, attr):.3f}" for attr, label in METRICS)
            self.stdout.write(f"{kind:<12} n={len(group):<3} {values}")
        values = "  ".join(f"{label} {mean(scores, attr):.3f}" for attr, label in METRICS)
        self.stdout.write(self.style.SUCCESS(f"OVERALL      n={len(scores):<3} {values}"))
        if ablate:
            self._ablate(file, scores)

    def _ablate(self, file: Path, baseline: list[QueryScore]) -> None:
        """Each rule off in turn: Δ = metric with all rules − metric without this one."""
        self.stdout.write("")
        self.stdout.write(
            "ablation: what each rule is worth (metric with all rules minus metric without it); "
            "helps/hurts = queries whose nDCG@10 drops/rises without it"
        )
        self.stdout.write(
            f"{'rule':<22}{'Δrecall':>9}{'ΔMRR':>8}{'ΔnDCG':>8}{'Δhit@3':>8}  helps / hurts"
        )
        for rule in weights.RULES:
            with weights.using(weights.DEFAULT.without(rule)):
                without = evaluate(file)
            deltas = [mean(baseline, attr) - mean(without, attr) for attr, _ in METRICS]
            helps = [b.id for b, w in zip(baseline, without, strict=True) if b.ndcg > w.ndcg + 1e-9]
            hurts = [b.id for b, w in zip(baseline, without, strict=True) if b.ndcg < w.ndcg - 1e-9]
            line = "".join(f"{d:>+8.3f} " for d in deltas)
            self.stdout.write(
                f"{rule:<22}{line} {len(helps)} [{' '.join(helps)}] / {len(hurts)} [{' '.join(hurts)}]"
            )
