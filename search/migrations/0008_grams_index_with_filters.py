"""The grams GIN index with the filters (type, status, bodies) as further columns, as migration
0007 gave the words index: a filtered search's substring path (every term has one) is then
narrowed in the index too, instead of reading every entry that holds the grams. A search
without filters uses it as before (its gram keys are the same)."""

import django.contrib.postgres.indexes
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("search", "0007_words_index_with_filters")]

    operations = [
        migrations.RemoveIndex(model_name="searchentry", name="search_entry_grams_gin"),
        migrations.AddIndex(
            model_name="searchentry",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["grams", "doc_type", "status", "body_ids"],
                name="search_entry_grams_gin",
            ),
        ),
    ]
