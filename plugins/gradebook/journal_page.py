"""The journal grid page: students down, lessons across, marks in cells, ready for the keyboard."""
from __future__ import annotations

from typing import Any

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from core.toolkit import (
    db,
    requires_permission,
    school_today,
)
from plugins.gradebook import access
from plugins.gradebook.averages import (
    format_weight,
    rounding_rule_text,
    work_type_titles,
    work_type_weights,
)
from plugins.gradebook.journal_grid import GridMark, JournalGrid, JournalOpening, load_journal
from plugins.gradebook.web import (
    bp,
    journal_allowed,
    resolve_journal,
)


def journal_data(grid: JournalGrid, settings: dict[str, Any]) -> dict[str, Any]:
    """The compact JSON the keyboard grid draws itself from (also the API's journal answer)."""
    ctx = grid.context
    default_wt = settings["default_work_type"]
    lessons = []
    texts: dict[str, str] = {}  # one gettext per distinct reason, not one per lesson
    for lesson in grid.journal.lessons:
        refusal = grid.refusals.get(lesson.id)
        text = ""
        if refusal is not None:
            template = texts.get(refusal.message) or texts.setdefault(refusal.message, _(refusal.message))
            text = template % refusal.params if refusal.params else template
        day = lesson.date
        lessons.append([lesson.id, f"{day.day:02d}.{day.month:02d}", 0 if refusal else 1,
                        lesson.control_work_type or default_wt, text])
    marks = {f"{lid}:{sid}": cell for (sid, lid), cell in grid.marks.items()}
    return {
        "class_id": ctx.class_id, "subject_id": ctx.subject_id, "term_id": ctx.term_id,
        "subgroup_id": ctx.subgroup_id,
        "lessons": lessons,
        "students": [[s.id, s.short_name] for s in grid.journal.students],
        "marks": marks,
        "weights": work_type_weights(settings),
        "titles": work_type_titles(settings),
        "max_marks": settings["max_marks_per_lesson"],
        "extras": [
            {"key": e.key, "title": str(e.title), "codes": list(e.codes), "url": e.save_url,
             "cells": {f"{lid}:{sid}": text for (sid, lid), text in e.cells.items()},
             "totals": {str(k): v for k, v in e.totals.items()}}
            for e in grid.extras
        ],
        # Each row's average and forecast as the server computed them: the page shows these and never
        # computes one (a save answers with the row's new ones).
        "averages": {str(sid): a.as_json() for sid, a in grid.averages.items()},
    }


def _grid_rows(grid: JournalGrid, settings: dict[str, Any]) -> Markup:
    """The table body as ready HTML: 1,200 cells through a Jinja loop (or a gettext per cell) cost more
    than the whole query, so every repeated piece is made once and the cells are joined strings."""
    weights = work_type_weights(settings)
    word = _("weight")
    forecast_title = escape(_("Forecast, not a mark"))
    kinds = {code: (str(escape(f"{title}, {word} {format_weight(weights[code])}")), " h" if weights[code] > 1 else "")
             for code, title in work_type_titles(settings).items()}

    made: dict[tuple[str, str], str] = {}  # (work type, value) -> the span; a grid repeats a few dozen

    def mark_html(mark: GridMark) -> str:
        if not mark[5]:
            html = made.get((mark[3], mark[1]))
            if html is not None:
                return html
        title, heavy = kinds.get(mark[3]) or (str(escape(mark[3])), "")
        if mark[5]:
            title += str(escape(f": {mark[5]}"))
        html = f'<span class="m{heavy}" title="{title}">{escape(mark[1])}</span>'
        if not mark[5]:
            made[(mark[3], mark[1])] = html
        return html

    ctx = grid.context
    explain = url_for("gradebook.explain", class_id=ctx.class_id, subject_id=ctx.subject_id, term_id=ctx.term_id,
                      student_id=0)[:-1]
    lessons = grid.journal.lessons
    extra_cells = [(e.key, e.cells) for e in grid.extras]
    how = escape(_("How was this computed"))
    marks = grid.marks
    rows = []
    for n, student in enumerate(grid.journal.students, 1):
        sid = student.id
        parts = [f'<tr data-s="{sid}"><td class="n">{n}</td>'
                 f'<th scope="row" class="name">{escape(student.short_name)}</th>']
        always = student.active_from is None and student.active_until is None
        for j, lesson in enumerate(lessons):
            if not always and not grid.attends(student, lesson):
                parts.append('<td class="c off" aria-disabled="true"></td>')
                continue
            key = (sid, lesson.id)
            content = "".join(f'<span class="x x-{k}">{escape(cells[key])}</span>'
                              for k, cells in extra_cells if key in cells) if extra_cells else ""
            cell = marks.get(key)
            if cell:
                content += "".join(mark_html(m) for m in cell)
            parts.append(f'<td class="c" data-l="{j}">{content}</td>')
        for e in grid.extras:
            parts.append(f'<td class="tot num">{escape(e.totals.get(sid, ""))}</td>')
        average = grid.averages[sid]
        forecast = average.forecast
        final = grid.finals.get(sid)
        parts.append(f'<td class="avg num"><a href="{explain}{sid}" title="{how}">{average.text}</a>'
                     f'</td><td class="fc num forecast" title="{forecast_title}">{forecast if forecast is not None else "—"}</td>'
                     f'<td class="fin num">{escape(final.value) if final else ""}</td></tr>')
        rows.append("".join(parts))
    return Markup("".join(rows))


@bp.get("/journal")
@requires_permission("gradebook.journal.view")
def journal() -> Any:
    """One class (or subgroup), subject and term: students down, lessons across, marks in cells."""
    opening = resolve_journal(substitutes_ok=True, with_students=True)
    if not isinstance(opening, JournalOpening):
        return opening
    settings = access.settings()
    grid = load_journal(db(), settings, access.editor(), opening)
    if not journal_allowed(grid.context) and not grid.journal.editable:
        abort(403)  # a teacher let in only as a possible substitute, who substitutes at no lesson here
    homework = grid.homework
    lesson_url = url_for("gradebook.lesson_page", lesson_id=0)[:-1]
    titles = work_type_titles(settings)
    today = school_today()
    word_lesson, word_no_topic, word_homework = _("lesson"), _("no topic"), _("Homework")
    headers = []
    for lesson in grid.journal.lessons:
        day = lesson.date
        tip = f"{day.day:02d}.{day.month:02d}.{day.year}, {word_lesson} {lesson.number}: {lesson.topic or word_no_topic}"
        if lesson.control_work_type:
            tip += f" · {titles.get(lesson.control_work_type, lesson.control_work_type)}"
        if lesson.id in homework:
            tip += f" · {word_homework}: {homework[lesson.id]}"
        css = "l ctl" if lesson.control_work_type else "l"
        if not lesson.topic and lesson.date <= today:
            css += " notopic"
        headers.append(f'<th scope="col" class="{css}" title="{escape(tip)}">'
                       f'<a href="{lesson_url}{lesson.id}">{day.day:02d}.{day.month:02d}</a></th>')
    return render_template(
        "gradebook/journal.html", ctx=grid.context, grid=grid, headers=Markup("".join(headers)),
        rows=_grid_rows(grid, settings),
        data=journal_data(grid, settings), settings=settings, rule=rounding_rule_text(settings),
        work_types=settings["work_types"], editable=grid.journal.editable,
    )
