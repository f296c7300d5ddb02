"""CSV and JSON Lines downloads of policy lists, targets, tasks and search results.

Rows are streamed (``StreamingHttpResponse`` over ``QuerySet.iterator()``), so a large export
never sits in memory, and capped at :data:`EXPORT_CAP` rows; the response says how many rows
matched (``X-Total-Count``) and the cap (``X-Export-Cap``), so a truncated file is never silent.
CSV starts with a UTF-8 BOM so that Excel opens Chinese text correctly.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.http import StreamingHttpResponse

EXPORT_CAP = 5000
FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


@dataclass
class Export:
    name: str  # file name without extension
    columns: list[str]
    rows: Iterable[dict]
    total: int


class _Echo:
    """csv.writer needs a file; this one hands each formatted line back."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(export: Export) -> Iterator[str]:
    writer = csv.DictWriter(_Echo(), fieldnames=export.columns, extrasaction="ignore")
    yield "\ufeff" + writer.writeheader()
    for row in export.rows:
        yield writer.writerow({key: _cell(value) for key, value in row.items()})


def _cell(value: object) -> object:
    if isinstance(value, list):
        return "；".join(str(item) for item in value)
    return "" if value is None else value


def _jsonl_lines(export: Export) -> Iterator[str]:
    for row in export.rows:
        yield json.dumps(row, ensure_ascii=False, default=str) + "\n"


def stream(export: Export, fmt: str) -> StreamingHttpResponse:
    """``fmt`` is ``csv`` or ``jsonl`` (callers check it first)."""
    lines = _csv_lines(export) if fmt == "csv" else _jsonl_lines(export)
    response = StreamingHttpResponse(lines, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{export.name}.{fmt}"'
    response["X-Total-Count"] = str(export.total)
    response["X-Export-Cap"] = str(EXPORT_CAP)
    return response
