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
from dataclasses import dataclass

from policies.ingest.numbering import parse_decimal_heading, starts_numbered


@dataclass
class Line:
    text: str
    md_level: int = 0  # markdown heading level (#, ##, …); 0 for body text
    bold: bool = False  # the whole line was **bold** (reposts use it for headings)
    bullet: bool = False
    hard_break: bool = False  # markdown "two trailing spaces": the logical line continues


TERMINAL = "。！？；：…!?;:"
CLOSERS = "”’」』）)】"
# A one-sentence line opening an enumerated point (一是…。 其次，…。 第三，…。).
ENUMERATOR_LEAD = re.compile(
    r"^(?:[一二三四五六七八九十]+是|首先|其次|再次|最后|第[一二三四五六七八九十]+[，,])[^。！？]{2,40}[。！？]$"
)
FRONT_MATTER = re.compile(r"\A\s*---\n(.*?)\n---\n", re.S)
MD_IMAGE = re.compile(r"\[?!\[[^\]]*\]\([^)]*\)(\]\([^)]*\))?")
MD_LINK = re.compile(r"\[([^\]]*)\]\((?:https?://|/|mailto:)[^)]*\)")
BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
HTML_BLOCK = re.compile(r"</?(?:h[1-6]|p|div|li|ul|ol|tr|td|th|table|br|section)\b[^>]*>", re.I)
HTML_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.I | re.S)
HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*\b[^<>]*>")
PAGE_NUMBER = re.compile(r"^\s*[-—]?\s*\d{1,3}\s*[-—]?\s*$")
TOC_HEADER = re.compile(r"^\s*目\s*录\s*$")
TOC_PAGE = re.compile(r"[\t ]+\.*\s*\d{1,3}\s*$")
TOC_ENTRY = re.compile(r"^.{2,60}?[\t ]+\.{0,}\s*\d{1,3}\s*$")
URL_ONLY = re.compile(r"^\s*(来源[:：]\s*)?https?://\S+\s*$")
# Chrome of WeChat articles and government web pages: UI strings, subscription prompts, menus.
BOILERPLATE = re.compile(
    r"^(微信扫一扫.*|.*关注该公众号|阅读原文|轻触阅读原文|预览时标签不可点|继续滑动看下一个|向上滑动看下一个"
    r"|知道了|使用小程序|使用完整服务|取消|允许|分析|视频|小程序|赞|在看|分享|留言|收藏|听过|×"
    r"|，轻点两下取消(赞|在看)|扫码订阅.*|邮发代号.*|征订热线.*|点击下图.*|欢迎关注.*|.*倾力推荐.*"
    r"|分享网络安全知识.*|长按.*二维码.*|.*\[打印\].*|首页\s*>.*|THANKS|END)$"
)
MENU = re.compile(r"^[^|]{1,12}(\s*\|\s*[^|]{1,12}){3,}$")  # 首页 | 机构设置 | 新闻动态 | …
ONLY_PUNCT = re.compile(r"^[\s\W_]*$")
LATIN_ONLY = re.compile(r"^[A-Za-z][A-Za-z .,&'-]{10,}$")  # English site names next to Chinese ones


def normalize_chars(text: str) -> str:
    # U+FFFD marks a glyph the extractor lost; zero-width and BOM characters are invisible noise.
    for ch in ("\ufffd", "\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"):
        text = text.replace(ch, "")
    return text.replace("\u00a0", " ").replace("\u3000", " ")


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields = {}
    for raw in match.group(1).splitlines():
        key, sep, value = raw.partition(":")
        if sep:
            fields[key.strip()] = value.strip().strip("'\"")
    return fields, text[match.end() :]


def _strip_markup(raw: str) -> Line | None:
    text = BOOKMARK.sub("", raw)
    text = MD_IMAGE.sub("", text)
    text = MD_LINK.sub(r"\1", text)
    hard_break = text.endswith("  ") and bool(text.strip())
    text = text.strip()
    md_level = 0
    if match := re.match(r"^(#{1,6})\s+", text):
        md_level = len(match.group(1))
        text = text[match.end() :]
    bullet = False
    if match := re.match(r"^[-*·•]\s+", text):
        bullet = True
        text = text[match.end() :]
    bold = bool(re.fullmatch(r"\*\*.+\*\*", text))
    text = re.sub(r"\*\*|__", "", text).strip()
    text = html.unescape(text)
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
    parts = text.split(" ")
    parts = [_collapse_whole(part) for part in parts]
    text = " ".join(parts)
    # Runs of a short CJK chunk repeated three or more times in a row.
    return re.sub(r"([\u4e00-\u9fff“”‘’《》「」（）]{1,20}?)\1{2,}", r"\1", text)


def _collapse_whole(part: str) -> str:
    n = len(part)
    for size in range(4, n // 2 + 1):
        unit = part[:size]
        if not re.search(r"[\u4e00-\u9fff]", unit):
            continue
        repeats = n // size
        if repeats < 2:
            break
        rest = part[size * repeats :]
        if part[: size * repeats] == unit * repeats and unit.startswith(rest):
            return unit
    return part


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap_width(lines: list[Line]) -> int | None:
    """The column width a PDF/plain-text source was wrapped at, if it was wrapped at all."""
    widths = [_display_width(line.text) for line in lines if not line.md_level]
    long = [w for w in widths if w >= 30]
    if len(long) < 20:
        return None
    ((mode, _count),) = Counter(long).most_common(1)
    # Sources mixing one-line paragraphs with wrapped ones still share one wrap column.
    near = sum(1 for w in long if abs(w - mode) <= 2)
    return mode if near >= 15 and near >= 0.1 * len(long) else None


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
                        len(lines[j].text) <= 30
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
    return re.sub(r"\s+", "", text)


def drop_repeated_navigation(lines: list[Line]) -> list[Line]:
    """Slide decks repeat their navigation bar on every slide; short lines seen 3+ times go."""
    counts = Counter(_nav_key(line.text) for line in lines if len(_nav_key(line.text)) <= 16)
    return [line for line in lines if counts.get(_nav_key(line.text), 0) < 3]


def is_boilerplate(text: str) -> bool:
    return bool(
        BOILERPLATE.match(text)
        or MENU.match(text)
        or ONLY_PUNCT.match(text)
        or URL_ONLY.match(text)
        or LATIN_ONLY.match(text)
    )


def _is_banner(line: Line) -> bool:
    return len(line.text) <= 24 and not re.search(r"[，。；：、！？,.;:]", line.text)


def clean_lines(text: str) -> list[Line]:
    """Source text (front matter already split off) → clean logical lines."""
    text = normalize_chars(text)
    raw_lines = _explode(text)
    lines = []
    for raw in raw_lines:
        line = _strip_markup(raw)
        if line is None:
            # Keep hard breaks honest: an empty line ends a "two trailing spaces" continuation.
            if lines:
                lines[-1].hard_break = False
            continue
        line.text = collapse_duplicated_glyphs(line.text)
        if LATIN_ONLY.match(line.text) and lines and _is_banner(lines[-1]):
            lines.pop()  # a bilingual site banner: 中华人民共和国… / English name of the same site
        if is_boilerplate(line.text) or PAGE_NUMBER.match(line.text):
            continue
        lines.append(line)
    lines = drop_table_of_contents(lines)
    lines = drop_repeated_navigation(lines)
    return join_wrapped(lines)


def ends_sentence(text: str) -> bool:
    # A closing quote or bracket ends a sentence only when punctuation precedes it: 。” but not “指挥棒”
    return text.rstrip(CLOSERS).endswith(tuple(TERMINAL))


def join_wrapped(lines: list[Line]) -> list[Line]:
    """Re-join lines a PDF or a slide split mid-sentence."""
    width = wrap_width(lines)
    out: list[Line] = []
    for line in lines:
        if out and _continues(out[-1], line, width):
            prev = out[-1]
            glue = " " if prev.text[-1:].isascii() and line.text[:1].isascii() else ""
            prev.text = collapse_duplicated_glyphs(prev.text + glue + line.text)
            prev.hard_break = line.hard_break
            continue
        out.append(line)
    return out


def is_short_heading(text: str) -> bool:
    return len(text) <= 24 and not ends_sentence(text) and not re.search(r"[，。；,;]", text)


def _continues(prev: Line, line: Line, width: int | None) -> bool:
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
    if width is None or parse_decimal_heading(prev.text):
        return False
    if prev.text.startswith(("（", "(")) and prev.text.endswith(("）", ")")):
        return False  # a complete parenthetical note such as （来源：…）
    # A wrapped line fills the column; a short unpunctuated line is a heading, title or byline.
    return (
        _display_width(prev.text) >= 0.8 * width
        or re.fullmatch(r"[\u4e00-\u9fff]", line.text) is not None
    )
