"""The C versions of the index build's per-entry loops (``search/_speedups.c``), when built.

``make venv`` compiles them (``scripts/speedups.sh``; every make target runs it); without a compiler, or
with ``SEARCH_SPEEDUPS=0`` in the environment, :data:`native` is None and the Python functions
run. Those stay the reference: ``tests/test_search_speedups.py`` checks that both give the same
rows and champion lists on the seed documents and on generated text.
"""

from __future__ import annotations

import os
from types import ModuleType


def _load() -> ModuleType | None:
    if os.environ.get("SEARCH_SPEEDUPS", "1") == "0":
        return None
    try:
        from search import _speedups
    except ImportError:
        return None
    return _speedups


native = _load()
