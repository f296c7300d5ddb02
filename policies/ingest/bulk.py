"""Writing a load's many rows fast: ids taken from the table's sequence up front, rows sent by COPY.

A 20 MB file is some 200,000 provisions plus tens of thousands of targets, tasks and references.
Model instances and ``bulk_create`` spend more time preparing each value than PostgreSQL spends
storing it; COPY takes plain tuples. Ids are drawn from the table's own sequence before the rows
are written, so a child row names its parent's id in the same COPY (parents set at insert time:
no UPDATE pass) and other tables can point at rows not yet sent. Everything runs in the caller's
transaction, under its statement and lock timeouts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models import Model
from psycopg import Copy
from psycopg.copy import QueuedLibpqWriter


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """``count`` new primary keys from the table's sequence (ascending; safe with concurrent
    inserts, which draw other values)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # The sequence is looked up once (per row it costs five times the draw itself), and the
        # ids come back as one array, not 200,000 one-column rows.
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, %s)",
            [connection.ops.quote_name(table), model._meta.pk.column],
        )
        (sequence,) = cursor.fetchone()
        cursor.execute(
            "SELECT array_agg(nextval(%s::regclass) ORDER BY n) FROM generate_series(1, %s) AS n",
            [sequence, count],
        )
        return cursor.fetchone()[0]


def _copy_statement(model: type[Model], columns: Sequence[str]) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    return f"COPY {table} ({names}) FROM STDIN"


def copy_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY ``rows`` (tuples in ``columns`` order, values as the database takes them: JSON
    already dumped with :func:`as_json`) into the model's table; returns how many were sent."""
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(_copy_statement(model, columns)) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


@contextmanager
def streaming_copy(model: type[Model], columns: Sequence[str]) -> Iterator[Copy]:
    """A COPY whose ``write_row`` returns at once: a psycopg worker thread sends the data while
    the caller goes on computing (without queries: the connection is busy until the block
    ends, and the block's end waits for the server to store everything)."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(_copy_statement(model, columns), writer=QueuedLibpqWriter(raw)) as copy:
            yield copy


def as_json(value: Any) -> str:
    """A JSON column's value for COPY (which applies no model default or adapter)."""
    if value == []:
        return "[]"  # most provisions hold no table
    return json.dumps(value, ensure_ascii=False)
