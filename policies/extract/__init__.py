"""What a policy sets, read from its parsed provision tree: targets, goals, tasks and citations.

Pure functions over text and `policies.ingest.tree.Node`; no database. The loader turns their
results into `Target`, `Goal`, `Task` and `Reference` rows.
"""

from __future__ import annotations

from policies.extract.assignments import Assignment, find_assignments, match_task
from policies.extract.citations import find_abbreviation_defs, find_cited_titles, normalize_title
from policies.extract.goals import find_goals
from policies.extract.targets import TargetFact, find_targets
from policies.extract.tasks import find_tasks

__all__ = [
    "Assignment",
    "TargetFact",
    "find_abbreviation_defs",
    "find_assignments",
    "find_cited_titles",
    "find_goals",
    "find_targets",
    "find_tasks",
    "match_task",
    "normalize_title",
]
