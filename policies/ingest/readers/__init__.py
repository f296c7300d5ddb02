"""Format readers: bytes of any format a curator has → :class:`SourceRead`.

``read_source(name, data)`` sniffs the format from the bytes (not only the file name) and refuses
what it cannot read with an :class:`IngestError` naming the file and the problem.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from policies.ingest import IngestError
from policies.ingest.blocks import SourceRead
from policies.ingest.readers.docx import read_docx
from policies.ingest.readers.html import read_html
from policies.ingest.readers.pdf import read_pdf
from policies.ingest.readers.sniff import FORMATS, sniff_format
from policies.ingest.readers.text import read_text

__all__ = ["FORMATS", "read_source", "sniff_format"]

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
        return read_text(name, data)
    try:
        return reader(name, data)
    except IngestError:
        raise
    except Exception as exc:
        # Parsers of hostile or broken files fail in open-ended ways; the curator gets a
        # message naming the file, the log keeps the traceback.
        logger.warning("reading %s as %s failed", name, fmt, exc_info=True)
        raise IngestError(f"{name}: a damaged {fmt} file that cannot be read ({exc})") from exc
