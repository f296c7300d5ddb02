"""The search index: one entry per provision, the learned dictionary and the index state."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchEntry(models.Model):
    """A provision as the search engine sees it. Written only by :mod:`search.indexing`.

    * ``words`` — positioned jieba lexemes with weights: A own heading, B heading path, D text.
    * ``grams`` — the bigrams of letters and digits in ``compact``, and each such character no
      other follows (no positions; see search.vectors.gram_lexemes): the exact-substring path,
      for strings segmentation splits otherwise and for 1–2 character queries, with a LIKE on
      ``compact`` checking what the grams narrowed down.
    * ``compact`` — normalized heading + text without whitespace.
    * ``topic_heading_compact`` — the heading that says what the entry is about, compact: its own,
      or for the opening clause of a heading-only 章/节 that container's heading.
    * ``source_hash`` — fingerprint of everything the entry was computed from; incremental
      indexing rewrites only entries whose fingerprint changed.
    Facet values are copied from the policy so that facet counts need no joins.
    """

    provision = models.OneToOneField(
        "policies.Provision", on_delete=models.CASCADE, related_name="search_entry"
    )
    policy = models.ForeignKey("policies.Policy", on_delete=models.CASCADE, related_name="+")
    order = models.PositiveIntegerField()
    words = SearchVectorField()
    grams = SearchVectorField()
    compact = models.TextField()
    topic_heading_compact = models.TextField(blank=True)
    path = ArrayField(models.CharField(max_length=300), default=list, help_text="labels of 章 › 节")
    body_ids = ArrayField(models.IntegerField(), default=list)
    lead_body_id = models.IntegerField(null=True)
    doc_type = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=30, blank=True)
    year = models.IntegerField(null=True)
    source_hash = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检索条目"
        indexes = (
            # With the filters as further columns (btree_gin for the two text ones): a filtered
            # match is one GIN scan, whose fast scan skips through a filter's long list along
            # the words' short ones — 区块链 of type 规划 at 1M entries: 41 ms reading every
            # row the words match (or a bitmap of the filter's 101,245 entries ANDed), 6 ms so.
            # Not the year: a range in a GIN index reads every year's list (32 ms, ≥ 2024).
            GinIndex(
                fields=["words", "doc_type", "status", "body_ids"], name="search_entry_words_gin"
            ),
            # The same filters beside the grams: a filtered substring match (区块链's grams
            # path, of type 规划) read all 4,667 entries holding the grams, 473 so.
            GinIndex(
                fields=["grams", "doc_type", "status", "body_ids"], name="search_entry_grams_gin"
            ),
            models.Index(fields=["policy", "order"], name="search_entry_policy_order"),
        )

    def __str__(self) -> str:
        return f"entry for provision {self.provision_id}"


class TermCandidates(models.Model):
    """A frequent lexeme's champion list: the entries that rank highest for it alone.

    Built by :mod:`search.candidates` at index time for lexemes so frequent that ranking their
    matches at query time is the slow part of a search. ``provision_ids`` is best first, at
    most CHAMPIONS long: by the search's own score for the lexeme alone when ``scored``
    (computed while the entries were built, :mod:`search.impacts`), else by RUM's; ``added``
    are entries indexed since, which take part in every ranking until the next rebuild.
    """

    lexeme = models.CharField(max_length=60, primary_key=True)
    provision_ids = ArrayField(models.BigIntegerField(), default=list)
    scored = models.BooleanField(default=False)
    added = ArrayField(models.BigIntegerField(), default=list)

    class Meta:
        verbose_name = verbose_name_plural = "高频词候选"

    def __str__(self) -> str:
        return self.lexeme


class DictionaryTerm(models.Model):
    """A term added to the segmenter's dictionary: learned from the corpus or curated."""

    class Source(models.TextChoices):
        QUOTED = "quoted", "引号术语"
        TITLE = "title", "书名号标题"
        DEFINED = "defined", "以下简称"
        BODY = "body", "机关名称/简称"
        CURATED = "curated", "人工词表"

    term = models.CharField(max_length=60, unique=True)
    source = models.CharField(max_length=10, choices=Source.choices)

    class Meta:
        ordering = ("term",)
        verbose_name = verbose_name_plural = "词典词条"

    def __str__(self) -> str:
        return self.term


class IndexState(models.Model):
    """A single row; ``dictionary_version`` tells every process when to reload the dictionary."""

    dictionary_version = models.PositiveIntegerField(default=0)
    # Bumped on every index change: processes reload their catalog of policies and bodies.
    catalog_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "索引状态"

    def __str__(self) -> str:
        return f"dictionary v{self.dictionary_version}"


class Synonym(models.Model):
    """A wording the corpus defines as another's: searched along with it, at lower weight.

    Learned at index time (see :mod:`search.dictionary`): ``X（以下简称“Y”）`` and parenthesised
    Latin abbreviations such as ``反向定制（C2M）``, in both directions. Curated pairs live in
    ``fixtures/dictionary/synonyms.txt`` and are read with the catalog, not stored here.
    """

    class Source(models.TextChoices):
        DEFINED = "defined", "以下简称"
        ABBREVIATION = "abbreviation", "括注缩写"

    term = models.CharField(max_length=60)
    alternative = models.CharField(max_length=100)
    source = models.CharField(max_length=15, choices=Source.choices)

    class Meta:
        ordering = ("term", "alternative")
        verbose_name = verbose_name_plural = "同义词"
        constraints = (
            models.UniqueConstraint(fields=["term", "alternative"], name="search_synonym_once"),
        )

    def __str__(self) -> str:
        return f"{self.term} → {self.alternative}"
