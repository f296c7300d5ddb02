"""Load policy source files (default: every file in fixtures/sources/) into the knowledge base.

Idempotent: files whose content hash is unchanged are skipped. The whole run is one transaction,
so a failing file leaves the database as it was and names itself in the error.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from policies.ingest import IngestError
from policies.ingest.load import LoadResult, load_files
from search.indexing import ahead


class Command(BaseCommand):
    help = "Load policy source files (default: fixtures/sources/*) into records; unchanged files are skipped."

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", help="files or folders (default: fixtures/sources/)"
        )
        parser.add_argument("--force", action="store_true", help="reload even when unchanged")
        parser.add_argument("--dry-run", action="store_true", help="parse and save, then roll back")

    def handle(self, *args, **options):
        paths = self._expand(options["paths"] or [str(settings.SOURCES_DIR)])
        verbose = options["verbosity"] >= 1

        def log(message: str) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(message)

        def progress(number: int, result: LoadResult) -> None:
            if not verbose:
                return
            detail = (
                f"{result.policies} document(s), {result.provisions} provisions"
                if result.status == "loaded"
                else "unchanged, skipped"
            )
            self.stdout.write(f"[{number}/{len(paths)}] {result.name}: {detail}")
            for warning in result.warnings:  # what a curator should check
                self.stdout.write(self.style.WARNING(f"  warning: {warning}"))

        force = options["force"] or options["dry_run"]
        try:
            # Outside the transaction: leaving it drops a build table a rollback brought back.
            with ahead.enabled(), transaction.atomic():
                results = load_files(paths, force=force, log=log, progress=progress)
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except IngestError as exc:
            raise CommandError(f"{exc} — nothing from this run was saved") from exc
        loaded = sum(1 for r in results if r.status == "loaded")
        if verbose:
            if loaded == 0:
                self.stdout.write(
                    self.style.SUCCESS("Nothing changed: every file is already loaded.")
                )
            else:
                suffix = " (dry run, rolled back)" if options["dry_run"] else ""
                self.stdout.write(
                    self.style.SUCCESS(f"Loaded {loaded} of {len(results)} file(s){suffix}.")
                )

    def _expand(self, raw_paths: list[str]) -> list[Path]:
        paths: list[Path] = []
        for raw in raw_paths:
            path = Path(raw)
            if path.is_dir():
                paths.extend(
                    sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
                )
            elif path.is_file():
                paths.append(path)
            else:
                raise CommandError(f"{raw}: no such file or folder")
        if not paths:
            raise CommandError("no source files found")
        return paths
