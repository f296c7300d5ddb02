"""Format readers: bytes of any format a curator has → :class:`SourceRead`.

``read_source(name, data)`` sniffs the format from the bytes (not only the file name) and refuses
what it cannot read with an :class:`IngestError` naming the file and the problem.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from policies.ingest import IngestError
from policies.ingest.blocks import Block, SourceRead
from policies.ingest.decode import decode_source
from policies.ingest.readers.docx import read_docx
from policies.ingest.readers.html import read_html
from policies.ingest.readers.pdf import read_pdf
from policies.ingest.readers.sniff import FORMATS, sniff_format

__all__ = ["FORMATS", "as_text", "read_source", "sniff_format"]

logger = logging.getLogger(__name__)


READERS: dict[str, Callable[[str, bytes], SourceRead]] = {
    "pdf": read_pdf,
    "docx": read_docx,
    "html": read_html,
}


def read_source(name: str, data: bytes) -> SourceRead:
    fmt = sniff_format(name, data)
    reader = READERS.get(fmt)
    if reader is None:
        return _read_plain(name, data, fmt)
    try:
        return reader(name, data)
    except IngestError:
        raise
    except Exception as exc:
        # Parsers of hostile or broken files fail in open-ended ways; the curator gets a
        # message naming the file, the log keeps the traceback.
        logger.warning("reading %s as %s failed", name, fmt, exc_info=True)
        raise IngestError(f"{name}: a damaged {fmt} file that cannot be read ({exc})") from exc


def _read_plain(name: str, data: bytes, fmt: str) -> SourceRead:
    # Plain text, one raw block per line; readers/text.py (the pipeline half) replaces this.
    text = decode_source(data, name)
    return SourceRead(name, fmt, [Block(line, raw=True) for line in text.split("\n")])


def as_text(read: SourceRead) -> str:
    """The blocks as the plain text the line pipeline reads (a bridge until it reads blocks):
    the page's title and address as front matter, one line per block, a table's cells
    tab-separated, as a text export of the page would print them."""
    title = read.page_meta.get("标题") or next(
        (b.text for b in read.blocks if b.kind == "heading" and b.level == 1), ""
    )
    title = title or read.page_meta.get("title", "")
    front = []
    if read.format not in ("txt", "md") and (title or read.page_meta.get("url")):
        front = ["---", f"title: {title}", f"url: {read.page_meta.get('url', '')}", "---"]
    lines = []
    for block in read.blocks:
        if block.kind == "table":
            lines.extend("\t".join(cell.replace("\n", "、") for cell in row) for row in block.rows)
        elif block.kind != "page_break":
            lines.append(block.text)
    return "\n".join([*front, *lines])
