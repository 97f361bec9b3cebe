"""The journal grid page: students down, lessons across, marks in cells, ready for the keyboard."""
from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_babel import get_locale
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


def journal_data(grid: JournalGrid, settings: dict[str, Any], *, cells: bool = True) -> dict[str, Any]:
    """The grid as compact JSON: the API's journal answer. Without ``cells``, only the columns and
    their rules (the page: its table carries the cells)."""
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
    data = {
        "class_id": ctx.class_id, "subject_id": ctx.subject_id, "term_id": ctx.term_id,
        "subgroup_id": ctx.subgroup_id,
        "lessons": lessons,
        "weights": work_type_weights(settings),
        "titles": work_type_titles(settings),
        "max_marks": settings["max_marks_per_lesson"],
        "extras": [{"key": e.key, "title": str(e.title), "codes": list(e.codes), "url": e.save_url}
                   for e in grid.extras],
    }
    if cells:
        data["students"] = [[s.id, s.short_name] for s in grid.journal.students]
        data["marks"] = {f"{lid}:{sid}": cell for (sid, lid), cell in grid.marks.items()}
        for extra, e in zip(data["extras"], grid.extras, strict=True):
            extra["cells"] = {f"{lid}:{sid}": text for (sid, lid), text in e.cells.items()}
            extra["totals"] = {str(k): v for k, v in e.totals.items()}
        # Each row's average and forecast as the server computed them: nobody computes one elsewhere.
        data["averages"] = {str(sid): a.as_json() for sid, a in grid.averages.items()}
    return data


@dataclass(frozen=True)
class _Words:
    """The page's fixed texts in one language, made once per app, locale and work types rather than per request
    (gettext, escaping and the weights' formatting cost more than the cells' own strings)."""

    kinds: dict[str, tuple[str, str]]  # work type -> (escaped "title, weight 1,5", " h" for a heavy one)
    forecast_title: str
    how: str
    lesson: str
    no_topic: str
    homework: str
    msgs: dict[str, str]


def _words(settings: dict[str, Any]) -> _Words:
    cache = current_app.extensions.setdefault("gradebook.journal_words", {})
    # Per language and per set of work types: each school names and weighs its own.
    key = (str(get_locale()), tuple((w["code"], w["title"], w["weight"]) for w in settings["work_types"]))
    found = cache.get(key)
    if found is None:
        weights = work_type_weights(settings)
        word = _("weight")
        found = cache[key] = _Words(
            kinds={code: (str(escape(f"{title}, {word} {format_weight(weights[code])}")),
                          " h" if weights[code] > 1 else "")
                   for code, title in work_type_titles(settings).items()},
            forecast_title=str(escape(_("Forecast, not a mark"))), how=str(escape(_("How was this computed"))),
            lesson=_("lesson"), no_topic=_("no topic"), homework=_("Homework"),
            msgs={
                "saving": _("Saving…"), "saved": _("Saved."),
                "network": _("No connection to the server: nothing was saved. Try again."),
                "readonly": _("This cell cannot be changed."), "weight": word,
                "notAttending": _("The student was not in the class on that day."),
                "conflict": _("Someone else has changed this cell. It now shows their marks."),
                "panelTitle": _("Marks of the cell"), "workType": _("Work type"), "comment": _("Comment"),
                "save": _("Save"), "close": _("Close"), "noMarks": _("No marks in this cell."),
                "pending": _("Some marks are still being saved."),
            })
    return found


def _fixed_url(endpoint: str, **values: int) -> str:
    """``url_for`` of a URL that is the same on every request of the app (an API address, a lesson's with
    id 0 to cut), built once per script root: building a URL costs about as much as a dozen cells."""
    cache = current_app.extensions.setdefault("gradebook.journal_urls", {})
    key = (request.script_root, endpoint, *values.items())
    found = cache.get(key)
    if found is None:
        found = cache[key] = url_for(endpoint, **values)
    return found


def page_data(grid: JournalGrid, settings: dict[str, Any], words: _Words) -> dict[str, Any]:
    """What the keyboard grid needs besides the table: the columns' rules, the work types, where to
    save. The cells themselves (marks with their ids and versions, other plugins' codes, averages) are
    in the table only, so the grid travels once; journal.js reads them from there."""
    full = journal_data(grid, settings, cells=False)
    full.update(urls={"cell": _fixed_url("gradebook_api.cell"), "mark": _fixed_url("gradebook_api.update_mark", mark_id=0)},
                msgs=words.msgs)
    return full


def _grid_rows(grid: JournalGrid, settings: dict[str, Any], words: _Words) -> Markup:
    """The table body as ready HTML, the one copy of the grid: 1,200 cells through a Jinja loop cost more
    than the whole query, so every repeated piece is made once, each row starts as its column's empty
    cells and one pass over the marks as the query returned them (``grid.mark_rows``) writes the cells.

    A mark is ``<span class="m" data-m="id.version">5</span>``; one of another work type than its
    lesson's also has ``data-w`` and a title naming the type and weight, one with a comment ``data-c``
    and the comment in its title (journal.js gives the plain ones their title too). The common cell,
    one mark of the lesson's own work type without a comment, is one f-string; a cell with several
    marks or another plugin's code is made once all its marks are known."""
    kinds = words.kinds
    default_wt = settings["default_work_type"]
    texts: dict[str, str] = {}  # value -> its escaped text, made below once per distinct value

    def mark_html(mark: GridMark, lesson_wt: str) -> str:
        mid, value, _numeric, wt, version, comment = mark
        title, heavy = kinds.get(wt) or (str(escape(wt)), "")
        if wt == lesson_wt and not comment:
            return f'<span class="m{heavy}" data-m="{mid}.{version}">{texts[value]}</span>'
        extra = "" if wt == lesson_wt else f' data-w="{escape(wt)}"'
        if comment:
            title += str(escape(f": {comment}"))
            extra += f' data-c="{escape(comment)}"'
        return f'<span class="m{heavy}" data-m="{mid}.{version}"{extra} title="{title}">{texts[value]}</span>'

    ctx = grid.context
    explain = url_for("gradebook.explain", class_id=ctx.class_id, subject_id=ctx.subject_id, term_id=ctx.term_id,
                      student_id=0)[:-1]
    lessons = grid.journal.lessons
    # Per column: the lesson's work type, the cell's opening tag, a plain mark's opening and the empty
    # cell (the very string object every row starts with, so "still empty" is an identity test).
    column_of: dict[int, int] = {}
    work_types: list[str] = []
    openings: list[str] = []
    plains: list[str] = []
    blank: list[str] = []
    for j, lesson in enumerate(lessons):
        wt = lesson.control_work_type or default_wt
        heavy = kinds[wt][1] if wt in kinds else ""
        column_of[lesson.id] = j
        work_types.append(wt)
        openings.append(f'<td class="c" data-l="{j}">')
        plains.append(f'<td class="c" data-l="{j}"><span class="m{heavy}" data-m="')
        blank.append(f'<td class="c" data-l="{j}"></td>')
    off = '<td class="c off" aria-disabled="true"></td>'
    cells_of: dict[int, list[str]] = {}
    for student in grid.journal.students:
        if student.active_from is None and student.active_until is None:
            cells_of[student.id] = blank.copy()
        else:
            cells_of[student.id] = [blank[j] if grid.attends(student, lesson) else off
                                    for j, lesson in enumerate(lessons)]
    # Other plugins' codes, sparse: such a cell is made at the end, with its marks.
    extra_html: dict[tuple[int, int], str] = {}
    for e in grid.extras:
        for key, text in e.cells.items():
            extra_html[key] = extra_html.get(key, "") + f'<span class="x x-{e.key}">{escape(text)}</span>'
    later: set[tuple[int, int]] = set()
    for key in extra_html:
        cells, j = cells_of.get(key[0]), column_of.get(key[1])
        if cells is not None and j is not None and cells[j] is not off:
            cells[j] = ""  # not blank: a mark arriving here leaves it for later
            later.add(key)
    mark_rows = grid.mark_rows
    # The hot loop indexes without checks: first drop (at C speed) the rare marks of a student no longer
    # in the class (or of a lesson not shown), and escape each distinct value once.
    if not (set(map(itemgetter(2), mark_rows)) <= cells_of.keys()
            and set(map(itemgetter(0), mark_rows)) <= column_of.keys()):
        mark_rows = [r for r in mark_rows if r[2] in cells_of and r[0] in column_of]
    texts.update((value, str(escape(value))) for value in set(map(itemgetter(3), mark_rows)))
    for lid, mid, sid, value, numeric, wt, version, comment in mark_rows:
        cells = cells_of[sid]
        j = column_of[lid]
        current = cells[j]
        if current is blank[j]:
            if wt == work_types[j] and not comment:
                cells[j] = f'{plains[j]}{mid}.{version}">{texts[value]}</span></td>'
            else:
                cells[j] = f"{openings[j]}{mark_html((mid, value, numeric, wt, version, comment), work_types[j])}</td>"
        elif current is not off:
            later.add((sid, lid))
    if later:  # several marks, or another plugin's code: in order, with the extra's text first
        marks: dict[tuple[int, int], list[GridMark]] = {}
        for lid, mid, sid, value, numeric, wt, version, comment in sorted(
                [r for r in mark_rows if (r[2], r[0]) in later], key=itemgetter(1)):
            marks.setdefault((sid, lid), []).append((mid, value, numeric, wt, version, comment))
        for key in later:
            j = column_of[key[1]]
            cells_of[key[0]][j] = (f"{openings[j]}{extra_html.get(key, '')}"
                                   f"{''.join([mark_html(m, work_types[j]) for m in marks.get(key, ())])}</td>")
    how, forecast_title = words.how, words.forecast_title
    rows = []
    for n, student in enumerate(grid.journal.students, 1):
        sid = student.id
        totals = "".join([f'<td class="tot num">{escape(e.totals.get(sid, ""))}</td>' for e in grid.extras])
        average = grid.averages[sid]
        forecast = average.forecast
        final = grid.finals.get(sid)
        rows.append(f'<tr data-s="{sid}"><td class="n">{n}</td><th scope="row" class="name">'
                    f'{escape(student.short_name)}</th>{"".join(cells_of[sid])}{totals}'
                    f'<td class="avg num"><a href="{explain}{sid}" title="{how}">{average.text}</a></td>'
                    f'<td class="fc num forecast" title="{forecast_title}">'
                    f'{forecast if forecast is not None else "—"}</td>'
                    f'<td class="fin num">{escape(final.value) if final else ""}</td></tr>')
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
    words = _words(settings)
    return render_template(
        "gradebook/journal.html", ctx=grid.context, grid=grid, headers=_headers(grid, settings, words),
        rows=_grid_rows(grid, settings, words), data=page_data(grid, settings, words), settings=settings,
        rule=rounding_rule_text(settings), work_types=settings["work_types"], editable=grid.journal.editable,
    )


def _headers(grid: JournalGrid, settings: dict[str, Any], words: _Words) -> Markup:
    """The lessons' column heads: the date linking to the lesson, the topic, work type and homework in
    the title; a past lesson without a topic is marked."""
    homework = grid.homework
    lesson_url = _fixed_url("gradebook.lesson_page", lesson_id=0)[:-1]
    titles = work_type_titles(settings)
    today = school_today()
    headers = []
    for lesson in grid.journal.lessons:
        day = lesson.date
        tip = f"{day.day:02d}.{day.month:02d}.{day.year}, {words.lesson} {lesson.number}: {lesson.topic or words.no_topic}"
        if lesson.control_work_type:
            tip += f" · {titles.get(lesson.control_work_type, lesson.control_work_type)}"
        if lesson.id in homework:
            tip += f" · {words.homework}: {homework[lesson.id]}"
        css = "l ctl" if lesson.control_work_type else "l"
        if not lesson.topic and lesson.date <= today:
            css += " notopic"
        headers.append(f'<th scope="col" class="{css}" title="{escape(tip)}">'
                       f'<a href="{lesson_url}{lesson.id}">{day.day:02d}.{day.month:02d}</a></th>')
    return Markup("".join(headers))
