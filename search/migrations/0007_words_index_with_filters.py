"""The words GIN index with the filters (type, status, bodies) as further columns: a filtered
match is one GIN scan instead of a visit of every row the words match. btree_gin gives GIN the
text columns; it is a trusted extension (PostgreSQL 13+), so the database owner may create it.
A search without filters uses the index as before (its words keys are the same)."""

import django.contrib.postgres.indexes
import django.contrib.postgres.operations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0007_merge_serving"),
        ("search", "0006_entries_stored_uncompressed"),
    ]

    operations = [
        django.contrib.postgres.operations.BtreeGinExtension(),
        migrations.RemoveIndex(model_name="searchentry", name="search_entry_words_gin"),
        migrations.AddIndex(
            model_name="searchentry",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["words", "doc_type", "status", "body_ids"],
                name="search_entry_words_gin",
            ),
        ),
    ]
