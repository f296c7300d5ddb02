"""Plain text and markdown: decode, read YAML front matter as page metadata, one raw block a line.

Lines stay raw (markdown and stray HTML still in them): cleanup strips the markup and keeps what
it tells (``#`` levels, ``**bold**`` lines, ``|`` table rows), exactly as for the other formats'
hints.
"""

from __future__ import annotations

import re

from policies.ingest.blocks import Block, SourceRead
from policies.ingest.decode import decode_source

FRONT_MATTER = re.compile(r"\A\s*---\n(.*?)\n---\n", re.S)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """``---`` / ``key: value`` / ``---`` at the top of a saved web page → ({key: value}, rest)."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields = {}
    for raw in match.group(1).splitlines():
        key, sep, value = raw.partition(":")
        if sep and key.strip():
            fields[key.strip()] = value.strip().strip("'\"")
    return fields, text[match.end() :]


def read_text(name: str, data: bytes) -> SourceRead:
    text = decode_source(data, name)
    page_meta, body = split_front_matter(text)
    fmt = "md" if name.lower().endswith((".md", ".markdown")) else "txt"
    return SourceRead(name, fmt, [Block(line, raw=True) for line in body.split("\n")], page_meta)
