"""Format readers: bytes of any format a curator has → :class:`SourceRead`.

``read_source(name, data)`` sniffs the format from the bytes (not only the file name) and refuses
what it cannot read with an :class:`IngestError` naming the file and the problem.
"""

from __future__ import annotations

from policies.ingest.blocks import SourceRead
from policies.ingest.readers.text import read_text


def read_source(name: str, data: bytes) -> SourceRead:
    # Plain text for now; html/docx/pdf readers are added beside this module.
    return read_text(name, data)
