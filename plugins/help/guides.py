"""The role guides: Markdown files in ``guides/``, rendered safely, and the map from a page (endpoint)
to the guide section that explains it.

Why markdown-it-py: the guides are written by school staff and developers as plain Markdown, and
markdown-it-py is CommonMark-exact, maintained and, with ``html`` off, escapes any raw HTML and refuses
``javascript:`` links, so a guide can never inject markup into the page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

GUIDES_DIR = Path(__file__).resolve().parent / "guides"
IMAGES_DIR = GUIDES_DIR / "img"

# Role → guide file stem, in the order a person with several roles is sent (the most demanding role first:
# a class teacher is also a teacher, and her guide links to the teacher's).
ROLE_GUIDES: dict[str, str] = {
    "admin": "admin",
    "principal": "director",
    "deputy": "deputy",
    "class_teacher": "class_teacher",
    "teacher": "teacher",
    "guardian": "guardian",
    "student": "student",
    "support": "admin",
}
GUIDE_TITLES: dict[str, str] = {  # Russian titles, also the guides' first headings
    "student": "Ученику",
    "guardian": "Родителю",
    "teacher": "Учителю",
    "class_teacher": "Классному руководителю",
    "deputy": "Заместителю директора",
    "admin": "Администратору системы",
    "director": "Директору",
}

# Endpoint → section anchor. Exact endpoints first; then a blueprint's default section. A guide that
# has no such anchor sends the reader to its start (``section_for``).
ENDPOINT_SECTIONS: dict[str, str] = {
    "core_main.dashboard": "dashboard",
    "core_auth.change_password": "password",
    "core_account.tokens": "password",
    "core_structure.index": "structure",
    "core_people.staff": "staff",
    "core_audit.index": "audit",
    "core_jobs.index": "jobs",
    "core_jobs.show": "jobs",
    "gradebook.journal": "journal",
    "gradebook.index": "journal",
    "gradebook.class_view": "journal",
    "gradebook.lessons": "lessons",
    "gradebook.lesson_page": "lessons",
    "gradebook.lesson_new": "lessons",
    "gradebook.final_page": "final",
    "gradebook.student_card": "marks",
    "gradebook.explain": "marks",
    "attendance.roll_call": "attendance",
    "attendance.today": "attendance",
    "attendance.week": "attendance-week",
    "attendance.reasons": "attendance-week",
    "attendance.notes": "notes",
    "attendance.class_notes": "notes",
    "attendance.monitor": "attendance-monitor",
    "attendance.summary": "attendance-week",
    "diary.week": "diary",
    "diary.student_week": "diary",
    "diary.marks": "marks",
    "diary.marks_default": "marks",
    "diary.notifications": "notifications",
    "diary.notices": "notifications",
    "diary.remarks": "remarks",
    "diary.student_remarks": "remarks",
    "diary.classes": "class-diary",
    "diary.class_week": "class-diary",
    "diary.statements": "statements",
    "diary.letters": "statements",
    "timetable.index": "timetable",
    "timetable.teacher": "timetable",
    "timetable.changes": "changes",
    "timetable.versions": "timetable-edit",
    "timetable.editor": "timetable-edit",
    "timetable.bells": "timetable-edit",
    "timetable.workload": "workload",
    "timetable.assessments": "tests-calendar",
    "timetable.calendar": "tests-calendar",
    "timetable.plans": "plans",
    "timetable.plan_edit": "plans",
    "timetable.plan_progress_page": "plans",
    "reports.index": "reports",
    "reports.show": "reports",
    "reports.subscriptions": "reports",
    "reports.received": "reports",
    "print_archive.index": "print-archive",
    "print_archive.class_documents": "print-archive",
    "office.index": "office",
    "office.class_page": "office",
    "office.credentials": "credentials",
    "office.staff_credentials": "credentials",
    "office.subgroups": "subgroups",
    "office.import_form": "import",
    "office.import_preview": "import",
    "office.movement": "movement",
    "office.personal_file": "personal-files",
    "office.verification": "personal-files",
    "office.consents": "consents",
    "office.regulation": "regulation",
    "office.regulation_report": "regulation",
    "office.tickets": "office-requests",
    "support.index": "support",
    "support.new": "support",
    "support.show": "support",
    "support.queue": "support-queue",
    "support.report": "support-report",
    "help.opens": "guide-opens",
}
BLUEPRINT_SECTIONS: dict[str, str] = {
    "gradebook": "journal", "attendance": "attendance", "diary": "diary", "timetable": "timetable",
    "reports": "reports", "print_archive": "print-archive", "office": "office", "support": "support",
}

_ANCHOR = re.compile(r"\s*\{#([a-z0-9-]+)\}\s*$")


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    html: str
    anchors: frozenset[str]
    toc: tuple[tuple[str, str], ...]  # (anchor, heading text) of the second-level headings


def guide_for_roles(roles: set[str]) -> str:
    """The guide a person with ``roles`` reads first."""
    for role, slug in ROLE_GUIDES.items():
        if role in roles:
            return slug
    return "student"


def guides_for_roles(roles: set[str]) -> list[str]:
    """Every guide of the person's roles, the first one first (no repeats)."""
    out: list[str] = []
    for role, slug in ROLE_GUIDES.items():
        if role in roles and slug not in out:
            out.append(slug)
    return out or ["student"]


def section_of(endpoint: str | None) -> str:
    if not endpoint:
        return "start"
    if endpoint in ENDPOINT_SECTIONS:
        return ENDPOINT_SECTIONS[endpoint]
    return BLUEPRINT_SECTIONS.get(endpoint.partition(".")[0], "start")


def target_for(endpoint: str | None, roles: set[str]) -> tuple[str, str]:
    """(guide, anchor) the «?» of page ``endpoint`` opens: the first of the person's guides that has the
    page's section; otherwise the start of their main guide."""
    section = section_of(endpoint)
    candidates = guides_for_roles(roles)
    for slug in candidates:
        if section in load(slug).anchors:
            return slug, section
    return candidates[0], "start"


def _markdown() -> MarkdownIt:
    # "commonmark" with html off: raw HTML in a guide is shown as text; tables on for the role overviews.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def _anchor_headings(tokens: list[Token]) -> tuple[set[str], list[tuple[str, str]]]:
    """Headings written ``## Журнал {#journal}`` get ``id="journal"``; the marker leaves the text."""
    anchors: set[str] = set()
    toc: list[tuple[str, str]] = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[index + 1]
        match = _ANCHOR.search(inline.content)
        if not match:
            continue
        anchor = match.group(1)
        inline.content = inline.content[: match.start()]
        if inline.children:
            last = inline.children[-1]
            last.content = _ANCHOR.sub("", last.content)
        token.attrSet("id", anchor)
        anchors.add(anchor)
        if token.tag == "h2":
            toc.append((anchor, inline.content))
    return anchors, toc


def _rewrite_images(tokens: list[Token], image_url: str) -> None:
    """``![..](journal.png)`` points at the help plugin's image route; absolute URLs are dropped."""
    for token in tokens:
        for child in token.children or []:
            if child.type == "image":
                src = str(child.attrGet("src") or "")
                name = Path(src).name
                child.attrSet("src", image_url.replace("__name__", name) if "/" not in src and name else "")
                child.attrSet("loading", "lazy")


@lru_cache(maxsize=32)
def _load(slug: str, image_url: str) -> Guide:
    if slug not in GUIDE_TITLES:
        raise KeyError(slug)
    source = (GUIDES_DIR / f"{slug}.md").read_text(encoding="utf-8")
    md = _markdown()
    env: dict[str, object] = {}
    tokens = md.parse(source, env)
    anchors, toc = _anchor_headings(tokens)
    _rewrite_images(tokens, image_url)
    html = md.renderer.render(tokens, md.options, env)
    return Guide(slug, GUIDE_TITLES[slug], html, frozenset(anchors | {"start"}), tuple(toc))


def load(slug: str, image_url: str = "/help/img/__name__") -> Guide:
    """The rendered guide (cached: the files change only with a deployment)."""
    return _load(slug, image_url)
