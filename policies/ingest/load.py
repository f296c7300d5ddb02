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

from django.db import OperationalError, transaction
from django.utils import timezone

from policies.extract import (
    find_cited_titles,
    find_goals,
    find_targets,
    find_tasks,
    normalize_title,
)
from policies.extract._text import DEADLINE, FRAME_ONLY, is_non_policy
from policies.extract.lineage import final_title, find_lineage, find_validity
from policies.ingest import IngestError
from policies.ingest.assemble import (
    apply_curated,
    derived_fields,
    text_fields,
    warnings_for,
)
from policies.ingest.blocks import SourceRead
from policies.ingest.bodies import body_for, save_task_bodies
from policies.ingest.cleanup import clean_blocks
from policies.ingest.constants import HEAD_STATUS_LINES, TITLE_MAX_CHARS
from policies.ingest.digest import issue_of, parse_digest, publication_of
from policies.ingest.eids import assign_eids
from policies.ingest.guards import (
    check_fields,
    check_provision_lengths,
    check_source_name,
    default_slug,
    free_slug,
    gave_up,
    limit_waits,
    refuse_blank,
    tree_levels,
)
from policies.ingest.metadata import as_date, body_registry, metadata_bytes, metadata_for
from policies.ingest.numbering import starts_numbered
from policies.ingest.readers import read_source
from policies.ingest.structure import build_document
from policies.ingest.textmeta import read_head, take_page_table, wrapped_title
from policies.ingest.tree import Node, ParsedDocument
from policies.lineage import resolve_final_versions
from policies.models import (
    Goal,
    IssuingBody,
    KeyTerm,
    Policy,
    PolicyBody,
    Provision,
    Reference,
    SourceDocument,
    Target,
    Task,
)
from policies.related import key_terms
from policies.vocabulary import is_short_line
from search.indexing import index_policies


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
    """Upsert the curated body registry; returns every name and alias → body."""
    for entry in body_registry():
        IssuingBody.objects.update_or_create(
            name=entry["name"],
            defaults={"slug": entry["slug"], "aliases": entry.get("aliases", [])},
        )
    lookup: dict[str, IssuingBody] = {}
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
    assign_eids(doc.root)
    rows = _save_provisions(policy, doc.root)
    _save_extracted(policy, doc.root, rows, info, bodies, warnings)
    if info.get("interprets"):
        Reference.objects.create(
            policy=policy, cited_title=info["interprets"], relation=Reference.Relation.INTERPRETS
        )
    return policy, len(rows)


def _save_provisions(policy: Policy, root: Node) -> dict[int, Provision]:
    """Insert the tree level by level, each row's parent set at insert time (no UPDATE pass)."""
    nodes = list(root.walk())
    rows = [
        Provision(
            policy=policy,
            kind=node.kind,
            num=node.num,
            heading=node.heading[:300],
            text=node.text,
            order=order,
            depth=node.depth,
            eid=node.eid,
            rows=node.rows,
        )
        for order, node in enumerate(nodes)
    ]
    check_provision_lengths(rows, policy)
    by_node = {id(node): row for node, row in zip(nodes, rows, strict=True)}
    for level in tree_levels(nodes):
        for node in level:
            if node.parent is not None and node.parent.kind != "root":
                by_node[id(node)].parent = by_node[id(node.parent)]  # saved one level up
        Provision.objects.bulk_create([by_node[id(node)] for node in level], batch_size=5000)
    return by_node


def _deadline_context(root: Node) -> dict[int, int]:
    """A "到2026年底" line governs the sibling lines after it (infographic goal lists)."""
    years: dict[int, int] = {}

    def visit(node: Node, inherited: int | None) -> None:
        current = inherited
        for child in node.children:
            if current is not None:
                years[id(child)] = current
            if FRAME_ONLY.match(child.full_text):
                match = DEADLINE.search(child.full_text)
                current = int(match.group(1) or match.group(2))
            visit(child, years.get(id(child)))

    visit(root, None)
    return years


def _save_extracted(
    policy: Policy,
    root: Node,
    rows: dict[int, Provision],
    info: dict,
    bodies: dict[str, IssuingBody],
    warnings: list[str],
) -> None:
    doc_type = info.get("doc_type", "")
    years = _deadline_context(root)
    targets, order = [], 0
    if not is_non_policy(doc_type):
        for node in root.walk():
            for fact in find_targets(node.full_text, default_year=years.get(id(node))):
                targets.append(
                    Target(
                        policy=policy,
                        provision=rows[id(node)],
                        metric=fact.metric[:200],
                        comparator=fact.comparator,
                        value=fact.value,
                        unit=fact.unit,
                        year=fact.year,
                        sentence=fact.sentence,
                        order=order,
                    )
                )
                order += 1
    Target.objects.bulk_create(targets)
    Goal.objects.bulk_create(
        Goal(policy=policy, provision=rows[id(node)], text=text, order=i)
        for i, (node, text) in enumerate(find_goals(root, doc_type))
    )
    tasks = Task.objects.bulk_create(
        Task(policy=policy, provision=rows[id(node)], title=title[:300], order=i)
        for i, (node, title) in enumerate(find_tasks(root, doc_type))
    )
    save_task_bodies(policy, root, rows, tasks, bodies, warnings)
    own = normalize_title(policy.title)
    refs = []
    for node in root.walk():
        lineage = find_lineage(node.full_text)
        for title in find_cited_titles(node.full_text):
            if normalize_title(title) != own:
                refs.append(
                    Reference(
                        policy=policy,
                        provision=rows[id(node)],
                        cited_title=title[:300],
                        relation=lineage.get(title, Reference.Relation.CITES),
                    )
                )
    if final := final_title(policy.title):  # a draft points at the final version it becomes
        refs.append(Reference(policy=policy, cited_title=final, relation=Reference.Relation.FINAL))
    Reference.objects.bulk_create(refs)
    whole = "\n".join(node.full_text for node in root.walk())
    if not policy.status_reason and (until := find_validity(whole)):
        policy.status_reason = f"有效期至 {until.year}年{until.month}月{until.day}日"
        policy.status_date = until
        policy.save(update_fields=["status_reason", "status_date"])
    counts = key_terms([node.full_text for node in root.walk()])
    KeyTerm.objects.bulk_create(
        KeyTerm(policy=policy, term=term, occurrences=n) for term, n in counts.items()
    )


def resolve_references() -> None:
    """Point every reference at the policy it names; unknown titles get a stub record."""
    index: dict[str, Policy] = {}
    for policy in Policy.objects.real():
        for title in (policy.title, policy.short_title, policy.notice_title):
            if title:
                index.setdefault(normalize_title(title), policy)
    # A draft's final title normalises to the draft's own: policies.lineage resolves those.
    retargeted: dict[int, list[int]] = {}  # policy → the references that now cite it
    for ref in Reference.objects.select_related("policy").exclude(
        relation=Reference.Relation.FINAL
    ):
        key = normalize_title(ref.cited_title)
        target = index.get(key)
        if target is None:
            digest = hashlib.sha1(key.encode()).hexdigest()[:10]
            target, _ = Policy.objects.get_or_create(
                slug=f"ext-{digest}", defaults={"title": ref.cited_title, "is_stub": True}
            )
            # A large document cites the same few titles thousands of times: one look-up each.
            index[key] = target
        if ref.target_id != target.id:
            retargeted.setdefault(target.id, []).append(ref.pk)
        if ref.relation == Reference.Relation.INTERPRETS and ref.policy.interprets_id != target.id:
            Policy.objects.filter(pk=ref.policy_id).update(interprets=target)
    # One UPDATE per cited policy, not per reference (no CASE over thousands of rows either).
    for target_id, ref_ids in retargeted.items():
        Reference.objects.filter(pk__in=ref_ids).update(target_id=target_id)
    resolve_final_versions()
    # Stubs nobody cites any more (their document has arrived) go away.
    Policy.objects.filter(
        is_stub=True, cited_by__isnull=True, interpretations__isnull=True
    ).delete()


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
    stored = {"original": data, "format": read.format, "overrides": overrides or {}}
    if existing:
        existing.policies.all().delete()
        existing.sha256, existing.loaded_at = sha, timezone.now()
        for field_name, value in stored.items():
            setattr(existing, field_name, value)
        existing.save()
        source = existing
    else:
        source = SourceDocument.objects.create(
            name=name, sha256=sha, loaded_at=timezone.now(), **stored
        )
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
        resolve_references()
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
        with transaction.atomic():
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
