"""The trigram GIN index on ``compact`` is dropped. Substrings go through the grams index (its
LIKE check is written so that the trigram index cannot serve it); the index served only the
clause texts of typo suggestions, which the grams index now finds
(search.query.suggest.near_miss_patterns). It was the second-largest index build: 45 s of the
index phase's CPU at 200k entries. The pg_trgm extension stays: ``word_similarity`` ranks the
dictionary terms and titles a typo may stand for."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("search", "0008_grams_index_with_filters")]

    operations = [
        migrations.RemoveIndex(model_name="searchentry", name="search_entry_compact_trgm"),
    ]
