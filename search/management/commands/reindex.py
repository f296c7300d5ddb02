"""Rebuild the whole search index (entries and learned dictionary).

Entries are computed first and swapped in with one transaction, so searches keep answering from
the old entries while the new ones are built.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from search.indexing import provision_sources, rebuild_index
from search.segment import fast_segmenter_active


class Command(BaseCommand):
    help = "Rebuild the search index from all provisions without interrupting searches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers", type=int, default=None, help="processes for segmentation (default: CPUs)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be indexed, write nothing"
        )
        parser.add_argument(
            "--verify-segmenter",
            action="store_true",
            help="also cut every text with jieba, keep jieba's words where rjieba's differ, "
            "and report how many provisions differed",
        )

    def handle(
        self,
        *args,
        workers: int | None = None,
        dry_run: bool = False,
        verify_segmenter: bool = False,
        **options,
    ) -> None:
        if dry_run:
            count = sum(1 for _ in provision_sources())
            self.stdout.write(f"would index {count} provisions (dry run, nothing written)")
            return
        started = time.monotonic()
        verbosity = options.get("verbosity", 1)

        def progress(done: int, total: int) -> None:
            if verbosity < 1 or not total:
                return
            width = 30
            filled = int(width * done / total)
            bar = "#" * filled + "-" * (width - filled)
            self.stdout.write(f"\r[{bar}] {done}/{total} provisions segmented", ending="")
            self.stdout.flush()

        report = rebuild_index(
            workers=workers, progress=progress, verify_segmenter=verify_segmenter
        )
        elapsed = time.monotonic() - started
        if verbosity >= 1:
            self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"indexed {report.written} provisions in {elapsed:.1f} s (swapped in atomically)"
            )
        )
        if report.differing is not None:
            self.stdout.write(
                f"segmenter check: rjieba and jieba differ on {report.differing} of "
                f"{report.written} provisions (jieba's words used there)"
                if fast_segmenter_active()
                else "segmenter check: jieba itself segmented (rjieba not in use)"
            )
