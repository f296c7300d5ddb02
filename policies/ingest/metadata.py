"""Curated per-document metadata (fixtures/metadata/<source stem>.toml) and the body registry."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from django.conf import settings

from policies.ingest import IngestError


def metadata_path(source: Path) -> Path:
    return Path(settings.METADATA_DIR) / f"{source.stem}.toml"


def metadata_bytes(source: Path) -> bytes:
    """The curated metadata and body registry as bytes, for the load's content hash."""
    paths = [metadata_path(source), Path(settings.METADATA_DIR) / "bodies.toml"]
    return b"".join(path.read_bytes() for path in paths if path.exists())


def metadata_for(source: Path) -> dict[str, Any]:
    path = metadata_path(source)
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(f"{path.name}: invalid metadata: {exc}") from exc


def body_registry() -> list[dict[str, Any]]:
    path = Path(settings.METADATA_DIR) / "bodies.toml"
    if not path.exists():
        return []
    return tomllib.loads(path.read_text(encoding="utf-8")).get("body", [])


def as_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise IngestError(f"not a date: {value!r}") from exc
