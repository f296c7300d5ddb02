"""Word's automatic numbering, rendered as printed ("一、", "（二）", "第三章", "1.").

python-docx gives a paragraph's typed text only; numbers that Word generates from a list
definition (numbering.xml) are not in it, and 公文 drafted with Word's multilevel lists would
lose every 一、/（一） their structure hangs on. This follows the list definitions: the level a
paragraph is at (its own w:numPr or its style's), the counters of that list, the level's
format and its text pattern (%1、).
"""

from __future__ import annotations

from docx.document import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

DIGITS = "零一二三四五六七八九"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
         (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip
# After these a label needs no separator before the text: 一、总体要求, （一）基本原则.
CLOSING = "、．.）)：:】」"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (as list labels count)."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return DIGITS[n // 10] + "十" + (DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" + chinese_number(rest) if rest < 10 else chinese_number(rest))
    if 10 <= rest < 20:
        tail = "一" + tail
    return DIGITS[n // 100] + "百" + tail if n < 1000 else str(n)


def roman(n: int) -> str:
    out = []
    for value, letters in ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def letter(n: int) -> str:
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified",
               "ideographLegalTraditional", "taiwaneseCounting", "taiwaneseCountingThousand",
               "japaneseCounting"):  # fmt: skip
        return chinese_number(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return CIRCLED[n - 1]
    if fmt in ("ideographTraditional",) and 1 <= n <= 10:
        return HEAVENLY_STEMS[n - 1]
    if fmt == "upperLetter":
        return letter(n)
    if fmt == "lowerLetter":
        return letter(n).lower()
    if fmt == "upperRoman":
        return roman(n)
    if fmt == "lowerRoman":
        return roman(n).lower()
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


class Numbering:
    """Counters of a document's lists; call :meth:`label` for each paragraph in order."""

    def __init__(self, document: Document) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        abstract = {
            node.get(qn("w:abstractNumId")): self._levels(node)
            for node in root.findall(qn("w:abstractNum"))
        }
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is None or ref.get(qn("w:val")) not in abstract:
                continue
            levels = dict(abstract[ref.get(qn("w:val"))])
            for override in num.findall(qn("w:lvlOverride")):
                start = override.find(qn("w:startOverride"))
                ilvl = int(override.get(qn("w:ilvl"), "0"))
                if start is not None and ilvl in levels:
                    fmt, text, _ = levels[ilvl]
                    levels[ilvl] = (fmt, text, int(start.get(qn("w:val"), "1")))
            self.levels[num.get(qn("w:numId"))] = levels

    @staticmethod
    def _levels(abstract_num) -> dict[int, tuple[str, str, int]]:
        levels = {}
        for lvl in abstract_num.findall(qn("w:lvl")):
            fmt = lvl.find(qn("w:numFmt"))
            text = lvl.find(qn("w:lvlText"))
            start = lvl.find(qn("w:start"))
            levels[int(lvl.get(qn("w:ilvl"), "0"))] = (
                fmt.get(qn("w:val"), "decimal") if fmt is not None else "decimal",
                text.get(qn("w:val"), "") if text is not None else "",
                int(start.get(qn("w:val"), "1")) if start is not None else 1,
            )
        return levels

    def label(self, paragraph: Paragraph) -> str:
        """The number Word prints before this paragraph, or "" (bullets print no number)."""
        num_id, ilvl = _num_pr(paragraph)
        if num_id is None or num_id not in self.levels or ilvl not in self.levels[num_id]:
            return ""
        counters = self.counters.setdefault(num_id, {})
        fmt, pattern, start = self.levels[num_id][ilvl]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [level for level in counters if level > ilvl]:
            del counters[deeper]
        if fmt in ("bullet", "none") or not pattern:
            return ""
        label = pattern
        for level in range(9):
            if f"%{level + 1}" in label:
                lvl_fmt, _, lvl_start = self.levels[num_id].get(level, ("decimal", "", 1))
                value = counters.get(level, lvl_start)
                label = label.replace(f"%{level + 1}", format_number(value, lvl_fmt))
        return label


def _num_pr(paragraph: Paragraph) -> tuple[str | None, int]:
    """(numId, level) from the paragraph's own properties, else from its style chain."""
    sources = [paragraph._p]
    style = paragraph.style
    while style is not None:
        sources.append(style.element)
        style = style.base_style
    num_id, ilvl = None, None
    for element in sources:
        num_pr = element.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        if num_pr is None:
            continue
        if num_id is None and num_pr.find(qn("w:numId")) is not None:
            num_id = num_pr.find(qn("w:numId")).get(qn("w:val"))
        if ilvl is None and num_pr.find(qn("w:ilvl")) is not None:
            ilvl = int(num_pr.find(qn("w:ilvl")).get(qn("w:val"), "0"))
    # numId 0 switches numbering off for a paragraph whose style would number it.
    return (None if num_id in (None, "0") else num_id), ilvl or 0


def with_label(label: str, text: str) -> str:
    if not label:
        return text
    return label + ("" if label[-1] in CLOSING else " ") + text
