"""Bytes → text for source files, with a clear error for binary or undecodable input."""

from __future__ import annotations

import re

from charset_normalizer import from_bytes

from policies.ingest import IngestError

# C0 control characters other than tab, line feed, form feed and carriage return.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
# Encodings Chinese government sources actually come in, tried strictly in this order.
ENCODINGS = ("utf-8", "gb18030")


def decode_source(data: bytes, name: str) -> str:
    if not data.strip():
        raise IngestError(f"{name}: the file is empty")
    if b"\x00" in data[:8192]:
        raise IngestError(f"{name}: looks like a binary file (NUL bytes), not text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _check_text(text, name)
    best = from_bytes(data).best()
    # charset-normalizer guesses something for almost any bytes; only trust a confident,
    # mostly-CJK result, otherwise refuse rather than load mojibake.
    if best is not None and best.chaos < 0.1:
        return _check_text(str(best), name)
    raise IngestError(f"{name}: cannot decode as UTF-8 or GB18030/GBK text")


def _check_text(text: str, name: str) -> str:
    controls = len(CONTROL_CHARS.findall(text))
    if controls > max(5, len(text) // 100):
        raise IngestError(f"{name}: contains {controls} control characters; not a text document")
    return text.replace("\r\n", "\n").replace("\r", "\n")
