"""Load source files into records: one generic pipeline, one transaction per run.

A file whose content hash is unchanged is skipped; a changed file replaces the records it
produced before. Anything that fails rolls the whole run back and names the file. A run waits
for locks and statements only so long (:func:`limit_waits`): a stuck run fails with a message
instead of blocking every later one.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from policies.extract import normalize_title
from policies.ingest import IngestError
from policies.ingest.assemble import (
    apply_curated,
    derived_fields,
    text_fields,
    warnings_for,
)
from policies.ingest.blocks import SourceRead
from policies.ingest.bodies import body_for
from policies.ingest.cleanup import clean_blocks
from policies.ingest.constants import HEAD_STATUS_LINES, TITLE_MAX_CHARS
from policies.ingest.digest import issue_of, parse_digest, publication_of
from policies.ingest.guards import (
    check_fields,
    check_source_name,
    default_slug,
    free_slug,
    gave_up,
    limit_waits,
    one_load_at_a_time,
    refuse_blank,
)
from policies.ingest.metadata import as_date, body_registry, metadata_bytes, metadata_for
from policies.ingest.numbering import starts_numbered
from policies.ingest.readers import read_source
from policies.ingest.records import save_tree
from policies.ingest.structure import build_document
from policies.ingest.textmeta import read_head, take_page_table, wrapped_title
from policies.ingest.tree import ParsedDocument
from policies.lineage import resolve_final_versions
from policies.models import IssuingBody, Policy, PolicyBody, Reference, SourceDocument
from policies.vocabulary import is_short_line
from portal.compression import fast_compression
from portal.routers import primary_only
from search.indexing import ahead, index_policies


@dataclass
class LoadResult:
    name: str
    status: str  # "loaded", "unchanged"
    policy_ids: list[int] = field(default_factory=list)
    provisions: int = 0
    # What a curator should check: no 发文字号 found, no signature date, unknown body created…
    warnings: list[str] = field(default_factory=list)

    @property
    def policies(self) -> int:
        return len(self.policy_ids)


def sync_bodies() -> dict[str, IssuingBody]:
    """Upsert the curated body registry; returns every name and alias → body.

    Only new or changed bodies are written: saving a body queues a re-index of every policy it
    issued for the commit (its names are their context), which on every load would re-index
    much of the corpus for nothing.

    Every load path begins here, inside its transaction, so this is where it waits for any other
    load to finish (:func:`~policies.ingest.guards.one_load_at_a_time`)."""
    one_load_at_a_time()
    stored = {body.name: body for body in IssuingBody.objects.all()}
    for entry in body_registry():
        wanted = {"slug": entry["slug"], "aliases": entry.get("aliases", [])}
        body = stored.get(entry["name"])
        if body is None:
            IssuingBody.objects.create(name=entry["name"], **wanted)
        elif any(getattr(body, field) != value for field, value in wanted.items()):
            for field, value in wanted.items():
                setattr(body, field, value)
            body.save(update_fields=list(wanted))
    lookup: dict[str, IssuingBody] = {}
    # Read again, in the model's order (by name, the database's collation): which body a name
    # shared by two maps to stays as it was.
    for body in IssuingBody.objects.all():
        for name in body.all_names:
            lookup[name] = body
    return lookup


def parse_source(
    read: SourceRead,
    meta: dict[str, Any],
    body_names: set[str],
    overrides: dict[str, Any] | None = None,
) -> list[tuple[ParsedDocument, dict]]:
    """Parse a read source into (document, metadata) pairs. Metadata comes from the text and the
    page first; curated ``meta`` and the curator's ``overrides`` (same shape) win over it, and
    ``info["field_sources"]`` says where every field came from."""
    path = Path(read.name)
    lines = clean_blocks(read.blocks)
    if "digest" in meta:
        defaults = meta["digest"]
        articles = meta.get("articles", [])
        pairs = []
        for index, doc in enumerate(parse_digest(lines)):
            info = {
                "slug": f"{defaults['slug_prefix']}-{index + 1}",
                "doc_type": defaults.get("doc_type", "文章"),
                "status": defaults.get("status", ""),
                "title": doc.title,
                "authors": doc.authors,
                "publisher": _publisher(doc.source_note),
                "published_on": doc.published_on or None,
                "abstract": doc.abstract,
            }
            info["field_sources"] = {
                name: "text"
                for name in ("title", "authors", "publisher", "published_on", "abstract")
                if info.get(name)
            } | {name: "curated" for name in ("slug", "doc_type", "status")}
            if index < len(articles):
                info.update(articles[index])
                info["field_sources"].update(dict.fromkeys(articles[index], "curated"))
            pairs.append((doc, info))
        return pairs
    curated = dict(meta.get("policy", {}))
    override = dict((overrides or {}).get("policy", {}))
    lines, table = take_page_table(lines)
    read = dataclasses.replace(read, page_meta={**table, **read.page_meta})
    head = read_head(lines, read.page_meta, body_names)
    if not head.title:
        front_title = read.page_meta.get("title", "")
        head.title, head.title_source = (
            (front_title, "page") if front_title else (_first_line_title(lines), "text")
        )
    attached = wrapped_title(head.title)
    doc = build_document(
        lines,
        title=head.title or curated.get("title", "") or override.get("title", ""),
        body_names=body_names,
        attached=attached,
    )
    fields = text_fields(read, lines, head, doc, body_names)
    if attached:
        fields.force("notice_title", head.title, head.title_source)
        fields.force("title", attached, head.title_source)
    apply_curated(fields, curated, "curated")
    apply_curated(fields, override, "override")
    body_text = "\n".join([doc.notice_text, *(node.full_text for node in doc.root.walk())])
    # （征求意见稿） printed on its own line under the title marks a draft too.
    head_text = " ".join(line.text for line in lines[:HEAD_STATUS_LINES] if len(line.text) <= 12)
    derived_fields(fields, doc, body_names, body_text, head_text)
    info = dict(fields.values)
    if not info.get("title"):
        info["title"], info["title_fallback"] = path.stem, True
        fields.sources["title"] = "text"
    info.setdefault("slug", default_slug(path, info["title"]))
    info["field_sources"] = {
        name: source for name, source in fields.sources.items() if name not in ("notes",)
    }
    return [(doc, info)]


@functools.cache
def pipeline_fingerprint() -> bytes:
    """Digest of the parsing and extraction code."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for source in sorted(
        [
            *root.glob("ingest/**/*.py"),
            *root.glob("extract/*.py"),
            root / "related.py",
            root / "vocabulary.py",
        ]
    ):
        digest.update(source.read_bytes())
    return digest.digest()


def _publisher(note: str) -> str:
    """科技日报 / 中国科技论坛（2025年第1期） — a journal issue stands in for an exact date."""
    issue = issue_of(note)
    return publication_of(note) + (f"（{issue}）" if issue else "")


def _first_line_title(lines: list) -> str:
    """When nothing reads as a title, a short unpunctuated first line is the document's title."""
    first = lines[0].text.strip() if lines and not lines[0].rows else ""
    if starts_numbered(first):
        return ""
    # Markup (<!DOCTYPE html>, %PDF-1.3) is never a title: a title has Chinese words in it.
    has_words = re.search(r"[\u4e00-\u9fff]{2}", first) is not None
    return first if has_words and is_short_line(first, TITLE_MAX_CHARS) else ""


def split_doc_number(number: str) -> tuple[str, int | None, int | None]:
    """发改数据〔2024〕1836号 → (发改数据, 2024, 1836)."""
    match = re.match(r"^(.+?)[〔［\[(（【](\d{4})[〕］\])）】]\s*第?\s*(\d+)\s*号$", number.strip())
    if match:
        return match.group(1), int(match.group(2)), int(match.group(3))
    # 令 forms: 某部令第12号, 某委员会令2024年第15号
    match = re.match(r"^(.+?令)(?:(\d{4})年)?第(\d+)号$", re.sub(r"\s+", "", number))
    if match:
        return match.group(1), int(match.group(2)) if match.group(2) else None, int(match.group(3))
    return "", None, None


def _save_policy(
    doc: ParsedDocument,
    info: dict,
    source: SourceDocument,
    bodies: dict[str, IssuingBody],
    warnings: list[str] | None = None,
) -> tuple[Policy, int]:
    warnings = warnings if warnings is not None else []
    agency, year, serial = split_doc_number(info.get("doc_number", ""))
    if not info.get("title"):
        raise IngestError(f"{source.name}: a document has no title (add one in its metadata)")
    # A slug the curator typed is kept as typed (a clash is their message to act on); a derived
    # one steps aside for another source's document.
    chosen = info.get("field_sources", {}).get("slug") == "override"
    policy = Policy(
        slug=info["slug"] if chosen else free_slug(info["slug"], source),
        title=info["title"],
        short_title=info.get("short_title", ""),
        doc_number=info.get("doc_number", ""),
        doc_agency_code=agency,
        doc_year=year,
        doc_serial=serial,
        doc_type=info.get("doc_type", ""),
        status=info.get("status", ""),
        issued_on=as_date(info.get("issued_on")),
        published_on=as_date(info.get("published_on")),
        effective_on=as_date(info.get("effective_on")),
        expires_on=as_date(info.get("expires_on")),
        publisher=info.get("publisher", ""),
        source_url=info.get("source_url", ""),
        authors=info.get("authors", []),
        abstract=info.get("abstract", ""),
        comment_period_start=as_date(info.get("comment_period_start")),
        comment_period_end=as_date(info.get("comment_period_end")),
        notice_title=info.get("notice_title", "")[:300],
        notice_text=info.get("notice_text", ""),
        notes=info.get("notes", {}),
        field_sources=info.get("field_sources", {}),
        source=source,
    )
    check_fields(policy, source.name)
    policy.save()
    linked: set[int] = set()
    for name in info.get("bodies", []):
        body = body_for(name, bodies, source.name, warnings)
        if body.pk not in linked:
            PolicyBody.objects.create(policy=policy, body=body, order=len(linked))
            linked.add(body.pk)
    count = save_tree(policy, doc.root, info, bodies, warnings)
    if info.get("interprets"):
        Reference.objects.create(
            policy=policy, cited_title=info["interprets"], relation=Reference.Relation.INTERPRETS
        )
    return policy, count


def resolve_references() -> list[int]:
    """Point every reference at the policy it names; unknown titles get a stub record.
    Returns the ids of the stubs created.

    One pass over the references as plain values, one stub lookup per distinct unknown title and
    one UPDATE for every changed target: a large file cites tens of thousands of times."""
    index: dict[str, Policy] = {}
    for policy in Policy.objects.real():
        for title in (policy.title, policy.short_title, policy.notice_title):
            if title:
                index.setdefault(normalize_title(title), policy)
    keys: dict[str, str] = {}  # cited title → normalised key, each title normalised once
    stubs: dict[str, int] = {}  # key → stub policy id
    created: list[int] = []
    changed: dict[int, int] = {}  # reference id → new target id
    # A draft's final title normalises to the draft's own: policies.lineage resolves those.
    refs = Reference.objects.exclude(relation=Reference.Relation.FINAL).values_list(
        "pk", "cited_title", "target_id", "relation", "policy_id", "policy__interprets_id"
    )
    for pk, cited_title, target_id, relation, policy_id, interprets_id in refs:
        key = keys.get(cited_title)
        if key is None:
            key = keys[cited_title] = normalize_title(cited_title)
        target = index.get(key)
        if target is not None:
            target_pk = target.pk
        elif key in stubs:
            target_pk = stubs[key]
        else:
            digest = hashlib.sha1(key.encode()).hexdigest()[:10]
            stub, new = Policy.objects.get_or_create(
                slug=f"ext-{digest}", defaults={"title": cited_title, "is_stub": True}
            )
            target_pk = stubs[key] = stub.pk
            if new:
                created.append(stub.pk)
        if target_id != target_pk:
            changed[pk] = target_pk
        if relation == Reference.Relation.INTERPRETS and interprets_id != target_pk:
            Policy.objects.filter(pk=policy_id).update(interprets=target_pk)
    if changed:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Reference._meta.db_table} AS ref SET target_id = new.target "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS new(id, target) WHERE ref.id = new.id",
                [list(changed), list(changed.values())],
            )
    created += resolve_final_versions()
    # Stubs nobody cites any more (their document has arrived) go away.
    Policy.objects.filter(
        is_stub=True, cited_by__isnull=True, interpretations__isnull=True
    ).delete()
    return created


def load_file(
    path: Path,
    bodies: dict[str, IssuingBody],
    *,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> LoadResult:
    """Read one file from disk and ingest it with its curated metadata file (if any)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read: {exc.strerror}") from exc
    return ingest_source(path.name, data, bodies, force=force, log=log)


def store_original(source: SourceDocument, data: bytes) -> None:
    """Keep the file's bytes, sent as one binary parameter: Django's client-side binding would
    spell them out as a hex literal twice their size for the server to parse (1.1 against
    0.25 s for 20 MB)."""
    source.original = data
    connection.ensure_connection()
    # Errors as Django's (a timeout must reach gave_up as an OperationalError).
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"UPDATE {SourceDocument._meta.db_table} SET original = %b WHERE id = %s",
            [data, source.pk],
        )


def ingest_source(
    name: str,
    data: bytes,
    bodies: dict[str, IssuingBody],
    *,
    overrides: dict[str, Any] | None = None,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> LoadResult:
    """Parse and save one source (its previous records replaced) — the one code path for
    ``load_policies``, the admin upload and the tests. ``overrides`` (same shape as a curated TOML
    file) win over the curated file, which wins over what the text says. Runs inside the caller's
    transaction; call through :func:`load_files` or wrap it in ``transaction.atomic()`` and then
    :func:`finish_load`, which resolves references and refreshes the search index."""
    check_source_name(name)
    path = Path(name)
    meta = metadata_for(path)
    if overrides and "digest" in overrides:
        meta = {**meta, **overrides}
    # The curated metadata is part of what a load produces: editing it must reload the file.
    # So is the parser: a changed pipeline re-parses files on the next load.
    sha = hashlib.sha256(
        data
        + metadata_bytes(path)
        + repr(sorted((overrides or {}).items())).encode()
        + pipeline_fingerprint()
    ).hexdigest()
    existing = SourceDocument.objects.filter(name=name).first()
    if existing and existing.sha256 == sha and not force:
        return LoadResult(name, "unchanged")
    read = read_source(name, data)
    if not any(block.rows for block in read.blocks):
        refuse_blank("\n".join(block.text for block in read.blocks), name)
    pairs = parse_source(read, meta, set(bodies), overrides)
    if not pairs:
        raise IngestError(f"{name}: no document found in the file")
    # The original bytes and the overrides are kept, so a re-parse can run this again.
    with connection.cursor() as cursor:
        fast_compression(cursor)
    stored = {"format": read.format, "overrides": overrides or {}}
    if existing:
        existing.policies.all().delete()
        existing.sha256, existing.loaded_at = sha, timezone.now()
        for field_name, value in stored.items():
            setattr(existing, field_name, value)
        existing.save(update_fields=["sha256", "loaded_at", *stored])  # the bytes: below
        source = existing
    else:
        source = SourceDocument.objects.create(
            name=name, sha256=sha, loaded_at=timezone.now(), **stored
        )
    store_original(source, data)
    result = LoadResult(name, "loaded")
    for doc, info in pairs:
        result.warnings.extend(warnings_for(info, name))
        policy, count = _save_policy(doc, info, source, bodies, result.warnings)
        result.policy_ids.append(policy.id)
        result.provisions += count
        log(f"  {policy.slug}: {count} provisions")
    return result


def finish_load(results: list[LoadResult]) -> None:
    """After a run's files are saved: resolve references, refresh the index, once per run."""
    loaded = [pk for result in results for pk in result.policy_ids]
    if loaded:
        # New stubs are indexed with the loaded policies (they have no clauses, but their save
        # queued a re-index for the commit, which would learn the whole dictionary again).
        loaded += resolve_references()
        if ahead.running():
            # The deferred foreign-key checks of every row written, now, while the entries are
            # still being computed on the other core (else they are most of the commit).
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        index_policies(loaded)


def load_files(
    paths: list[Path],
    *,
    force: bool = False,
    log: Callable[[str], None] = print,
    progress: Callable[[int, LoadResult], None] = lambda number, result: None,
) -> list[LoadResult]:
    """Load files in one transaction: a failing file leaves the database as it was."""
    try:
        # Reads too from the primary: the load reads back what its transaction wrote.
        with primary_only(), ahead.enabled(), transaction.atomic():
            limit_waits()
            bodies = sync_bodies()
            results = []
            for number, path in enumerate(paths, 1):
                results.append(load_file(path, bodies, force=force, log=log))
                progress(number, results[-1])
            finish_load(results)
    except OperationalError as exc:
        raise gave_up(exc) from exc
    return results
