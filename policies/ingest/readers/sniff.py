"""Which format a source file is in, told from its bytes (the file name only breaks ties).

Curators save files under any name: a government page saved as ``.txt``, a Word file renamed
``.doc``, a scan exported as ``.pdf``. The bytes decide; what cannot be read is refused with a
message that says what the file looks like, so the curator knows what to do instead.
"""

from __future__ import annotations

import io
import re
import zipfile

from policies.ingest import IngestError

# Formats read_source() accepts.
FORMATS = ("txt", "md", "html", "docx", "pdf")

# Magic numbers of formats curators send that cannot be read as text, with what to do.
REFUSED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old binary Office file (.doc/.xls/.wps): save it as .docx",
    ),
    (b"{\\rtf", "an RTF file: save it as .docx"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image: a scan needs OCR to a text layer first"),
    (b"\xff\xd8\xff", "a JPEG image: a scan needs OCR to a text layer first"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image: a scan needs OCR to a text layer first"),
    (b"MM\x00*", "a TIFF image: a scan needs OCR to a text layer first"),
    (b"Rar!", "a RAR archive: unpack it and upload the documents inside"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: unpack it and upload the documents inside"),
    (b"\x1f\x8b", "a gzip archive: unpack it and upload the documents inside"),
)
READABLE = "readable formats are .txt, .md, .html, .docx and .pdf with a text layer"

# A PDF header may follow some junk, but must be within the first 1024 bytes (PDF 32000-1, 7.5.2).
PDF_HEADER_WITHIN = 1024

# Markup that only a web page starts with (after a BOM, blanks and comments).
HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html|head|body|meta|title)\b",
    re.I | re.S,
)
# A page saved by a browser as a single file (.mhtml/.mht): a MIME message wrapping the HTML.
MHTML_START = re.compile(rb"^(?:[\w-]+:[^\n]*\r?\n(?:[ \t][^\n]*\r?\n)*){0,20}?MIME-Version:", re.I)
# For a file named .html/.htm any element is enough: fragments saved from a page lack <html>.
ANY_ELEMENT = re.compile(rb"<(?:p|div|span|table|h[1-6]|section|article|br)\b", re.I)


def sniff_format(name: str, data: bytes) -> str:
    """One of :data:`FORMATS`, or an :class:`IngestError` naming the file and what it is."""
    if not data.strip():
        raise IngestError(f"{name}: the file is empty")
    if b"%PDF-" in data[:PDF_HEADER_WITHIN]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_format(name, data)
    for magic, what in REFUSED_MAGIC:
        if data.startswith(magic):
            raise IngestError(f"{name}: this is {what} ({READABLE})")
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if MHTML_START.match(data[:4096]) and b"multipart/related" in data[:4096].lower():
        return "html"
    head = data[:4096]
    if HTML_START.match(head) or (suffix in ("html", "htm", "xhtml") and ANY_ELEMENT.search(head)):
        return "html"
    return "md" if suffix in ("md", "markdown") else "txt"


def _zip_format(name: str, data: bytes) -> str:
    try:
        members = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile as exc:
        raise IngestError(f"{name}: a damaged ZIP/Office file ({exc})") from exc
    if "word/document.xml" in members:
        return "docx"
    if any(m.startswith("xl/") for m in members):
        what = "an Excel workbook (.xlsx)"
    elif any(m.startswith("ppt/") for m in members):
        what = "a PowerPoint deck (.pptx): export it as PDF"
    elif "content.xml" in members:
        what = "an OpenDocument file: save it as .docx"
    else:
        what = "a ZIP archive: unpack it and upload the documents inside"
    raise IngestError(f"{name}: this is {what} ({READABLE})")
