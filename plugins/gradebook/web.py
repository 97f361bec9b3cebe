"""What every journal page shares: the blueprint, its template filters, reading the request's
arguments, and resolving (and guarding) the journal a page is about."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from sqlalchemy import select

from core.toolkit import (
    SchoolClass,
    Term,
    acting_user,
    cached_url_for,
    current_school_id,
    db,
    get_owned_or_404,
    hook,
    school_today,
)
from plugins.gradebook import access
from plugins.gradebook.averages import format_number, format_weight
from plugins.gradebook.errors import GradebookError
from plugins.gradebook.journal_grid import JournalContext, journal_context, open_journal

bp = Blueprint("gradebook", __name__, url_prefix="/gradebook", template_folder="templates",
               static_folder="static")


@bp.app_template_filter("gb_num")
def _gb_num(value: float | None, digits: int = 2) -> str:
    return format_number(value, digits)


@bp.app_template_filter("gb_weight")
def _gb_weight(value: float) -> str:
    return format_weight(value)


@bp.app_template_filter("gb_date")
def _gb_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


@bp.app_template_global("gb_url")
def gb_url(endpoint: str, **values: Any) -> str:
    """url_for without the arguments that are None (an absent subgroup or term), remembered like the
    templates' own ``url_for`` (the journal's navigation builds five per page)."""
    return cached_url_for(endpoint, **{k: v for k, v in values.items() if v is not None})


def int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value and value > 0 else None



def default_term(session: Any, year_id: int, today: date) -> Term | None:
    """The term containing today, else the last one already started, else the first."""
    terms = list(session.scalars(select(Term).where(Term.year_id == year_id).order_by(Term.number)))
    started = [t for t in terms if t.starts_on <= today]
    return next((t for t in terms if t.contains(today)), started[-1] if started else (terms[0] if terms else None))


def year_terms(session: Any, year_id: int) -> list[Term]:
    return list(session.scalars(select(Term).where(Term.year_id == year_id).order_by(Term.number)))


def flash_error(error: GradebookError) -> None:
    flash(access.message(error), "error")


def journal_args() -> tuple[int, int, int | None, int | None]:
    class_id, subject_id = int_arg("class_id"), int_arg("subject_id")
    if not class_id or not subject_id:
        abort(404)
    return class_id, subject_id, int_arg("term_id"), int_arg("subgroup_id")


def resolve_journal(*, redirect_endpoint: str | None = "gradebook.journal", substitutes_ok: bool = False,
                    with_students: bool = False) -> Any:
    """Resolve the journal of the request's arguments: a ``JournalContext`` (a ``JournalOpening``, with
    the students, when ``with_students``), or the answer to give instead (a redirect; 403 and 404 abort)."""
    session = db()
    school_id = current_school_id()
    class_id, subject_id, term_id, subgroup_id = journal_args()
    if term_id is None:
        school_class = get_owned_or_404(SchoolClass, class_id)
        term = default_term(session, school_class.year_id, school_today())
        if term is None or redirect_endpoint is None:
            abort(404)
        return redirect(url_for(redirect_endpoint, class_id=class_id, subject_id=subject_id, term_id=term.id,
                                **({"subgroup_id": subgroup_id} if subgroup_id else {})))
    viewer_id = acting_user().id
    if with_students:
        opening = open_journal(session, school_id, viewer_id, class_id, subject_id, term_id, subgroup_id)
        ctx = opening.context if opening is not None else None
    else:
        opening = ctx = journal_context(session, school_id, viewer_id, class_id, subject_id, term_id,
                                                 subgroup_id)
    if ctx is None:
        abort(404)
    if ctx.subgroup_id is None and ctx.split_subgroup_id is not None and redirect_endpoint is not None:
        return redirect(url_for(redirect_endpoint, class_id=class_id, subject_id=subject_id, term_id=term_id,
                                subgroup_id=ctx.split_subgroup_id))
    if not journal_allowed(ctx) and not (substitutes_ok and access.editor().may_edit
                                         and hook().register_lesson_editors.get_hookimpls()):
        abort(403)
    return opening


def journal_allowed(ctx: JournalContext) -> bool:
    """The deputy and the like, the class teacher, the teacher of the subject (or of lessons in it)."""
    return access.views_all() or access.leads(ctx.class_id) or ctx.assigned or ctx.teaches_lessons
