"""PDFs with a text layer → blocks, one per paragraph, with the page each starts on.

pdfminer.six gives each printed line with its box. Layout decides what text alone cannot:
page numbers and running heads are lines in the top/bottom margin band (a number, or a line that
repeats on other pages); the red-head ``…文件`` banner is a large line atop the first page; a line
continues the one before when that one runs to the right margin and it starts at the left margin
without the paragraph indent (so sentences, numbers and page breaks are rejoined); short lines
pushed to the right are signatures and dates; centred lines in a larger type are the title.
"""

from __future__ import annotations

import io
import re
import statistics
from dataclasses import dataclass

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTTextContainer, LTTextLineHorizontal
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psexceptions import PSException

from policies.ingest import IngestError
from policies.ingest.blocks import Block, SourceRead

# Share of the page height at the top and bottom where running heads and page numbers sit.
MARGIN_BAND = 0.1
# Page numbers as Chinese documents print them: 3, - 3 -, —3—, 第3页, 第3页 共8页, 3/8.
PAGE_NUMBER = re.compile(
    r"^[-—–－\s]*\d{1,4}[-—–－\s]*$|^第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?$|^\d+\s*/\s*\d+$"
)
# The red-head banner: an issuer's name followed by 文件 (国家发展和改革委员会文件).
RED_HEAD = re.compile(r"^\S{2,40}文件$")
# A larger type than the body's by this factor marks the title (公文 titles are 二号 on 三号 text).
TITLE_SIZE_RATIO = 1.2
# A text layer that yields less than this many characters per page is a scan.
MIN_CHARS_PER_PAGE = 5
CID_GLYPH = re.compile(r"\(cid:\d+\)")
CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
SPACED_CJK = re.compile(rf"(?<=[{CJK}])\s+|\s+(?=[{CJK}])")
# pdfminer adds a space where a gap exceeds this share of a character's width. Justified
# Chinese text stretches the gaps between characters, and real Latin spaces are characters of
# their own, so a wide margin loses nothing.
WORD_MARGIN = 0.5


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float  # distance from the top of the page
    size: float  # font size of its characters
    page: int
    bold: bool


def read_pdf(name: str, data: bytes) -> SourceRead:
    pages, width = _pages(name, data)
    chars = sum(len(line.text) for lines, _ in pages for line in lines)
    if chars < MIN_CHARS_PER_PAGE * max(1, len(pages)):
        raise IngestError(
            f"{name}: the PDF has no text layer (a scan?); run OCR on it or upload the text"
        )
    garbled = sum(
        len(m) for lines, _ in pages for line in lines for m in CID_GLYPH.findall(line.text)
    )
    if garbled > chars / 4:
        raise IngestError(
            f"{name}: the PDF's fonts carry no Unicode map, so its text cannot be read; "
            "upload the Word or web version"
        )
    lines = _drop_margins(pages)
    return SourceRead(name, "pdf", _paragraphs(lines, width), _info(data))


def _pages(name: str, data: bytes) -> tuple[list[tuple[list[Line], float]], float]:
    """Each page's lines top to bottom, pieces printed on one baseline joined."""
    pages = []
    width = 0.0
    try:
        for number, page in enumerate(
            extract_pages(io.BytesIO(data), laparams=LAParams(word_margin=WORD_MARGIN)), 1
        ):
            pieces = []
            for box in page:
                if not isinstance(box, LTTextContainer):
                    continue
                for line in box:
                    if isinstance(line, LTTextLineHorizontal) and line.get_text().strip():
                        pieces.append(_line(line, page.height, number))
            pages.append((_same_baseline(pieces), page.height))
            width = max(width, page.width)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise IngestError(f"{name}: the PDF is encrypted; upload an unprotected copy") from exc
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
        raise IngestError(f"{name}: a damaged PDF that cannot be read ({exc})") from exc
    if not pages:
        raise IngestError(f"{name}: the PDF has no pages")
    return pages, width


def _line(line: LTTextLineHorizontal, height: float, page: int) -> Line:
    chars = [c for c in line if isinstance(c, LTChar) and c.get_text().strip()]
    size = statistics.median(c.size for c in chars) if chars else line.height
    bold = bool(chars) and all(re.search(r"bold|black|heavy", c.fontname, re.I) for c in chars)
    # Justified Chinese lines are printed with extra spacing, which pdfminer reads as spaces.
    text = SPACED_CJK.sub("", re.sub(r"\s+", " ", line.get_text()).strip())
    return Line(text, line.x0, line.x1, height - line.y1, size, page, bold)


def _same_baseline(pieces: list[Line]) -> list[Line]:
    pieces.sort(key=lambda p: (round(p.top), p.x0))
    lines: list[Line] = []
    for piece in pieces:
        last = lines[-1] if lines else None
        if last and abs(piece.top - last.top) < 0.5 * min(piece.size, last.size):
            last.text += " " + piece.text
            last.x1 = max(last.x1, piece.x1)
            last.bold = last.bold and piece.bold
        else:
            lines.append(piece)
    return lines


def _drop_margins(pages: list[tuple[list[Line], float]]) -> list[Line]:
    """Drop page numbers, running heads and the red-head banner. In the top and bottom bands
    of a page, a page number, a line repeated on other pages, or a line in a smaller type than
    the body is page furniture; the body's own lines never reach those bands."""
    body_size = _body_size([line for lines, _ in pages for line in lines])

    def in_band(line: Line, height: float) -> bool:
        return line.top < MARGIN_BAND * height or line.top > (1 - MARGIN_BAND) * height

    def key(line: Line) -> str:
        return re.sub(r"[\d\s]", "", line.text)

    banded: dict[str, set[int]] = {}
    for lines, height in pages:
        for line in lines:
            if in_band(line, height):
                banded.setdefault(key(line), set()).add(line.page)
    kept = []
    for lines, height in pages:
        for index, line in enumerate(lines):
            if in_band(line, height) and (
                PAGE_NUMBER.match(line.text)
                or len(banded[key(line)]) > 1
                or line.size < body_size - 0.5
            ):
                continue
            if line.page == 1 and index == 0 and RED_HEAD.match(line.text.replace(" ", "")):
                continue
            kept.append(line)
    return kept


def _body_size(lines: list[Line]) -> float:
    """The type size most characters are printed in."""
    weight: dict[float, int] = {}
    for line in lines:
        weight[round(line.size, 1)] = weight.get(round(line.size, 1), 0) + len(line.text)
    return max(weight, key=weight.__getitem__)


@dataclass
class Frame:
    """The body text's column: where lines start and end, and the body type size."""

    left: float
    right: float
    size: float


def _frame(lines: list[Line], page_width: float) -> Frame:
    """The left margin is where the leftmost body line starts. The right one is where the
    longest ends, but no further left than the left margin mirrored: a short document whose
    lines are all indented or short says little about the column's width."""
    size = _body_size(lines)
    body = [line for line in lines if abs(line.size - size) < 0.5]
    left = min(line.x0 for line in body)
    return Frame(left=left, right=max(page_width - left, *(line.x1 for line in body)), size=size)


def _paragraphs(lines: list[Line], page_width: float) -> list[Block]:
    frame = _frame(lines, page_width)
    blocks: list[Block] = []
    previous: Line | None = None
    for line in lines:
        title = line.size >= TITLE_SIZE_RATIO * frame.size and _align(line, frame) == "center"
        if previous is not None and blocks and _continues(previous, line, frame, title):
            blocks[-1].text = _join(blocks[-1].text, line.text)
            blocks[-1].bold = blocks[-1].bold and line.bold
        else:
            if previous is not None and line.page != previous.page:
                blocks.append(Block(kind="page_break", page=line.page))
            if title:
                level = 1 if not any(b.kind == "heading" for b in blocks) else 2
                blocks.append(Block(line.text, kind="heading", level=level, page=line.page))
            else:
                blocks.append(
                    Block(line.text, bold=line.bold, align=_align(line, frame), page=line.page)
                )
        previous = line
    return blocks


def _continues(previous: Line, line: Line, frame: Frame, title: bool) -> bool:
    if title:
        # A title wrapped over lines: the same larger type, centred, right below.
        return (
            abs(previous.size - line.size) < 0.5
            and previous.page == line.page
            and line.top - previous.top < 2.2 * line.size
            and previous.size >= TITLE_SIZE_RATIO * frame.size
        )
    reaches_right = previous.x1 >= frame.right - 1.5 * frame.size
    starts_left = line.x0 <= frame.left + 0.5 * frame.size
    same_type = abs(previous.size - line.size) < 0.5
    return reaches_right and starts_left and same_type and _align(previous, frame) == ""


def _align(line: Line, frame: Frame) -> str:
    left_gap = line.x0 - frame.left
    right_gap = frame.right - line.x1
    if left_gap > 2 * frame.size and abs(left_gap - right_gap) < 2 * frame.size:
        return "center"
    if left_gap > right_gap + 4 * frame.size:
        return "right"
    return ""


def _join(text: str, more: str) -> str:
    """Latin words wrapped at a line end keep their space; Chinese text and split numbers don't."""
    if text[-1:].isascii() and text[-1:].isalpha() and more[:1].isascii() and more[:1].isalpha():
        return f"{text} {more}"
    return text + more


def _info(data: bytes) -> dict[str, str]:
    """The document information dictionary's title, when one was set by hand."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    try:
        info = PDFDocument(PDFParser(io.BytesIO(data))).info
    except Exception:  # the text was read; a broken info dictionary only loses the title
        return {}
    for entry in info:
        title = resolve1(entry.get("Title"))
        if isinstance(title, bytes):
            text = decode_text(title).strip()
            # Printers put file names there ("Microsoft Word - 通知.doc", "untitled").
            if text and not re.search(r"\.(docx?|wps|pdf)$|^untitled$|Microsoft Word", text, re.I):
                return {"title": text}
    return {}
