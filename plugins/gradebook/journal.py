"""The journal grid's shapes: what the gradebook loads for one class, subject and term, and what other
plugins (attendance) contribute to it through the ``extra_journal_columns`` hook."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class JournalStudent:
    id: int
    short_name: str
    # False for a student who joined after or left before this lesson range (transfers keep history).
    active_from: date | None = None
    active_until: date | None = None


@dataclass(frozen=True)
class JournalLesson:
    id: int
    date: date
    number: int
    topic: str
    teacher_id: int
    control_work_type: str | None = None


@dataclass
class Journal:
    """One grid: students down, lessons across. Built by the gradebook; read-only for hook implementers."""

    school_id: int
    class_id: int
    subject_id: int
    term_id: int
    subgroup_id: int | None
    students: list[JournalStudent]
    lessons: list[JournalLesson]
    editable: bool = False

    @property
    def student_ids(self) -> list[int]:
        return [s.id for s in self.students]

    @property
    def lesson_ids(self) -> list[int]:
        return [lesson.id for lesson in self.lessons]


@dataclass
class JournalExtra:
    """Another plugin's contribution to the grid (attendance: н/б/у/о in the mark cells).

    ``cells`` maps (student_id, lesson_id) to the short text shown in the cell; ``codes`` are what a
    teacher may type into a cell for this extra (a keystroke that is not a mark); a typed code is saved
    by POSTing JSON ``{"student_id", "lesson_id", "code"}`` to ``save_url`` (an empty code clears it).
    ``totals`` is a per-student text for the right-hand side ("3 (1 ув.)").
    """

    key: str
    title: Any
    weight: int = 100
    cells: dict[tuple[int, int], str] = field(default_factory=dict)
    codes: tuple[str, ...] = ()
    save_url: str | None = None
    totals: dict[int, str] = field(default_factory=dict)
