"""Entries stored whole in the table row: no compression, no TOAST, up to a full page.

An entry row is ~4 KB (the words and character-gram vectors, the compact text); past 2 KB
PostgreSQL compressed its largest values (lz4 saved ~8 % here) and moved the gram vector out to
the TOAST table. Scoring then decompressed the words and the compact text again at each of the
dozen places the score reads them: scoring a search's 300 candidates took 10–12 ms with that
and 7–8 ms with rows stored whole (measured on 300 entries of the 200k bench, same
expressions). ``toast_tuple_target`` is the size a row is shrunk to; at a page's 8160 bytes
only rows that could not fit are compressed. Rebuilt tables copy the live table's parameters
(search.rebuild.create_build_table). Entries written before this migration keep their
compression until ``manage.py reindex`` rewrites them.
"""

from __future__ import annotations

from django.db import migrations

TARGET = 8160


class Migration(migrations.Migration):
    dependencies = [("search", "0005_merge_search_speed")]

    operations = [
        migrations.RunSQL(
            f"ALTER TABLE search_searchentry SET (toast_tuple_target = {TARGET})",
            "ALTER TABLE search_searchentry RESET (toast_tuple_target)",
        )
    ]
