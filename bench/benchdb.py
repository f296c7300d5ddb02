"""The benchmarks' own databases: dropped and created afresh on the project's server."""

from __future__ import annotations


def recreate_database(name: str) -> None:
    """Drop ``name`` if it exists and create it empty (UTF-8, C collation), as the settings'
    role connected to the ``postgres`` database."""
    import psycopg

    from portal.settings import database_from_env

    admin = database_from_env()
    with psycopg.connect(
        dbname="postgres",
        user=admin["USER"],
        password=admin.get("PASSWORD") or None,
        host=admin["HOST"],
        port=admin["PORT"] or None,
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        )
