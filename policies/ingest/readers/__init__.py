"""Format readers: bytes of any format a curator has → :class:`SourceRead`.

``read_source(name, data)`` sniffs the format from the bytes (not only the file name) and refuses
what it cannot read with an :class:`IngestError` naming the file and the problem.
"""

from __future__ import annotations

from policies.ingest.blocks import Block, SourceRead
from policies.ingest.decode import decode_source
from policies.ingest.readers.docx import read_docx
from policies.ingest.readers.html import read_html
from policies.ingest.readers.pdf import read_pdf
from policies.ingest.readers.sniff import FORMATS, sniff_format

__all__ = ["FORMATS", "read_source", "sniff_format"]


def read_source(name: str, data: bytes) -> SourceRead:
    fmt = sniff_format(name, data)
    if fmt == "pdf":
        return read_pdf(name, data)
    if fmt == "docx":
        return read_docx(name, data)
    if fmt == "html":
        return read_html(name, data)
    return _read_plain(name, data, fmt)


def _read_plain(name: str, data: bytes, fmt: str) -> SourceRead:
    # Plain text, one raw block per line; readers/text.py (the pipeline half) replaces this.
    text = decode_source(data, name)
    return SourceRead(name, fmt, [Block(line, raw=True) for line in text.split("\n")])
