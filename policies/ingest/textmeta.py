"""Metadata read from a document itself: its title, 发文字号, issuing bodies, dates, type and
status, from the text's head and signature and from a web page's metadata table.

Everything here works on clean lines and never asks which format they came from. Each finder
returns "" / [] / None when the document does not say; the loader records, per field, whether
the value came from the text, the page metadata or a curated override.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field

from policies.ingest.cleanup import Line
from policies.ingest.constants import (
    BODY_NAME_CHARS,
    HEAD_LINES,
    TITLE_MAX_CHARS,
    TITLE_WRAP_MIN,
)
from policies.ingest.numbering import CN, cn_to_int, starts_numbered
from policies.ingest.text import DATE_ANY, DATE_DOTTED, date_groups, find_date, squash
from policies.vocabulary import (
    DOC_TYPES,
    DRAFT_MARKERS,
    PAGE_LABELS,
    PAGE_PAIR,
    ends_sentence,
    is_commentary,
)

# X〔2026〕17号, X[2026]17号, X（2026）17号, X【2026】第17号 — on a line of its own.
DOC_NUMBER = re.compile(
    r"^\s*(?P<agency>[\u4e00-\u9fff]{1,15})\s*[〔［\[(（【]\s*(?P<year>\d{4})\s*[〕］\])）】]"
    r"\s*第?\s*(?P<serial>\d{1,5})\s*号\s*$"
)
# 中华人民共和国工业和信息化部令 第12号 / 国家发展和改革委员会令 2024年第15号 / 第3号 after a 令 line.
ORDER_NUMBER = re.compile(
    r"^\s*(?P<agency>[\u4e00-\u9fff]{2,30}令)?\s*(?:(?P<year>\d{4})\s*年)?\s*"
    rf"第\s*(?P<serial>\d{{1,5}}|[{CN}]{{1,6}})\s*号\s*$"
)
# Names of organs end in one of these (工业和信息化部, 国家数据局, 某市人民政府办公厅…).
ORG_SUFFIX = (
    r"(?:部|委员会|委|总局|局|署|办公室|办公厅|办|厅|院|银行|政府|中心|总队|联合会|协会|"
    r"小组|集团|公司|法院|检察院|监察委员会|所|馆|会|行|室|处|司)"
)
ORG_NAME = re.compile(rf"^[\u4e00-\u9fff（）()]{{2,{BODY_NAME_CHARS}}}?{ORG_SUFFIX}$")
NOT_ORG_START = ("各", "有关", "相关", "本", "该", "我", "由", "经", "请", "附")
BANNER = re.compile(r"^【[^】]{1,40}】")
BANNER_SOURCE = re.compile(r"【\s*(?:来源|转自|发布单位)\s*[:：]\s*([^】]+?)\s*】")
SOURCE_NOTE = re.compile(r"(?:来源|发布机构|发布单位)\s*[:：]\s*([\u4e00-\u9fff（）()]{2,40})")
TRAILING_PAREN = re.compile(r"[（(][^（）()]{1,20}[）)]\s*$")
# 关于印发《X》的通知, 关于印发X的通知, 关于向社会公开征求《X》意见的公告: a notice that carries X.
WRAPPER = re.compile(
    r"关于(?:印发|发布|转发|颁布|公布|修订印发|向社会公开征求|公开征求)\s*《?(?P<attached>[^《》]{4,80}?)》?"
    r"\s*(?:意见)?的(?:通知|公告|通告)"
)
EFFECTIVE = re.compile(
    rf"自\s*(?P<date>{DATE_ANY.pattern}|(?P<event>印发|发布|公布|公告)之日)\s*起\s*"
    r"(?:施行|实施|执行|生效)"
)
EXPIRES_ON = re.compile(rf"有效期(?:至|到|截至)\s*(?P<date>{DATE_ANY.pattern})")
VALID_YEARS = re.compile(
    r"有效期(?:为|暂定)?\s*(?P<years>\d{1,2}|[一二三四五六七八九十两]{1,3})\s*年"
)
COMMENT_PERIOD = re.compile(
    rf"(?:征求意见|反馈意见|意见反馈)[^。]{{0,12}}?(?:时间|期限|日期)\s*(?:为|是|：|:)?\s*"
    rf"(?P<start>{DATE_ANY.pattern})\s*(?:至|到|—|-|～)\s*(?P<end>{DATE_ANY.pattern})"
)


def take_page_table(lines: list[Line]) -> tuple[list[Line], dict[str, str]]:
    """Lines that consist only of 索引号/发布机构/成文日期/… label-value pairs → page metadata.
    A table block (a reader's metadata table) counts when its cells are such pairs."""
    table: dict[str, str] = {}
    kept = []
    for index, line in enumerate(lines):
        if HEAD_LINES <= index < len(lines) - HEAD_LINES:
            kept.append(line)  # a page's table sits at its top or bottom, never in the text
            continue
        cells = [" ".join(row) for row in line.rows] if line.rows else [line.text]
        pairs = []
        for cell in cells:
            found = list(PAGE_PAIR.finditer(cell.strip()))
            if not found or found[0].start() != 0:
                pairs = []
                break
            pairs += found
        if pairs:
            for match in pairs:
                if match["value"]:
                    table.setdefault(PAGE_LABELS[match["label"]], match["value"].strip())
            continue
        kept.append(line)
    return kept, table


@dataclass
class Head:
    """What the top of a document says about itself."""

    title: str = ""
    title_source: str = ""  # "text" | "page"
    doc_number: str = ""
    doc_number_source: str = ""
    bodies: list[str] = field(default_factory=list)  # from the heading lines or the title prefix
    publisher: str = ""


def strip_type_suffix(title: str) -> str:
    """Drop trailing （征求意见稿）（试行）（2024—2026年） notes before reading the type."""
    previous = None
    while previous != title:
        previous, title = title, TRAILING_PAREN.sub("", title).strip()
    return title.rstrip('》”"')


def doc_type_of(title: str) -> str:
    stem = strip_type_suffix(title)
    for word in DOC_TYPES:
        if stem.endswith(word):
            return word
    return ""


def is_draft(text: str) -> bool:
    return any(marker in text for marker in DRAFT_MARKERS)


def body_names_in(text: str, known: set[str]) -> list[str]:
    """The organ names a heading or signature line consists of, or [] when it is anything else:
    "国家发展改革委  国家数据局", "某市人民政府办公厅文件", "工业和信息化部"."""
    text = re.sub(r"\s*文\s*件\s*$", "", text.strip())  # the red-head 文件 line
    parts = [part for part in re.split(r"[\s、，,；;]+", text) if part]
    if not parts or len(parts) > 12:
        return []
    names = []
    for part in parts:
        if part in known or (ORG_NAME.match(part) and not part.startswith(NOT_ORG_START)):
            names.append(part)
        else:
            return []
    return names


def title_prefix_bodies(title: str, known: set[str]) -> list[str]:
    """国家发展改革委等部门关于… → [国家发展改革委]; 某省科技厅 某省财政厅关于… → both."""
    match = re.match(r"^(.{2,80}?)关于", title)
    if not match:
        return []
    prefix = re.sub(r"等(?:[\d一二三四五六七八九十]+个?)?(?:部门|单位|机构)$", "", match.group(1))
    return body_names_in(prefix, known)


def doc_number_of(text: str) -> str:
    """The 发文字号 a line consists of, normalised to 〔〕 brackets, or ""."""
    text = re.sub(r"\s+", "", text)
    if match := DOC_NUMBER.match(text):
        return f"{match['agency']}〔{match['year']}〕{int(match['serial'])}号"
    if (match := ORDER_NUMBER.match(text)) and match["agency"]:
        year = f"{match['year']}年" if match["year"] else ""
        return f"{match['agency']}{year}第{match['serial']}号"
    return ""


def _title_like(text: str) -> bool:
    text = BANNER.sub("", text).strip()
    return (
        not starts_numbered(text)  # 二、保障措施 is a heading, whatever word it ends with
        and len(text) <= TITLE_MAX_CHARS
        and not ends_sentence(text)
        and "|" not in text
        and not BANNER.match(text)
        and not text.startswith(("来源", "附件", "发布时间", "发布日期"))
        and bool(doc_type_of(text))
    )


# Marks a 公文 prints above its title (GB/T 9704): 份号, 密级 and 保密期限, 紧急程度.
DOCUMENT_MARK = re.compile(
    r"^\s*(?:\d{6}|(?:绝密|机密|秘密)(?:\s*★\s*\S{0,8})?|特急|加急|特提|平急)\s*$"
)


def _skippable(line: Line, known: set[str]) -> bool:
    """Head lines that are never the title: banners, bodies, numbers, dates, source notes."""
    text = line.text
    return bool(
        DOCUMENT_MARK.match(text)
        or (BANNER.match(text) and not _title_like(text))
        or body_names_in(text, known)
        or doc_number_of(text)
        or find_date(text)
        or DATE_DOTTED.search(text)
        or text.startswith(("来源", "发布时间", "发布日期"))
        or line.rows
    )


def find_title(lines: list[Line], known: set[str], page_title: str = "") -> tuple[str, int, int]:
    """(title, first line, end line) of the document's title in its head, or ("", -1, -1).

    The line just above a 发文字号 is the title; otherwise the first line that ends in a
    document type (意见, 办法, 实施方案…). A title wrapped over two lines is joined."""
    head = lines[:HEAD_LINES]
    # The page's own 标题, printed again over the text, is the title as printed.
    key = squash(page_title)
    for i, line in enumerate(head):
        if key and squash(line.text) == key:
            return line.text, i, i + 1
    for i, line in enumerate(head):
        if not doc_number_of(line.text):
            continue
        j = i - 1
        while j >= 0 and (
            DOCUMENT_MARK.match(head[j].text)
            or (body_names_in(head[j].text, known) and not _title_like(head[j].text))
        ):
            j -= 1
        if j >= 0 and not ends_sentence(head[j].text) and not _skippable(head[j], known):
            return _joined(head, j, known)
        # The number printed above the title (令 forms, red-head files).
        k = i + 1
        if k < len(head) and _title_like(head[k].text):
            return _joined(head, k, known)
        if k + 1 < len(head) and _title_like(head[k].text + head[k + 1].text):
            return head[k].text + head[k + 1].text, k, k + 2
    for i, line in enumerate(head):
        if _skippable(line, known) or ends_sentence(line.text):
            continue
        if _title_like(line.text):
            return _joined(head, i, known)
        nxt = head[i + 1].text if i + 1 < len(head) else ""
        if (
            # A whole title on the next line is the title; a bare 规划 is its tail.
            not (_title_like(nxt) and len(nxt) >= TITLE_WRAP_MIN)
            and len(line.text) >= TITLE_WRAP_MIN
            and nxt
            and not _skippable(head[i + 1], known)
            and _title_like(line.text + nxt)
            and not line.rows
        ):
            return line.text + nxt, i, i + 2
    return "", -1, -1


def _joined(head: list[Line], i: int, known: set[str]) -> tuple[str, int, int]:
    """Line i ends a title; the line before it is its first half when that line does not end a
    sentence and the two read as one title (关于印发《…\\n…》的通知)."""
    text = head[i].text
    if i > 0:
        before = head[i - 1]
        opens = before.text.count("《") > before.text.count("》") or (
            "关于" in before.text and "关于" not in text
        )
        if (
            opens
            and not ends_sentence(before.text)
            and not _skippable(before, known)
            and len(before.text) + len(text) <= TITLE_MAX_CHARS
            and not doc_type_of(before.text)
        ):
            return before.text + text, i - 1, i + 1
    return text, i, i + 1


def read_head(lines: list[Line], page_meta: dict[str, str], known: set[str]) -> Head:
    head = Head()
    page_title = page_meta.get("标题", "")
    title, start, end = find_title(lines, known, page_title)
    for previous, line in itertools.pairwise(lines[:HEAD_LINES]):
        # 某某部令 / 第12号 printed on two lines.
        if previous.text.strip().endswith("令") and ORDER_NUMBER.match(line.text):
            if number := doc_number_of(previous.text.strip() + line.text.strip()):
                head.doc_number, head.doc_number_source = number, "text"
                break
    if title:
        # A list label such as 【进行中】 before the title is the page's, not the title's.
        title = BANNER.sub("", title) if not BANNER_SOURCE.match(title) else title
        head.title, head.title_source = re.sub(r"\s+", " ", title).strip(), "text"
    elif page_title:
        head.title, head.title_source = page_title, "page"
    for line in lines[: max(end, 0) + 4] if end >= 0 else lines[:HEAD_LINES]:
        number = doc_number_of(line.text)
        if number and not head.doc_number:
            head.doc_number, head.doc_number_source = number, "text"
            break
    if not head.doc_number and page_meta.get("文号"):
        head.doc_number = doc_number_of(page_meta["文号"]) or page_meta["文号"].strip()
        head.doc_number_source = "page"
    # Bodies printed above the title (a red head, a cover line) or right under it.
    around = [*lines[max(0, start - 3) : max(start, 0)], *lines[end : end + 2]] if title else []
    for line in around:
        if names := body_names_in(line.text, known):
            head.bodies = names
            break
    if not head.bodies and head.title:
        head.bodies = title_prefix_bodies(head.title, known)
    for line in lines[:HEAD_LINES]:
        if match := BANNER_SOURCE.search(line.text) or SOURCE_NOTE.search(line.text):
            # （来源：某网站） — the note's own closing bracket is not part of the name.
            name = match.group(1)
            if name.count("（") < name.count("）") or name.count("(") < name.count(")"):
                name = name[:-1]
            head.publisher = name
            break
    return head


def wrapped_title(title: str) -> str:
    """The attached document's title when ``title`` is a notice that issues it, else ""."""
    match = WRAPPER.search(title)
    return match["attached"].strip() if match else ""


def _date_in(match: re.Match[str], group: str) -> dt.date | None:
    inner = DATE_ANY.search(match[group] or "")
    parts = date_groups(inner) if inner else None
    return dt.date(*parts) if parts else None


def effective_on(text: str, issued: dt.date | None, published: dt.date | None) -> dt.date | None:
    """自2026年4月1日起施行 → that day; 自印发之日起施行 → the 成文日期; 自发布之日起 → 发布日期."""
    match = EFFECTIVE.search(text)
    if not match:
        return None
    if match["event"]:
        return (published or issued) if match["event"] in ("发布", "公布", "公告") else issued
    return _date_in(match, "date")


def expires_on(text: str, start: dt.date | None) -> dt.date | None:
    """有效期至2028年12月31日 → that day; 有效期5年 → the day before the fifth anniversary."""
    if match := EXPIRES_ON.search(text):
        return _date_in(match, "date")
    if (match := VALID_YEARS.search(text)) and start is not None:
        raw = match["years"]
        years = int(raw) if raw.isdigit() else cn_to_int(raw.replace("两", "二"))
        if years:
            try:
                end = start.replace(year=start.year + years)
            except ValueError:  # 29 February
                end = start.replace(year=start.year + years, day=28)
            return end - dt.timedelta(days=1)
    return None


def comment_period(text: str) -> tuple[dt.date | None, dt.date | None]:
    match = COMMENT_PERIOD.search(text)
    if not match:
        return None, None
    return _date_in(match, "start"), _date_in(match, "end")


def status_of(
    title: str, head_text: str, doc_type: str, expires: dt.date | None, today: dt.date
) -> str:
    if is_draft(title) or is_draft(head_text):
        return "征求意见稿"
    if is_commentary(doc_type):
        return "已发布"
    if expires is not None and expires < today:
        return "已失效"
    return "现行有效" if doc_type else ""


def interprets_of(title: str, doc_type: str) -> str:
    """A 解读's 《title》 names the document it explains."""
    if doc_type != "解读":
        return ""
    match = re.search(r"《([^《》]{4,80})》", title)
    return match.group(1) if match else ""


def short_title_of(title: str, known: set[str]) -> str:
    """国家发展改革委等部门关于X的指导意见 → 关于X的指导意见; A——B解读 → B解读."""
    if "——" in title:
        return title.rsplit("——", 1)[1].strip()
    match = re.match(r"^(.{2,80}?)(关于.+)$", title)
    if match and title_prefix_bodies(title, known):
        return match.group(2)
    return ""
