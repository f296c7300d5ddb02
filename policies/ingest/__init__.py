"""Ingestion: turn a messy source file plus curated metadata into policy records.

decode → cleanup (lines) → structure (provision tree; outline matching; digest split)
→ extraction (targets, goals, tasks, citations) → save (one transaction per run).
"""

from __future__ import annotations


class IngestError(Exception):
    """A source file that cannot be loaded; the message names the file and the problem."""
