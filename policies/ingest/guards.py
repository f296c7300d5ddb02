"""Guards of a load: bounded waits, safe slugs, field sizes, empty files.

Small functions :mod:`policies.ingest.load` calls so that bad input is a message naming the file
(never a DataError or IntegrityError) and a stuck or killed run never blocks the next one.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection
from django.utils.text import slugify

from policies.ingest import IngestError
from policies.ingest.tree import Node
from policies.models import Policy, Provision, SourceDocument

# SQLSTATEs of a statement cancelled by statement_timeout and of a lock not granted in time.
_TIMEOUT_STATES = {"57014": "a statement ran too long", "55P03": "a lock was not granted in time"}


def limit_waits() -> None:
    """Bound the run's waits, for this transaction only (SET LOCAL).

    statement_timeout and lock_timeout turn a stuck load into an error; the idle timeout and the
    client connection check make the server end the session (and release its locks) soon after
    its loader is killed, even in the middle of a long statement."""
    values = {
        "statement_timeout": f"{settings.INGEST_STATEMENT_TIMEOUT}s",
        "lock_timeout": f"{settings.INGEST_LOCK_TIMEOUT}s",
        "idle_in_transaction_session_timeout": f"{settings.INGEST_STATEMENT_TIMEOUT}s",
    }
    if connection.pg_version >= 140000:
        values["client_connection_check_interval"] = "2s"
    with connection.cursor() as cursor:
        for name, value in values.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


# pg_advisory_xact_lock's key for "a load is running" (any constant; this one spells "pkb load").
LOAD_LOCK = 0x706B_6220_6C6F_6164


def one_load_at_a_time() -> None:
    """Wait (up to the transaction's lock timeout) until no other load runs, then hold that
    until this transaction ends. Two loads side by side would pick the same free slugs and stub
    rows and fail with a raw IntegrityError or a deadlock; this way the second one waits, or
    gives up with a message (:func:`gave_up`). Released by the server when the session dies."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOAD_LOCK])


def gave_up(exc: OperationalError) -> Exception:
    """An IngestError saying which wait ran out, or the database error itself."""
    state = getattr(getattr(exc, "__cause__", None), "sqlstate", None)
    if state in _TIMEOUT_STATES:
        return IngestError(
            f"gave up: {_TIMEOUT_STATES[state]} (statement timeout "
            f"{settings.INGEST_STATEMENT_TIMEOUT} s, lock timeout {settings.INGEST_LOCK_TIMEOUT} s; "
            f"is another load running?): {exc}"
        )
    return exc


_BLANK = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]*")


def refuse_blank(text: str, name: str) -> None:
    """A file of nothing but (full-width, zero-width) spaces is refused, not loaded as empty."""
    if _BLANK.fullmatch(text):
        raise IngestError(f"{name}: the file holds no text, only whitespace")


def check_source_name(name: str) -> None:
    """A file name longer than SourceDocument.name holds is a message, not a DataError."""
    limit = SourceDocument._meta.get_field("name").max_length
    if len(name) > limit:
        raise IngestError(
            f"{name[:60]}…: the file name is {len(name)} characters, longer than the {limit} "
            "allowed (rename the file)"
        )


def default_slug(path: Path, title: str) -> str:
    """An ASCII file name's stem as the slug; otherwise (Chinese or unsafe names) a stable hash of
    the title, so the same document keeps its URL across reloads."""
    if path.stem.isascii():
        slug = slugify(path.stem)[:80].strip("-")
        if slug:
            return slug
    return "doc-" + hashlib.sha1(title.encode()).hexdigest()[:12]


def free_slug(slug: str, source: SourceDocument) -> str:
    """``slug``, or with a suffix from the source's name when a policy of another source holds
    it — never an IntegrityError."""
    taken = Policy.objects.filter(slug=slug).exclude(source=source).exists()
    if not taken:
        return slug
    base = f"{slug[:100]}-{hashlib.sha1(source.name.encode()).hexdigest()[:6]}"
    candidate, number = base, 1
    while Policy.objects.filter(slug=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def check_fields(policy: Policy, name: str) -> None:
    """The model's own validation (lengths, http(s)-only URL) as a message naming file and field."""
    try:
        policy.clean_fields(exclude=["source", "interprets"])
    except ValidationError as exc:
        problems = "; ".join(
            f"{attr}: {' '.join(messages)}" for attr, messages in exc.message_dict.items()
        )
        raise IngestError(f"{name}: {problems}") from None


def check_provision_lengths(nodes: list[Node], policy: Policy) -> None:
    """Over-long numbers or anchors are a message naming the file and field, not a DataError."""
    name = policy.source.name if policy.source_id else policy.slug
    limits = {attr: Provision._meta.get_field(attr).max_length for attr in ("num", "eid")}
    for node in nodes:
        for attr, limit in limits.items():
            if len(getattr(node, attr)) > limit:
                raise IngestError(
                    f"{name}: provision {node.eid[:40]!r}: {attr} is {len(getattr(node, attr))} "
                    f"characters, longer than the {limit} allowed"
                )
