"""From the typed query to terms: question words, dates, phrases, exclusions, aliases, synonyms.

A term matches a clause by any of its variants: the words typed, a body's other names
(发改委 → 国家发展改革委) and synonyms (curated pairs and pairs the corpus defines). User text is
only ever data: tsqueries are built from quoted lexemes elsewhere, never parsed from user syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from search import segment
from search.normalize import compact
from search.query.params import MAX_QUERY_CHARS, MAX_TERMS

if TYPE_CHECKING:
    from search.query.catalog import Catalog
    from search.query.weights import RankingWeights

# Function and question words: they carry no topic, so a term's words-path ignores them.
STOPWORDS = frozenset(
    """的 了 吗 呢 吧 啊 和 与 及 或 在 是 对 为 把 被 将 于 以 之 其 这 那 有 要 也 都 就 并 而 等
    如何 怎么 怎样 什么 哪些 哪个 哪里 是否 有没有 有关 关于 请问 怎么样 为什么 多少 以及 进行
    相关 方面 一下 我们 我 你 他 它 哪 吗 么 能否 能不能 可以 可不可以 是不是 应该 需要 有哪些""".split()
)
# Question and filler phrases cut out of a term before it is searched (longest first), so that
# 数据标注产业怎么发展 searches 数据标注产业 and 发展, not 怎么.
QUESTION_WORDS = tuple(
    sorted(
        """有没有 能不能 可不可以 是不是 怎么样 为什么 是指什么 是什么 什么是 什么叫 有哪些 哪些 哪个
        如何 怎么 怎样 什么 是否 能否 多少 方面 请问""".split(),
        key=len,
        reverse=True,
    )
)
# Single-character particles only where they end a question (吗啡, 酒吧 keep theirs).
_QUESTION_RE = re.compile("|".join(map(re.escape, QUESTION_WORDS)) + r"|[吗呢啊吧](?=\s|$)")
# 什么是X / X是什么 / X是指什么 / 何为X / X的含义: the query asks for X's definition.
_DEFINITION_RES = (
    re.compile(r"^(?:什么是|什么叫|何为|何谓)(.{2,20})$"),
    re.compile(r"^(.{2,20}?)(?:是什么|是指什么|指什么|是啥|的定义|的含义|的概念)$"),
)
# …号文 is how people cite a document by number: the 文 is not part of it.
_DOC_NUMBER_WEN_RE = re.compile(r"(\d)号文")
# Dates as people type them; each becomes a term of its own (matched against document dates).
_DATE_RES = (
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})[日号])?"),
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})(?:[-/.](?P<d>\d{1,2}))?(?![\d%])"),
    re.compile(r"(?<!\d)(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]"),
    re.compile(r"(?<![\d〔\[(（])(?P<y>(?:19|20)\d{2})年(?!\d)"),
)
_TERM_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_HAS_CONTENT_RE = re.compile(r"[\w]", re.UNICODE)
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
# Synonym variants per term, and the longest synonym key looked for inside a term.
MAX_SYNONYMS = 4
MAX_KEY_CHARS = 12

DateParts = tuple[int | None, int | None, int | None]


@dataclass
class Variant:
    """One way a term can match: its words (AND) and/or its exact substring."""

    words: list[str]
    substring: str
    kind: str = "typed"  # typed | alias (a body's other name) | synonym
    # For a synonym: the wording put in place of the typed word (searched alone when partial).
    alternative: str = ""


@dataclass
class Term:
    text: str
    variants: list[Variant]
    phrase: bool = False
    negated: bool = False
    date: DateParts | None = None

    @property
    def all_words(self) -> list[str]:
        return [w for v in self.variants for w in v.words]

    @property
    def typed_words(self) -> list[str]:
        return [w for v in self.variants if v.kind != "synonym" for w in v.words]


@dataclass
class ParsedQuery:
    terms: list[Term]
    ignored: list[str] = field(default_factory=list)
    # The X of 什么是X (compact), when the query asks for a definition.
    defines: str = ""

    @property
    def positive(self) -> list[Term]:
        return [t for t in self.terms if not t.negated]


def significant_words(text: str) -> list[str]:
    words = [slot.word for slot in segment.lexemes(text)]
    kept = [w for w in words if w not in STOPWORDS]
    return kept or words


def make_variant(text: str, phrase: bool, kind: str = "typed") -> Variant:
    return Variant(
        words=[] if phrase else significant_words(text), substring=compact(text), kind=kind
    )


def date_parts(text: str) -> DateParts | None:
    """(year, month, day) when the whole text is a date as people type it."""
    for regex in _DATE_RES:
        match = regex.fullmatch(text)
        if match:
            parts = match.groupdict()
            values = tuple(int(parts[k]) if parts.get(k) else None for k in ("y", "m", "d"))
            _year, month, day = values
            if (month is not None and not 1 <= month <= 12) or (
                day is not None and not 1 <= day <= 31
            ):
                return None
            return values  # type: ignore[return-value]
    return None


def _split_dates(text: str) -> str:
    for regex in _DATE_RES:
        text = regex.sub(lambda m: f" {m.group(0)} ", text)
    return text


def strip_question_words(text: str, weights: RankingWeights) -> tuple[str, list[str], str]:
    """(text with question words cut out, the words cut, the X of a definition question)."""
    defines = ""
    for regex in _DEFINITION_RES:
        match = regex.match(compact(text))
        if match and _CJK_RE.search(match.group(1)):
            defines = match.group(1)
            break
    text = _DOC_NUMBER_WEN_RE.sub(r"\1号", text)
    if not weights.drop_question_words:
        return text, [], defines
    ignored: list[str] = []

    def cut(match: re.Match) -> str:
        ignored.append(match.group(0))
        return " "

    parts = []
    # Quoted phrases are kept as typed.
    for i, chunk in enumerate(re.split(r'("[^"]*"?)', text)):
        parts.append(chunk if i % 2 else _QUESTION_RE.sub(cut, chunk))
    return "".join(parts), ignored, defines


def _synonym_variants(text: str, catalog: Catalog) -> list[Variant]:
    """The term with a synonym in place of each synonym key it contains (longest keys first)."""
    if not catalog.synonyms:
        return []
    found: list[tuple[str, str]] = []
    n = len(text)
    seen: set[str] = set()
    for size in range(min(n, MAX_KEY_CHARS), 1, -1):
        for start in range(0, n - size + 1):
            key = text[start : start + size]
            if key in seen or key not in catalog.synonyms:
                continue
            seen.add(key)
            for alternative in catalog.synonyms[key]:
                if alternative not in text:
                    found.append((key, alternative))
    variants = []
    for key, alternative in found[:MAX_SYNONYMS]:
        variant = make_variant(text.replace(key, alternative), False, kind="synonym")
        variant.alternative = alternative
        variants.append(variant)
    return variants


def parse_query(normalized_query: str, catalog: Catalog, weights: RankingWeights) -> ParsedQuery:
    text, ignored, defines = strip_question_words(normalized_query, weights)
    text = _split_dates(text)
    terms: list[Term] = []
    for match in _TERM_RE.finditer(text):
        if match.group(3) is not None:
            raw = match.group(3)
            negated = raw.startswith("-") and len(raw) > 1
            term_text, phrase = (raw[1:] if negated else raw), False
        else:
            negated, term_text, phrase = bool(match.group(1)), match.group(2).strip(), True
        if not _HAS_CONTENT_RE.search(term_text):
            continue  # operators and punctuation only: nothing to look for
        term_text = term_text[:MAX_QUERY_CHARS]
        date = None if phrase else date_parts(term_text)
        if date is not None:
            # Dates match document dates, or the date written out in a clause: verbatim, or by
            # its words in the clause's heading path (到2028年： above a list of targets).
            variants = [Variant(words=significant_words(term_text), substring=compact(term_text))]
        else:
            variants = [make_variant(term_text, phrase)]
            for alias in catalog.aliases_of(compact(term_text)):
                variants.append(make_variant(alias, phrase=False, kind="alias"))
            if not phrase and not negated and weights.synonym:
                variants.extend(_synonym_variants(compact(term_text), catalog))
        terms.append(
            Term(text=term_text, variants=variants, phrase=phrase, negated=negated, date=date)
        )
        if len(terms) >= MAX_TERMS:
            break
    # A lone character left over (各方面 → 各, 号文's 文) says little next to other terms.
    positive = [t for t in terms if not t.negated]
    if len(positive) > 1:
        lone = [t for t in positive if not t.phrase and len(t.text) == 1 and _CJK_RE.match(t.text)]
        if len(lone) < len(positive):
            terms = [t for t in terms if t not in lone]
            ignored.extend(t.text for t in lone)
    return ParsedQuery(terms=terms, ignored=ignored, defines=compact(defines))


def relaxed_terms(terms: list[Term]) -> list[Term]:
    """Each significant word of the positive terms on its own, for partial matches.

    Aliases and synonyms of a multi-word term are kept as terms of their own; single characters
    are dropped (they match almost everything and say almost nothing).
    """
    relaxed: list[Term] = [t for t in terms if t.negated]
    seen: set[str] = set()
    for term in terms:
        if term.negated:
            continue
        typed = term.variants[0]
        if term.phrase or term.date is not None or len(typed.words) <= 1:
            if term.text not in seen:
                relaxed.append(term)
                seen.add(term.text)
            continue
        for word in typed.words:
            if word not in seen and (len(word) > 1 or word.isascii()):
                relaxed.append(Term(text=word, variants=[Variant([word], word)]))
                seen.add(word)
        for variant in term.variants[1:]:
            if variant.kind == "synonym" and variant.alternative != variant.substring:
                variant = make_variant(variant.alternative, False, kind="synonym")
            if variant.substring not in seen:
                relaxed.append(Term(text=variant.substring, variants=[variant]))
                seen.add(variant.substring)
    return relaxed
