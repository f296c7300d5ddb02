"""General clean-up of messy sources into logical lines.

Every rule here is about a kind of mess (web chrome, PDF extraction, markdown, slides), never
about a particular file: front matter, images, WeChat boilerplate, HTML fragments, table cells,
bookmarks, glyph-by-glyph duplication, stray page numbers, tables of contents, repeated slide
navigation and mid-sentence line wraps.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from policies.ingest.blocks import Block
from policies.ingest.constants import (
    NAV_LINE_CHARS,
    NAV_MENU_ITEMS,
    NAV_MIN_REPEATS,
    SHORT_WRAP_MIN_LINES,
    TOC_ENTRY_CHARS,
    WRAP_FILL_RATIO,
    WRAP_MIN_LINES,
    WRAP_MIN_NEAR,
    WRAP_MIN_WIDTH,
)
from policies.ingest.numbering import parse_decimal_heading, parse_numbering, starts_numbered
from policies.vocabulary import (
    PAGE_PAIR,
    SHORT_LINE_CHARS,
    ends_sentence,
    is_short_line,
)


@dataclass
class Line:
    text: str
    md_level: int = 0  # heading level (markdown #, ##…; a reader's heading block); 0 for body
    bold: bool = False  # the whole line was **bold** (reposts use it for headings)
    bullet: bool = False
    hard_break: bool = False  # markdown "two trailing spaces": the logical line continues
    align: str = ""  # "right" for a signature block laid out by a word processor
    rows: list[list[str]] = field(default_factory=list)  # a table's cells, header row first
    after_page_break: bool = False  # a PDF page ended before this line
    after_blank: bool = False  # an empty line came before it (plain text: a paragraph break)
    blank_after: bool = field(default=False, repr=False)
    styled: bool = False  # a reader's heading block (a Word heading style, <h2>): a heading


# A one-sentence line opening an enumerated point (一是…。 其次，…。 第三，…。).
ENUMERATOR_LEAD = re.compile(
    r"^(?:[一二三四五六七八九十]+是|首先|其次|再次|最后|第[一二三四五六七八九十]+[，,])[^。！？]{2,40}[。！？]$"
)
MD_IMAGE = re.compile(r"\[?!\[[^\]]*\]\([^)]*\)(\]\([^)]*\))?")
MD_LINK = re.compile(r"\[([^\]]*)\]\((?:https?://|/|mailto:)[^)]*\)")
BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
MD_HEADING = re.compile(r"^(#{1,6})\s+")
BULLET_MARKS = ("-", "*", "·", "•")
MD_BULLET = re.compile(r"^[-*·•]\s+")
MD_BOLD = re.compile(r"\*\*.+\*\*")
MD_EMPHASIS = re.compile(r"\*\*|__")
HTML_BLOCK = re.compile(r"</?(?:h[1-6]|p|div|li|ul|ol|tr|td|th|table|br|section)\b[^>]*>", re.I)
HTML_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.I | re.S)
HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*\b[^<>]*>")
PAGE_NUMBER = re.compile(r"^\s*[-—]?\s*\d{1,3}\s*[-—]?\s*$")
TOC_HEADER = re.compile(r"^\s*目\s*录\s*$")
TOC_PAGE = re.compile(r"[\t ]+\.*\s*\d{1,3}\s*$")
TOC_ENTRY = re.compile(r"^.{2,60}?[\t ]+\.{0,}\s*\d{1,3}\s*$")
# A 发文字号, a date or an annex label on its own line starts a new line whatever precedes it.
STANDALONE = re.compile(
    r"^(?:.{1,20}[〔［\[(（【]\s*\d{4}\s*[〕］\])）】]\s*\d+\s*号|.{0,20}第\s*\d+\s*号"
    r"|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}[./-]\d{1,2}[./-]\d{1,2}\b.*|[〇零一二三四五六七八九]{4}年.{1,3}月.{1,3}日"
    r"|附\s*件\s*\d*\s*[:：]?.*)$"
)
WHITESPACE = re.compile(r"\s+")
CLAUSE_PUNCT = re.compile(r"[，；,;：、]")
URL_ONLY = re.compile(r"^\s*(来源[:：]\s*)?https?://\S+\s*$")
# Chrome of WeChat articles and government web pages: UI strings, subscription prompts, menus.
BOILERPLATE = re.compile(
    r"^(微信扫一扫.*|.*关注该公众号|阅读原文|轻触阅读原文|预览时标签不可点|继续滑动看下一个|向上滑动看下一个"
    r"|知道了|使用小程序|使用完整服务|取消|允许|分析|视频|小程序|赞|在看|分享|留言|收藏|听过|×"
    r"|，轻点两下取消(赞|在看)|扫码订阅.*|邮发代号.*|征订热线.*|点击下图.*|欢迎(关注|转发|分享|点赞).*"
    r"|点击.{0,6}阅读原文.*|长按.*二维码.*|.*\[打印\].*|首页\s*>.*|THANKS|END"
    # A government site's footer: ICP and police filing numbers, site code, copyright, host.
    r"|.*ICP备\s*\d+号.*|.*公网安备\s*\d+号.*|网站标识码.*|版权所有.*|(主办|承办|技术支持)单位?[:：].*"
    r"|(【?\s*(打印|关闭|关闭窗口|打印本页|返回顶部|保存本页|收藏)\s*】?\s*)+"
    # Breadcrumbs and share bars.
    r"|(当前位置|您的位置|你的位置|所在位置)\s*[:：].*|.*首页\s*[>»›].*|分享到\s*[:：].*)$"
)
MENU = re.compile(r"^[^|]{1,12}(\s*\|\s*[^|]{1,12}){3,}$")  # 首页 | 机构设置 | 新闻动态 | …
REPEATED_CHUNK = re.compile(r"([\u4e00-\u9fff“”‘’《》「」（）]{1,20}?)\1{2,}")
TRIPLED_CHAR = re.compile(r"([\u4e00-\u9fff“”‘’《》「」（）])\1\1")
DOUBLED_CHUNK = re.compile(r"([\u4e00-\u9fff“”‘’《》「」（）]{2,20}?)\1")
CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
ONLY_PUNCT = re.compile(r"^[\s\W_]*$")
LATIN_ONLY = re.compile(r"^[A-Za-z][A-Za-z .,&'-]{10,}$")  # English site names next to Chinese ones


def normalize_chars(text: str) -> str:
    # U+FFFD marks a glyph the extractor lost; zero-width and BOM characters are invisible noise.
    for ch in ("\ufffd", "\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"):
        text = text.replace(ch, "")
    return text.replace("\u00a0", " ").replace("\u3000", " ")


def _strip_markup(raw: str) -> Line | None:
    # Each rule runs only when its marker character is present: most lines carry no markup, and
    # these checks are a large share of a long file's clean-up time.
    text = raw
    if "[" in text:
        text = BOOKMARK.sub("", text)
        text = MD_IMAGE.sub("", text)
        text = MD_LINK.sub(r"\1", text)
    hard_break = text.endswith("  ") and bool(text.strip())
    text = text.strip()
    md_level = 0
    if text.startswith("#") and (match := MD_HEADING.match(text)):
        md_level = len(match.group(1))
        text = text[match.end() :]
    bullet = False
    if text.startswith(BULLET_MARKS) and (match := MD_BULLET.match(text)):
        bullet = True
        text = text[match.end() :]
    bold = text.startswith("**") and MD_BOLD.fullmatch(text) is not None
    if "**" in text or "__" in text:
        text = MD_EMPHASIS.sub("", text)
    text = html.unescape(text.strip())
    if not text:
        return None
    return Line(text=text, md_level=md_level, bold=bold, bullet=bullet, hard_break=hard_break)


def _explode(raw_text: str) -> list[str]:
    """HTML headings become markdown headings, block tags and table cells (tabs) start new
    lines; inline tags vanish."""
    text = HTML_HEADING.sub(
        lambda m: "\n" + "#" * int(m.group(1)) + " " + m.group(2) + "\n", raw_text
    )
    text = HTML_BLOCK.sub("\n", text)
    text = HTML_TAG.sub("", text)
    out: list[str] = []
    for raw in text.split("\n"):
        cells = [cell for cell in raw.split("\t")]
        if len(cells) > 1:
            out.extend(cell.strip() for cell in cells if cell.strip())
        else:
            out.append(raw)
    return out


def collapse_duplicated_glyphs(text: str) -> str:
    """Bold PDF text is extracted glyph by glyph several times: 以以以以““““链式思维链式思维…"""
    # Whole-line repetition (the title printed 2–4 times, the last copy possibly cut short).
    text = " ".join([_collapse_whole(part) for part in text.split(" ")])
    # Runs of a short CJK chunk repeated three or more times in a row. Such a run holds a
    # character tripled or a chunk of two or more characters doubled; both searches are several
    # times cheaper than the replacing regex, which then runs only on the few lines that have one.
    if len(text) < 3 or not (TRIPLED_CHAR.search(text) or DOUBLED_CHUNK.search(text)):
        return text
    return REPEATED_CHUNK.sub(r"\1", text)


def _collapse_whole(part: str) -> str:
    """The shortest leading unit (4+ characters, some CJK) that ``part`` repeats at least twice,
    the last copy possibly cut short; ``part`` itself when there is none.

    ``part`` repeats its first ``size`` characters exactly when ``part[size:] == part[:-size]``
    (a period of the string). Such a size is where the first four characters occur again, so
    only those places are compared — at C speed — instead of trying every size."""
    n = len(part)
    head = part[:4]
    size = part.find(head, 4)
    while 0 < size <= n // 2:
        if part[size:] == part[: n - size] and CJK_CHAR.search(part, 0, size):
            return part[:size]
        size = part.find(head, size + 1)
    return part


class _CharWidths(dict):
    """Character → columns it takes (2 for East Asian wide and full-width), looked up once per
    distinct character: summing over a long file's lines stays in C."""

    def __missing__(self, ch: str) -> int:
        width = self[ch] = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        return width


_WIDTHS = _CharWidths()


def _display_width(text: str) -> int:
    return sum(map(_WIDTHS.__getitem__, text))


def wrap_width(lines: list[Line]) -> int | None:
    """The column width a PDF/plain-text source was wrapped at, if it was wrapped at all."""
    widths = [_display_width(line.text) for line in lines if not line.md_level]
    long = [w for w in widths if w >= WRAP_MIN_WIDTH]
    if len(long) < WRAP_MIN_LINES:
        return None
    ((mode, _count),) = Counter(long).most_common(1)
    # Sources mixing one-line paragraphs with wrapped ones still share one wrap column.
    near = sum(1 for w in long if abs(w - mode) <= 2)
    return mode if near >= WRAP_MIN_NEAR and near >= 0.1 * len(long) else None


def drop_table_of_contents(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    i = 0
    while i < len(lines):
        if TOC_HEADER.match(lines[i].text):
            j = i + 1
            seen: set[str] = set()
            # Page numbers were already dropped when tab-separated, leaving short numbered entries.
            while (
                j < len(lines)
                and (
                    TOC_ENTRY.match(lines[j].text)
                    or (
                        len(lines[j].text) <= TOC_ENTRY_CHARS
                        and starts_numbered(lines[j].text)
                        and not ends_sentence(lines[j].text)
                    )
                )
                and _nav_key(TOC_PAGE.sub("", lines[j].text)) not in seen
            ):
                seen.add(_nav_key(TOC_PAGE.sub("", lines[j].text)))  # a repeat: the body has begun
                j += 1
            if j - i > 3:
                i = j
                continue
        out.append(lines[i])
        i += 1
    return out


def _nav_key(text: str) -> str:
    return WHITESPACE.sub("", text)


def drop_repeated_navigation(lines: list[Line]) -> list[Line]:
    """Slide decks and web pages repeat their navigation bar on every page: short lines seen
    NAV_MIN_REPEATS+ times that stand together, NAV_MENU_ITEMS+ different ones in a row, are a
    menu and go everywhere. A lone repeated label — a 规划's 专栏 caption, a 建设内容 label — is
    content and stays."""
    keys = [_nav_key(line.text) for line in lines]
    counts = Counter(key for key in keys if 0 < len(key) <= NAV_LINE_CHARS)
    repeated = {key for key, n in counts.items() if n >= NAV_MIN_REPEATS}
    menu: set[str] = set()
    run: list[str] = []
    for key in [*keys, ""]:
        if key in repeated:
            run.append(key)
            continue
        if len(set(run)) >= NAV_MENU_ITEMS:
            menu.update(run)
        run = []
    return [line for line, key in zip(lines, keys, strict=True) if key not in menu]


def is_boilerplate(text: str) -> bool:
    return bool(
        BOILERPLATE.match(text)
        or ("|" in text and MENU.match(text))
        or ONLY_PUNCT.match(text)
        or ("http" in text and URL_ONLY.match(text))
        or LATIN_ONLY.match(text)
    )


def _is_banner(line: Line) -> bool:
    return is_short_line(line.text)


PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
PIPE_RULE = re.compile(r"^\s*\|?[\s:|-]*-{3,}[\s:|-]*\|?\s*$")


def _cells(row: str) -> list[str]:
    return [tidy_cell(cell) for cell in row.strip().strip("|").split("|")]


def tidy_cell(text: str) -> str:
    text = html.unescape(re.sub(r"\*\*|__|<[^>]+>", "", normalize_chars(text)))
    return re.sub(r"\s+", " ", text).strip()


def _is_header_row(cells: list[str]) -> bool:
    """Column labels: all present, short, none numbered or a sentence (a slide's text grid is not
    a table)."""
    return len(cells) >= 3 and all(
        cell and len(cell) <= 12 and not starts_numbered(cell) and not ends_sentence(cell)
        for cell in cells
    )


def _take_table(raw: list[str], i: int) -> tuple[list[list[str]], int]:
    """A markdown pipe table or a tab-separated grid starting at raw[i]: (rows, next index);
    ([], i) when there is none."""
    if PIPE_ROW.match(raw[i]):
        j, rows = i, []
        while j < len(raw) and PIPE_ROW.match(raw[j]):
            if not PIPE_RULE.match(raw[j]):
                rows.append(_cells(raw[j]))
            j += 1
        if len(rows) >= 2 and len(rows[0]) >= 2:
            return rows, j
        return [], i
    if "\t" not in raw[i]:
        return [], i
    header = [tidy_cell(cell) for cell in raw[i].split("\t")]
    if _is_header_row(header):
        j, rows = i + 1, [header]
        while j < len(raw) and raw[j].count("\t") == len(header) - 1:
            rows.append([tidy_cell(cell) for cell in raw[j].split("\t")])
            j += 1
        if len(rows) >= 2:
            return rows, j
    return [], i


def _raw_lines(raw: list[str], lines: list[Line]) -> None:
    """Plain-text lines (markdown, stray HTML) → clean lines appended to ``lines``."""
    i, pending = 0, []

    def flush() -> None:
        for text in _explode(normalize_chars("\n".join(pending))):
            _add(_strip_markup(text), lines)
        pending.clear()

    while i < len(raw):
        rows, j = _take_table(raw, i)
        if rows:
            flush()
            lines.append(Line(text=" ".join(rows[0]), rows=rows))
            i = j
            continue
        pending.append(raw[i])
        i += 1
    flush()


def _add(line: Line | None, lines: list[Line]) -> None:
    if line is None:
        # Keep hard breaks honest: an empty line ends a "two trailing spaces" continuation.
        if lines:
            lines[-1].hard_break = False
            lines[-1].blank_after = True
        return
    line.after_blank = bool(lines) and lines[-1].blank_after
    line.text = collapse_duplicated_glyphs(line.text)
    if LATIN_ONLY.match(line.text) and lines and _is_banner(lines[-1]):
        lines.pop()  # a bilingual site banner: 中华人民共和国… / English name of the same site
    if is_boilerplate(line.text) or PAGE_NUMBER.match(line.text):
        return
    lines.append(line)


def clean_blocks(blocks: list[Block]) -> list[Line]:
    """A reader's blocks → clean logical lines, keeping the hints the format gave (heading
    level, bold, right alignment, table rows, page breaks)."""
    lines: list[Line] = []
    raw: list[str] = []
    page_break = False
    for block in blocks:
        if block.raw and block.kind == "para":
            raw.append(block.text)
            continue
        if raw:
            _raw_lines(raw, lines)
            raw = []
        start = len(lines)
        if block.kind == "page_break":
            page_break = True
            continue
        if block.kind == "table":
            rows = [[tidy_cell(cell) for cell in row] for row in block.rows]
            rows = [row for row in rows if any(row)]
            if rows:
                lines.append(Line(text=" ".join(rows[0]), rows=rows))
        else:
            level = (block.level or 1) if block.kind == "heading" else 0
            for part in normalize_chars(block.text).split("\n"):
                text = re.sub(r"\s+", " ", html.unescape(part)).strip()
                if text:
                    line = Line(text=text, md_level=level, bold=block.bold, align=block.align)
                    line.styled = block.kind == "heading"
                    _add(line, lines)
        if page_break and len(lines) > start:
            lines[start].after_page_break = True
            page_break = False
    if raw:
        _raw_lines(raw, lines)
    lines = drop_table_of_contents(lines)
    lines = drop_repeated_navigation(lines)
    return join_wrapped(lines)


def clean_lines(text: str) -> list[Line]:
    """Plain source text (front matter already split off) → clean logical lines."""
    return clean_blocks([Block(line, raw=True) for line in text.split("\n")])


def join_wrapped(lines: list[Line]) -> list[Line]:
    """Re-join lines a PDF or a slide split mid-sentence."""
    width = wrap_width(lines)
    short_width = None if width else short_file_width(lines)
    out: list[Line] = []
    for line in lines:
        if out and _continues(out[-1], line, width, short_width):
            prev = out[-1]
            # Latin words split by the wrap get their space back; numbers and CJK do not.
            glue = " " if prev.text[-1:].isalpha() and line.text[:1].isalpha() else ""
            glue = glue if prev.text[-1:].isascii() and line.text[:1].isascii() else ""
            prev.text = collapse_duplicated_glyphs(prev.text + glue + line.text)
            prev.hard_break = line.hard_break
            continue
        out.append(line)
    return out


def is_short_heading(text: str) -> bool:
    return is_short_line(text)


def _stands_alone(text: str) -> bool:
    """Lines that never continue the line before: a 发文字号, a date, an annex label, a row of a
    page's metadata table (索引号：… 发布机构：…)."""
    return bool(STANDALONE.match(text) or PAGE_PAIR.match(text))


def short_file_width(lines: list[Line]) -> int | None:
    """The wrap column of a file too short for :func:`wrap_width`: the width that at least
    SHORT_WRAP_MIN_LINES lines stopping mid-sentence share (within two columns)."""
    widths = [
        _display_width(line.text)
        for line in lines
        if not line.rows
        and len(line.text) > SHORT_LINE_CHARS
        and not ends_sentence(line.text)
        and CLAUSE_PUNCT.search(line.text)
        # A numbered heading is not a wrapped line; a numbered paragraph (一、… 。 …，) may be.
        and (not starts_numbered(line.text) or re.search(r"[。；;]", line.text))
    ]
    # Count per distinct width, then look two columns either side: linear, not a pass over all
    # widths for each width (a long unwrapped file has tens of thousands of such lines).
    counts = Counter(widths)
    best = max(
        ((sum(counts[w] for w in range(width - 2, width + 3)), width) for width in counts),
        default=(0, 0),
    )
    return best[1] if best[0] >= SHORT_WRAP_MIN_LINES else None


def _continues(prev: Line, line: Line, width: int | None, short_width: int | None = None) -> bool:
    if prev.rows or line.rows or _stands_alone(line.text) or PAGE_PAIR.match(prev.text):
        return False
    if (
        prev.hard_break
        and not line.md_level
        and not starts_numbered(line.text)
        and not line.text[:1].isdigit()
    ):
        return True
    if prev.md_level or line.md_level or prev.bold or line.bold or line.bullet:
        return False
    if (
        width is not None
        and ENUMERATOR_LEAD.match(prev.text)
        and not ENUMERATOR_LEAD.match(line.text)
        and not starts_numbered(line.text)
        and not is_short_heading(line.text)
    ):
        return True  # "四是加大…力度。" is the bold lead sentence of the paragraph that follows
    if (
        ends_sentence(prev.text)
        or starts_numbered(line.text)
        or line.text.startswith(("（来源", "(来源"))
    ):
        return False
    if line.after_page_break and not is_short_heading(prev.text):
        return True  # a sentence running over a page break
    if width is None:
        return short_width is not None and _continues_unmeasured(prev, line, short_width)
    if parse_decimal_heading(prev.text):
        return False
    if prev.text.startswith(("（", "(")) and prev.text.endswith(("）", ")")):
        return False  # a complete parenthetical note such as （来源：…）
    # A wrapped line fills the column; a short unpunctuated line is a heading, title or byline.
    return (
        _display_width(prev.text) >= WRAP_FILL_RATIO * width
        or re.fullmatch(r"[\u4e00-\u9fff]", line.text) is not None
    )


def _continues_unmeasured(prev: Line, line: Line, width: int) -> bool:
    """In a short hand-wrapped file, a line that stops mid-sentence and fills the column
    continues, unless a blank line separates the two: running text carries clause punctuation,
    which titles and headings lack."""
    text = prev.text
    if line.after_blank or len(text) <= SHORT_LINE_CHARS or not CLAUSE_PUNCT.search(text):
        return False
    if _display_width(text) < WRAP_FILL_RATIO * width:
        return False
    numbered = parse_numbering(text)
    if numbered and numbered.family != "article" and not re.search(r"[。；;]", text):
        return False  # 一、…，…方向 is a heading even when it is as wide as the column
    return not text.startswith(("（", "(")) or not text.endswith(("）", ")"))
