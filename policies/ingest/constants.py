"""Ingestion thresholds, named and in one place (each says what it guards against)."""

from __future__ import annotations

# A line a PDF or plain-text export wrapped fills this share of the file's wrap column.
WRAP_FILL_RATIO = 0.8
# Lines at least this wide (display columns) vote for a file's wrap column…
WRAP_MIN_WIDTH = 30
# …and a column is trusted only when this many lines agree on it.
WRAP_MIN_LINES = 20
WRAP_MIN_NEAR = 15
# A table-of-contents entry (heading + page number) is no longer than this.
TOC_ENTRY_CHARS = 30
# Navigation (a slide deck's menu bar): short lines repeated at least NAV_MIN_REPEATS times that
# stand in a row of NAV_MENU_ITEMS+ different ones; a lone repeated label (专栏 captions) is content.
NAV_LINE_CHARS = 16
NAV_MIN_REPEATS = 3
NAV_MENU_ITEMS = 3
# A document title is at most this long; its wrapped first line is at least TITLE_WRAP_MIN.
TITLE_MAX_CHARS = 80
TITLE_WRAP_MIN = 8
# How far into a document its title, 发文字号 and heading bodies are looked for (lines).
HEAD_LINES = 40
# A signature block: at most this many body lines above the date, each at most this long.
SIGNATURE_MAX_BODIES = 12
BODY_NAME_CHARS = 30
# A short file is taken as hard-wrapped when this many lines stop mid-sentence at one width.
SHORT_WRAP_MIN_LINES = 2
# An entry of a document's printed skeleton (总结构/目录 of a slide deck) is at most this long.
OUTLINE_ENTRY_CHARS = 30
# How alike a slide's heading and a skeleton entry must be to hang the slide on it; looser for
# a slide titled after an entry further on.
OUTLINE_MATCH = 0.6
OUTLINE_LOOSE_MATCH = 0.45
# A （征求意见稿） line this close to the top marks the document as a draft.
HEAD_STATUS_LINES = 6
