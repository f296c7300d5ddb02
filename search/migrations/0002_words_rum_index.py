"""RUM index on the words vector, where the ``rum`` extension is available.

RUM keeps lexeme positions in the index, so ``ORDER BY words <=> tsquery LIMIT n`` ranks
inside the index instead of reading every matching row (search.query uses it for candidate
retrieval on large match sets). Debian ships it as ``postgresql-15-rum``; where it is missing
(or the role may not create extensions) this migration does nothing and search keeps using
the GIN index alone — search.query checks for the index once per process.
"""

from __future__ import annotations

from django.db import migrations, transaction

INDEX = "search_entry_words_rum"


def create_rum_index(apps, schema_editor) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        if cursor.fetchone() is None:
            return
        try:
            # A savepoint: a refused CREATE EXTENSION must not abort the migration.
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
        except Exception:  # noqa: BLE001 - any refusal means "no RUM here"
            return
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON search_searchentry "
            "USING rum (words rum_tsvector_ops)"
        )


def drop_rum_index(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create_rum_index, drop_rum_index, elidable=False)]
