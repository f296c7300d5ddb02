"""Small text helpers shared by the extractors."""

from __future__ import annotations

import re

from policies.vocabulary import COMMENTARY_TYPES, is_commentary

# Full-width digits and signs folded one character for one character, so that offsets found in the
# folded copy are offsets in the original text too (sentences are returned in the original words).
_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},
        "％": "%",
        "．": ".",
        "\u3000": " ",
    }
)

# Kinds of document that describe or discuss a policy rather than set anything themselves.
NON_POLICY_TYPES = COMMENTARY_TYPES

# "到2029年", "到 2025 年", "至2026年底": the deadline frame that makes a sentence forward-looking.
# "截至2023年底" is the opposite (a report of where things stand), hence the look-behind.
DEADLINE = re.compile(r"(?<!截)(?:到|至)\s*(\d{4})\s*年(?:底|末)?|(\d{4})\s*年(?:底|末)?前")
DEADLINE_LEAD = re.compile(r"^\s*(?:力争|争取|预计)?\s*(?:到|至)\s*\d{4}\s*年")
FRAME_ONLY = re.compile(
    r"^\s*(?:力争|争取|预计)?\s*(?:到|至)\s*\d{4}\s*年(?:底|末)?\s*[，,：:]?\s*$"
)


# The characters _FOLD changes; str.translate looks every character up in the table, so it runs
# only on texts that hold one of them.
_FOLDABLE = re.compile("[" + "".join(chr(code) for code in _FOLD) + "]")


def fold(text: str) -> str:
    return text.translate(_FOLD) if _FOLDABLE.search(text) else text


def is_non_policy(doc_type: str) -> bool:
    return is_commentary(doc_type)
