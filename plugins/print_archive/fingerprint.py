"""What a printed document showed, in a form the archive can compare with today's journal.

Two levels: the *snapshot* (every lesson's content hash, every mark, every attendance code, every final
mark; zlib-compressed JSON kept beside the PDF) gives an exact change report, "Математика: 3 marks
changed"; the *fingerprint* (a hash and counts per subject) is small enough for the listing; the
*quick signature* is a handful of SQL aggregates per class, cheap enough for the dashboard, that tells
"something changed since printing" without reading the marks.
"""
from __future__ import annotations

import hashlib
import json
import zlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.toolkit import AuditEntry, ClassMembership
from plugins.gradebook.public import FinalMark, Homework, Lesson, Mark
from plugins.print_archive.data import ClassYearData


def _h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def section_digest(section: Any) -> str:
    """A section from another plugin: its own fingerprint if it gives one, else a hash of what it prints."""
    given = getattr(section, "fingerprint", None)
    if given:
        return str(given)
    return _digest({"title": str(section.title), "paragraphs": [str(p) for p in section.paragraphs],
                    "table": [[str(c) for c in row] for row in section.table]})


def build_snapshot(data: ClassYearData, kind: str, sections: list[Any]) -> dict[str, Any]:
    """Every printed value, keyed so two snapshots can be compared cell by cell."""
    students = {str(s.id): _h(f"{s.full_name}|{s.birth_date}|{s.joined}|{s.left}") for s in data.students}
    final: dict[str, dict[str, str]] = defaultdict(dict)
    for (student_id, subject_id, term_id), value in data.final_marks.items():
        final[str(subject_id)][f"{student_id}:{term_id or 0}"] = value
    snap: dict[str, Any] = {"kind": kind, "through": data.through.isoformat(), "students": students,
                            "final": dict(final), "units": {},
                            "subject_titles": {str(sid): name for sid, name in data.subjects},
                            "sections": {str(s.title): section_digest(s) for s in sections}}
    if kind == "journal":
        for unit in data.units:
            snap["units"][unit.key] = {
                "title": unit.title,
                "lessons": {str(le.id): _h(f"{le.date}|{le.number}|{le.topic}|{le.homework}|{le.teacher_id}")
                            for le in unit.lessons},
                "marks": {f"{lid}:{sid}": ";".join(f"{v}/{w}" for v, w in marks)
                          for (sid, lid), marks in unit.marks.items()},
                "attendance": {f"{lid}:{sid}": code for (sid, lid), code in unit.attendance.items()},
            }
    return snap


def fingerprint_of(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Hashes and counts per subject: what the archive listing and the API show."""
    units = {key: {"title": u["title"], "hash": _digest(u), "lessons": len(u["lessons"]),
                   "marks": len(u["marks"]), "attendance": len(u["attendance"])}
             for key, u in snapshot["units"].items()}
    titles = snapshot.get("subject_titles", {})
    final = {sid: {"title": titles.get(sid, sid), "hash": _digest(v), "count": len(v)}
             for sid, v in snapshot["final"].items()}
    return {"through": snapshot["through"], "units": units, "final": final,
            "students": _digest(snapshot["students"]), "sections": snapshot["sections"]}


def pack(snapshot: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def unpack(blob: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(blob).decode("utf-8"))


# --- the change report ---------------------------------------------------------------------------------

@dataclass
class Change:
    key: str
    title: str
    marks_changed: int = 0
    marks_added: int = 0
    marks_removed: int = 0
    attendance_changed: int = 0
    lessons_changed: int = 0
    lessons_added: int = 0
    lessons_removed: int = 0
    final_marks_changed: int = 0

    @property
    def any(self) -> bool:
        return any(v for k, v in asdict(self).items() if k not in ("key", "title"))

    @property
    def marks_total(self) -> int:
        return self.marks_changed + self.marks_added + self.marks_removed


def _delta(old: dict[str, str], new: dict[str, str]) -> tuple[int, int, int]:
    """(changed, added, removed) between two {key: value} maps."""
    changed = sum(1 for k, v in old.items() if k in new and new[k] != v)
    return changed, sum(1 for k in new if k not in old), sum(1 for k in old if k not in new)


def diff(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[Change], int, list[str]]:
    """What changed between the printed snapshot and today's: per subject, the students, the sections."""
    changes: dict[str, Change] = {}
    for key in sorted(set(old["units"]) | set(new["units"]), key=lambda k: tuple(int(p) for p in k.split(":"))):
        o = old["units"].get(key, {"title": "", "lessons": {}, "marks": {}, "attendance": {}})
        n = new["units"].get(key, {"title": o["title"], "lessons": {}, "marks": {}, "attendance": {}})
        change = Change(key, n["title"] or o["title"])
        change.marks_changed, change.marks_added, change.marks_removed = _delta(o["marks"], n["marks"])
        change.lessons_changed, change.lessons_added, change.lessons_removed = _delta(o["lessons"], n["lessons"])
        change.attendance_changed = sum(_delta(o["attendance"], n["attendance"]))
        changes[key] = change
    titles = {key.split(":")[0]: c.title for key, c in changes.items() if key.endswith(":0")}
    for sid in sorted(set(old["final"]) | set(new["final"]), key=int):
        count = sum(_delta(old["final"].get(sid, {}), new["final"].get(sid, {})))
        if not count:
            continue
        key = f"{sid}:0"
        if key not in changes:
            changes[key] = Change(key, titles.get(sid) or new.get("subject_titles", {}).get(sid, "")
                                  or old.get("subject_titles", {}).get(sid, sid))
        changes[key].final_marks_changed += count
    students_changed = sum(_delta(old["students"], new["students"]))
    sections = sorted(t for t in set(old["sections"]) | set(new["sections"])
                      if old["sections"].get(t) != new["sections"].get(t))
    return [c for c in changes.values() if c.any], students_changed, sections


@dataclass
class CheckResult:
    document_id: int
    file_ok: bool
    up_to_date: bool
    checked_at: Any
    students_changed: int = 0
    sections_changed: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    audit_entries_since: int = 0


# --- the quick signature -------------------------------------------------------------------------------

def _num(value: Any) -> str:
    return f"{float(value or 0):.2f}"


def quick_signatures(session: Session, class_ids: list[int], through: date, start: date,
                     kind: str = "journal") -> dict[int, str]:
    """Per class, a digest of SQL aggregates over what a document of ``kind`` prints (about six grouped
    queries for any number of classes). Equal digests mean "nothing seen changed"; the exact answer is
    the snapshot comparison of the check page."""
    if not class_ids:
        return {}
    parts: dict[int, list[str]] = {c: [] for c in class_ids}

    def collect(query: Any, label: str) -> None:
        rows: dict[int, list[str]] = defaultdict(list)
        for row in session.execute(query):
            rows[row[0]].append("|".join(_num(v) if not isinstance(v, str) else v for v in row[1:]))
        for c in class_ids:
            parts[c].append(label + ":" + ",".join(sorted(rows.get(c, []))))

    in_range = (Lesson.class_id.in_(class_ids), Lesson.date <= through, Lesson.date >= start)
    collect(select(ClassMembership.class_id, func.count(), func.sum(ClassMembership.student_id))
            .where(ClassMembership.class_id.in_(class_ids)).group_by(ClassMembership.class_id), "members")
    collect(select(FinalMark.class_id, func.count(), func.sum(FinalMark.student_id * func.coalesce(FinalMark.numeric, 0)),
                   func.sum(func.length(FinalMark.value)), func.sum(func.coalesce(FinalMark.term_id, 0)),
                   func.sum(FinalMark.subject_id * FinalMark.student_id))
            .where(FinalMark.class_id.in_(class_ids)).group_by(FinalMark.class_id), "final")
    if kind == "journal":
        from plugins.attendance.public import AttendanceMark

        collect(select(Lesson.class_id, func.count(), func.sum(Lesson.id), func.sum(func.length(Lesson.topic)),
                       func.sum(Lesson.teacher_id), func.sum(Lesson.number))
                .where(*in_range).group_by(Lesson.class_id), "lessons")
        collect(select(Lesson.class_id, func.count(), func.sum(func.length(Homework.text)))
                .join(Homework, Homework.lesson_id == Lesson.id).where(*in_range).group_by(Lesson.class_id), "hw")
        collect(select(Lesson.class_id, func.count(), func.sum(Mark.id),
                       func.sum(Mark.student_id * func.coalesce(Mark.numeric, 0)),
                       func.sum(Mark.lesson_id * func.coalesce(Mark.numeric, 0)),
                       func.sum(func.length(Mark.value)), func.sum(func.length(Mark.work_type)))
                .join(Mark, Mark.lesson_id == Lesson.id).where(*in_range).group_by(Lesson.class_id), "marks")
        collect(select(Lesson.class_id, AttendanceMark.code, func.count(), func.sum(AttendanceMark.student_id),
                       func.sum(AttendanceMark.lesson_id))
                .join(AttendanceMark, AttendanceMark.lesson_id == Lesson.id).where(*in_range)
                .group_by(Lesson.class_id, AttendanceMark.code), "att")
    return {c: _digest(p) for c, p in parts.items()}


def max_audit_id(session: Session, school_id: int) -> int:
    return int(session.scalar(select(func.max(AuditEntry.id)).where(AuditEntry.school_id == school_id)) or 0)


def journal_audit_entries_since(session: Session, school_id: int, since_id: int) -> int:
    """Audited journal changes (marks, attendance, lessons, final marks) after the print: for the report."""
    return int(session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.school_id == school_id, AuditEntry.id > since_id,
            AuditEntry.object_type.like("gradebook.%") | AuditEntry.object_type.like("attendance.%"))
    ) or 0)
