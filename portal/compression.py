"""TOAST compression: lz4 for what the loader and the index build write, where the server has it."""

from __future__ import annotations

from django.db import connection

# Whether the server compresses with lz4 (None: not asked yet, in this process).
_LZ4: bool | None = None


def fast_compression(cursor) -> None:
    """Compress large values with lz4 instead of pglz where the server can: pglz was a sixth of
    the entries' COPY time (both vectors), and a second and a half of a 20 MB load (its original
    file); lz4 also decompresses faster when a search ranks the vectors. Values carry their
    method, so both kinds read alike; the column definitions do not change. For this
    transaction only inside one, else for the session."""
    global _LZ4
    if _LZ4 is None:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
        _LZ4 = bool(row and row[0])
    if _LZ4:
        cursor.execute(
            "SELECT set_config('default_toast_compression', 'lz4', %s)",
            [connection.in_atomic_block],
        )
