"""Web pages saved from government sites and WeChat → blocks and the page's metadata.

The main content is the element that holds most of the page's non-link text: starting at
``<body>``, the reader descends into whichever child holds nearly all of it, and stops where the
text spreads over several children (the paragraphs). Before that, page chrome is cut away by
element (``<nav>``, ``<script>``…) and by class/id words sites use for it (breadcrumb, share,
footer…). The site's metadata box (索引号, 发布机构, 成文日期…) is read into ``page_meta`` from
the whole page and never becomes a paragraph.
"""

from __future__ import annotations

import email
import email.policy
import re

import lxml.html
from lxml import etree

from policies.ingest import IngestError
from policies.ingest.blocks import Block, SourceRead
from policies.ingest.decode import decode_source
from policies.ingest.readers.sniff import MHTML_START

# Elements that are never content.
DROPPED_TAGS = (
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "form", "button",
    "input", "select", "textarea", "nav", "footer", "aside", "link", "meta", "head", "object",
)  # fmt: skip
# class/id words of page chrome. Matched as whole words of the attribute (split at - _ and
# spaces), so "content-share" matches but "shareholder" does not.
CHROME_WORDS = frozenset(
    "nav navbar navigation menu breadcrumb breadcrumbs crumb crumbs position location share "
    "sharebar bdsharebuttonbox social footer foot header topbar toolbar sidebar copyright "
    "qrcode qr print login search pager pagination related comment comments banner ad ads "
    "advert friendlink links logo "
    # Chinese sites name chrome in pinyin: 分享 导航 打印 关闭 位置 头部 底部 版权 相关.
    "fenxiang daohang dayin guanbi weizhi toubu dibu banquan xiangguan".split()
)
# class/id words of the element holding a page's headline when it is no <h1>.
TITLE_WORDS = frozenset(("title", "tit", "biaoti", "headline"))
# Lines of page chrome that survive inside a content element: the forms a breadcrumb, a share
# bar, a tool bar and a site footer print in, never words a policy may use (ICP备案, 版权).
CHROME_LINE = re.compile(
    r"^(?:当前位置|您现在的位置|您的位置|首页\s*[>›»/])"
    r"|^分享到"
    r"|ICP备\s*\d|公网安备\s*\d|网站标识码\s*[：:]?\s*\w|^版权所有|版权所有\s*[：:©]"
    r"|Copyright\s*(?:©|\(c\)|\d{4})|©\s*\d{4}"
    r"|^[【\[]?\s*(?:打印|关闭(?:窗口)?|收藏|字体|字号)\s*[：:】\]]",
    re.I,
)
# Chrome lines are short; a long paragraph that quotes such words is content.
CHROME_LINE_MAX = 150
# Labels of a government site's metadata box, as printed (spaces inside a label are allowed:
# sites pad 索 引 号 to the width of 发布机构).
META_LABELS = (
    "索引号", "主题分类", "发布机构", "发文机关", "成文日期", "发布日期", "发文日期", "文号",
    "发文字号", "标题", "名称", "主题词", "公文种类", "有效性", "发布时间", "来源",
)  # fmt: skip
_LABEL = "|".join("[\\s\u3000]*".join(label) for label in META_LABELS)
META_INLINE = re.compile(rf"({_LABEL})[\s\u3000]*[：:][\s\u3000]*")
META_ALONE = re.compile(rf"^[\s\u3000]*({_LABEL})[\s\u3000]*[：:]?[\s\u3000]*$")
ANY_LABEL = re.compile(_LABEL)
# Two of these in one short element make it the metadata box, which is no content.
BOX_LABELS = frozenset(("索引号", "发布机构", "成文日期", "发布日期", "文号", "主题分类"))
# A metadata box is shorter than this (characters).
META_BOX_MAX = 1500
# A label-and-value string longer than this is a sentence that mentions a label, not metadata.
META_MAX_LEN = 120
# <meta> tags sites fill in for search engines, and the page_meta key each one feeds.
META_TAGS = {
    "og:title": "title",
    "twitter:title": "title",
    "og:url": "url",
    "articletitle": "标题",
    "pubdate": "发布日期",
}
# A table cell longer than this holds page content, not data.
DATA_CELL_MAX = 300
# Descend into a child that holds at least this share of its parent's text.
DOMINANT_SHARE = 0.7

BLOCK_TAGS = frozenset(
    "p div section article main h1 h2 h3 h4 h5 h6 li ul ol table blockquote pre dl dt dd "
    "center tr td th tbody thead body header figure figcaption address".split()
)
HEADING = re.compile(r"^h([1-6])$")
CJK = "\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
WRAP_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}])\s*\n\s*(?=[{CJK}])")
SPACES = re.compile(r"[ \t\r\n\xa0]+")
CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w-]+)", re.I)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.I)


def read_html(name: str, data: bytes) -> SourceRead:
    if MHTML_START.match(data[:4096]):
        data = _unwrap_mhtml(name, data)
    try:
        root = lxml.html.document_fromstring(_decode(name, data))
    except etree.ParserError as exc:  # nothing but a doctype or comments
        raise IngestError(f"{name}: the web page has no text content") from exc
    page_meta = _page_meta(root)
    _drop_chrome(root)
    body = root.find("body")
    if body is None:
        body = root
    main = _main_content(body)
    blocks = _blocks(main)
    title = _outside_title(root, main, page_meta.get("标题") or page_meta.get("title", ""))
    if title and not any(title in block.text for block in blocks[:5]):
        blocks.insert(0, Block(title, kind="heading", level=1))
    blocks = [b for b in blocks if b.kind == "table" or not _is_chrome_line(b.text)]
    if not any(block.text or block.rows for block in blocks):
        raise IngestError(f"{name}: the web page has no text content")
    return SourceRead(name, "html", blocks, page_meta)


def _unwrap_mhtml(name: str, data: bytes) -> bytes:
    """The HTML part of a page saved as a single file, with its charset declared in front."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            html = part.get_payload(decode=True) or b""
            charset = part.get_content_charset()
            if charset:
                html = f'<meta charset="{charset}">'.encode("ascii") + html
            return html
    raise IngestError(f"{name}: a saved web archive (MHTML) without an HTML page in it")


def _is_chrome_line(text: str) -> bool:
    return len(text) <= CHROME_LINE_MAX and bool(CHROME_LINE.search(text))


def _decode(name: str, data: bytes) -> str:
    """The declared charset first (government sites still serve GB2312), then UTF-8/GB18030."""
    declared = CHARSET.search(data[:4096])
    text = None
    if declared:
        encoding = declared.group(1).decode("ascii").lower()
        # GB2312 and GBK pages use characters only GB18030 (their superset) names.
        encoding = "gb18030" if encoding in ("gb2312", "gbk", "gb_2312-80") else encoding
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text = decode_source(data, name)
    # lxml refuses str input that carries an XML encoding declaration.
    return XML_DECLARATION.sub("", text.lstrip("\ufeff"))


def _clean(text: str) -> str:
    """Source line wraps between Chinese characters vanish; other blank runs become one space."""
    text = WRAP_BETWEEN_CJK.sub("", text)
    return SPACES.sub(" ", text).strip(" \u3000")


def _page_meta(root: etree._Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    title = root.findtext(".//title")
    if title and _clean(title):
        meta["title"] = _clean(title)
    for tag in root.iter("meta"):
        key = (tag.get("property") or tag.get("name") or "").strip().lower()
        content = _clean(tag.get("content") or "")
        if key in META_TAGS and content:
            field = META_TAGS[key]
            # og:title is the clean headline; <title> often carries the site name.
            if key == "og:title" or field not in meta:
                meta[field] = content
    canonical = root.find(".//link[@rel='canonical']")
    if canonical is not None and canonical.get("href") and "url" not in meta:
        meta["url"] = canonical.get("href")
    body = root.find("body")
    meta.update(_meta_box(body if body is not None else root))
    return meta


def _meta_box(element: etree._Element) -> dict[str, str]:
    """label → value from the page's metadata box, in any of the layouts sites use: label and
    value in one cell (``索引号：000014349/2026-00017``), in neighbouring cells, or several
    pairs in one line."""
    strings = [
        _clean(s)
        for s in element.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")
    ]
    strings = [s for s in strings if s]
    found: dict[str, str] = {}
    for index, string in enumerate(strings):
        if len(string) > META_MAX_LEN:
            continue
        alone = META_ALONE.match(string)
        if alone:
            following = strings[index + 1] if index + 1 < len(strings) else ""
            if following and not META_ALONE.match(following) and len(following) <= META_MAX_LEN:
                found.setdefault(_label(alone.group(1)), following)
            continue
        pairs = list(META_INLINE.finditer(string))
        # A sentence that merely contains "来源：" is not a metadata box: the pair must open it.
        if not pairs or pairs[0].start() != 0:
            continue
        for pair, after in zip(pairs, [*pairs[1:], None], strict=True):
            value = string[pair.end() : after.start() if after else len(string)].strip(" \u3000")
            if not value and after is None and index + 1 < len(strings):
                value = strings[index + 1]
            if value:
                found.setdefault(_label(pair.group(1)), value)
    return found


def _label(printed: str) -> str:
    return re.sub(r"[\s\u3000]", "", printed)


def _words(element: etree._Element) -> set[str]:
    attrs = f"{element.get('class', '')} {element.get('id', '')}".lower()
    return set(re.split(r"[\s_\-]+", attrs)) - {""}


def _text_len(element: etree._Element) -> int:
    """Characters of text outside links: navigation is mostly links, content mostly not."""
    total = len(re.sub(r"\s", "", element.text_content()))
    links = sum(len(re.sub(r"\s", "", a.text_content())) for a in element.iter("a"))
    return total - links


def _drop_chrome(root: etree._Element) -> None:
    for element in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _remove(element)
    for element in list(root.iter(*DROPPED_TAGS)):
        _remove(element)
    body = root.find("body")
    total = _text_len(body) if body is not None else 0
    for element in list(root.iter()):
        if element.getparent() is None or not isinstance(element.tag, str):
            continue
        if (
            _words(element) & CHROME_WORDS
            and _text_len(element) < total / 2
            # Never a box holding most of the page (sites name wrappers "main-header-layout"),
            # nor an article's header holding its headline.
            and not (element.find(".//h1") is not None and "logo" not in _words(element))
        ):
            _remove(element)
    for table in list(root.iter("table", "ul", "dl", "div")):
        if table.getparent() is not None and _is_meta_box(table):
            _remove(table)


def _is_meta_box(element: etree._Element) -> bool:
    """Two or more metadata pairs that make up most of the element's text."""
    text = element.text_content()
    if len(text) > META_BOX_MAX or not ANY_LABEL.search(text):
        return False  # cheap first: a metadata box is short and prints labels
    pairs = _meta_box(element)
    if len(set(pairs) & BOX_LABELS) < 2:
        return False
    text = re.sub(r"[\s\u3000：:]", "", element.text_content())
    return sum(len(k) + len(re.sub(r"\s", "", v)) for k, v in pairs.items()) >= 0.6 * len(text)


def _remove(element: etree._Element) -> None:
    """Remove an element but keep its tail text (the text after it belongs to its parent)."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _main_content(body: etree._Element) -> etree._Element:
    current = body
    while True:
        total = _text_len(current)
        children = [c for c in current if isinstance(c.tag, str)]
        if not children or total == 0:
            return current
        best = max(children, key=_text_len)
        # A layout table is descended like a <div>; a paragraph or a data table is content.
        if _text_len(best) < DOMINANT_SHARE * total or best.tag == "p":
            return current
        if best.tag == "table" and _is_data_table(best):
            return current
        current = best


def _outside_title(root: etree._Element, main: etree._Element, page_title: str) -> str:
    """The headline printed above the content element (gov pages put it beside it): the first
    <h1>/<h2> or element named "title" outside it that the page's <title> repeats, else the
    first <h1>."""
    candidates = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element is main or main in element.iterancestors():
            continue
        if element.tag in ("h1", "h2") or _words(element) & TITLE_WORDS:
            text = _clean(element.text_content())
            if text and len(text) <= 200:
                candidates.append((element.tag, text))
    for _tag, text in candidates:
        if page_title and (text in page_title or page_title in text):
            return text
    return next((text for tag, text in candidates if tag == "h1"), "")


def _blocks(element: etree._Element) -> list[Block]:
    blocks: list[Block] = []
    _walk(element, blocks, _align(element))
    return [b for b in blocks if b.kind == "table" or b.text]


def _align(element: etree._Element, inherited: str = "") -> str:
    value = (element.get("align") or "").lower()
    style = re.search(r"text-align\s*:\s*(\w+)", element.get("style") or "", re.I)
    if style:
        value = style.group(1).lower()
    if element.tag == "center":
        value = "center"
    elif not value:
        # Stylesheets are not read, but their class names say it: text-right, align-center.
        words = _words(element)
        value = "right" if "right" in words else "center" if "center" in words else ""
    return value if value in ("center", "right") else ("" if value else inherited)


def _walk(element: etree._Element, blocks: list[Block], align: str) -> None:
    """Split an element into blocks at block-level children and <br>; inline runs between
    them are one paragraph each."""
    heading = HEADING.match(element.tag) if isinstance(element.tag, str) else None
    if heading:
        blocks.append(Block(_clean(element.text_content()), kind="heading", level=int(heading[1])))
        return
    if element.tag == "table" and _is_data_table(element):
        blocks.append(Block(kind="table", rows=_rows(element)))
        return
    run: list[str] = [element.text or ""]
    bold: list[bool] = []

    def flush() -> None:
        text = _clean("".join(run))
        if text:
            blocks.append(Block(text, align=align, bold=bool(bold) and all(bold)))
        run.clear()
        bold.clear()

    for child in element:
        if not isinstance(child.tag, str):
            run.append(child.tail or "")
            continue
        if child.tag == "br":
            flush()
        elif child.tag in BLOCK_TAGS or child.tag == "table":
            flush()
            _walk(child, blocks, _align(child, align))
        else:
            text = child.text_content()
            if text.strip():
                run.append(text)
                bold.append(_is_bold(child))
            elif child.tag == "img":
                pass
        run.append(child.tail or "")
        if child.tail and child.tail.strip():
            bold.append(False)
    flush()


def _is_bold(element: etree._Element) -> bool:
    if element.tag in ("b", "strong"):
        return True
    style = element.get("style") or ""
    if re.search(r"font-weight\s*:\s*(bold|[6-9]00)", style, re.I):
        return True
    inner = [c for c in element if isinstance(c.tag, str)]
    return (
        len(inner) == 1
        and not (element.text or "").strip()
        and not (inner[0].tail or "").strip()
        and _is_bold(inner[0])
    )


def _is_data_table(table: etree._Element) -> bool:
    """Sites lay pages out with tables: a table is data only when it has rows of several cells
    and no table inside it."""
    if table.find(".//table") is not None:
        return False
    rows = list(table.iter("tr"))
    if len(rows) < 2 or max(len(r.findall("td")) + len(r.findall("th")) for r in rows) < 2:
        return False
    # A cell holding a whole article is page layout.
    return all(_text_len(cell) <= DATA_CELL_MAX for cell in table.iter("td", "th"))


def _rows(table: etree._Element) -> list[list[str]]:
    """Cells as text, as the Word reader gives them: a cell spanning columns once, a cell
    spanning rows repeated on each of them (a lead body shared by several tasks)."""
    rows = []
    # grid column → (rows still covered, text) of a cell spanning down into later rows
    pending: dict[int, tuple[int, str]] = {}
    for row in table.iter("tr"):
        cells: list[str] = []
        column = 0
        own = [cell for cell in row if cell.tag in ("td", "th")]
        while own or any(col >= column for col in pending):
            if column in pending:
                left, text = pending.pop(column)
                cells.append(text)
                if left > 1:
                    pending[column] = (left - 1, text)
                column += 1
                continue
            if not own:
                column += 1
                continue
            cell = own.pop(0)
            text = "\n".join(filter(None, (_clean(t) for t in _cell_lines(cell))))
            cells.append(text)
            down = _span(cell, "rowspan")
            if down > 1:
                pending[column] = (down - 1, text)
            column += _span(cell, "colspan")
        if any(cells):
            rows.append(cells)
    return rows


def _span(cell: etree._Element, attribute: str) -> int:
    value = (cell.get(attribute) or "1").strip()
    return max(1, min(int(value), 100)) if value.isdigit() else 1


def _cell_lines(cell: etree._Element) -> list[str]:
    """A cell's paragraphs and <br> lines stay separate lines (several bodies in one cell)."""
    blocks: list[Block] = []
    _walk(cell, blocks, "")
    return [b.text for b in blocks]
