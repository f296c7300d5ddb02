"""Name the topic-heading column for what it holds; store each entry's source fingerprint."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("search", "0002_words_rum_index")]

    operations = [
        migrations.RenameField(
            model_name="searchentry", old_name="heading_compact", new_name="topic_heading_compact"
        ),
        migrations.AddField(
            model_name="searchentry",
            name="source_hash",
            field=models.CharField(blank=True, max_length=32),
        ),
    ]
