"""GIN indexes over a fixed 1/32 sample of the entries (those whose provision id hashes to 0 in
its last five bits), with the same columns as the full ones.

A search whose matches may be too many to count asks the sample first
(search.query.facets.sampled_beyond_cap): enough matches among 1/32 of the entries prove the
whole set is beyond the count cap, for a thirty-second of the index work. The predicate must be
written as search.query.facets.SAMPLE_WHERE writes it, for the planner to use these indexes.
"""

from django.db import migrations

SAMPLE = "(hashint8(provision_id) & 31) = 0"
INDEXES = {
    "search_entry_sample_words": "words",
    "search_entry_sample_grams": "grams",
}


class Migration(migrations.Migration):
    dependencies = [("search", "0009_no_trigram_index")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {name} ON search_searchentry "
            f"USING gin ({column}, doc_type, status, body_ids) WHERE {SAMPLE}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, column in INDEXES.items()
    ]
