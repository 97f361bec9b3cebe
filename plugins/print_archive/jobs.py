"""Printing in the background: one class or the whole school, as a core job with visible progress.

Sequentially (the default) progress moves per subject; with ``workers`` > 1 (a file or server database)
classes are rendered by a pool of processes, each one class at a time, and progress moves per class.
Either way each finished document is stored and committed at once, so a whole school streams through
memory one class at a time and a crash keeps what was already printed.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.toolkit import Job, SchoolClass, TeachingAssignment, hook, plugin_settings, utcnow
from plugins.print_archive.services import PrintContext, Produced, generate, produce, store, user_name

Progress = Callable[[int, int, str], None]


def context_from_app() -> PrintContext:
    """The settings and the ``extra_print_sections`` hook of the running app."""
    return PrintContext(plugin_settings("print_archive"), plugin_settings("attendance"), sections=_hook_sections)


def _hook_sections(session: Session, school_class: SchoolClass, year: Any) -> list[Any]:
    results = hook().extra_print_sections(session=session, school_class=school_class, year=year)
    return [section for sections in results for section in (sections or [])]


@dataclass
class Outcome:
    documents: list[int] = field(default_factory=list)
    pages: int = 0
    bytes: int = 0
    worker_rss_mb: float = 0.0  # the largest peak memory of a pool worker (0 without a pool)


def generate_job(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    """The job handler: ``params`` = {"class_ids": [...], "kinds": ["journal", "summary"], "year_id": n}."""
    params = job.params
    class_ids = [int(c) for c in params["class_ids"]]
    kinds = [k for k in ("journal", "summary") if k in params.get("kinds", ["journal", "summary"])]
    ctx = context_from_app()
    workers = ctx.settings["workers"] if len(class_ids) > 1 else 1
    outcome = run_generation(session, ctx, class_ids, kinds, user_id=job.created_by, job_id=job.id,
                             progress=progress, workers=workers)
    url = f"/print_archive/class/{class_ids[0]}" if len(class_ids) == 1 else \
        f"/print_archive/?year_id={params.get('year_id', '')}"
    return {"url": url, "documents": outcome.documents, "pages": outcome.pages, "bytes": outcome.bytes}


def _steps(session: Session, class_ids: list[int], kinds: list[str]) -> dict[tuple[int, str], int]:
    """How many progress steps each document takes: a journal one per subject (and subgroup) plus one
    for storing; a summary sheet one."""
    units: dict[int, set[tuple[int, int | None]]] = {c: set() for c in class_ids}
    for class_id, subject_id, subgroup_id in session.execute(
        select(TeachingAssignment.class_id, TeachingAssignment.subject_id, TeachingAssignment.subgroup_id)
        .where(TeachingAssignment.class_id.in_(class_ids))
    ):
        units[class_id].add((subject_id, subgroup_id))
    return {(c, k): (len(units[c]) + 1 if k == "journal" else 1) for c in class_ids for k in kinds}


def run_generation(session: Session, ctx: PrintContext, class_ids: list[int], kinds: list[str], *,
                   user_id: int | None, job_id: int | None, progress: Progress, workers: int = 1,
                   now: datetime | None = None,
                   on_document: Callable[[Produced | Any], None] | None = None) -> Outcome:
    """Print ``kinds`` for every class, store each as a new version, report progress as it goes.

    ``now`` fixes the moment of the snapshot (the benchmark prints "as of the year's last day"). It is
    taken here, once, in this process: the pool's workers get it, so every document of one run is
    "as of" the same moment whatever each worker's clock says."""
    now = now or utcnow()
    class_names = {c.id: c.name for c in session.scalars(select(SchoolClass).where(SchoolClass.id.in_(class_ids)))}
    steps = _steps(session, class_ids, kinds)
    total = sum(steps.values())
    done = 0
    outcome = Outcome()
    tasks = [(c, k) for c in class_ids for k in kinds]
    bind = session.get_bind()
    if workers > 1 and isinstance(bind, Engine) and bind.url.database not in (None, "", ":memory:"):
        progress(0, total, _("Starting %(n)d processes", n=workers))
        by = user_name(session, user_id)
        for produced in _pooled(bind, tasks, by, workers, now):
            try:
                with session.begin_nested():
                    document = store(session, produced, ctx.settings, user_id=user_id, job_id=job_id)
                session.commit()
            except IntegrityError:  # a concurrent print took the version: redo this one here
                session.rollback()
                document = generate(session, ctx, produced.class_id, produced.kind, user_id=user_id, job_id=job_id,
                                    now=now)
            outcome.documents.append(document.id)
            outcome.pages += document.pages
            outcome.bytes += document.size
            outcome.worker_rss_mb = max(outcome.worker_rss_mb, produced.worker_rss_mb)
            done += steps[(produced.class_id, produced.kind)]
            progress(min(done, total), total, _message(class_names[produced.class_id], produced.kind,
                                                       document.version))
            if on_document is not None:
                on_document(document)
        return outcome

    for class_id, kind in tasks:
        cls = class_names[class_id]
        if kind == "journal":
            def step(title: str, cls: str = cls) -> None:
                nonlocal done, total
                done += 1
                total = max(total, done + 1)
                progress(done, total, _("Journal of %(cls)s: %(subject)s", cls=cls, subject=title))

            document = generate(session, ctx, class_id, kind, user_id=user_id, job_id=job_id, now=now,
                                on_step=step)
            done += 1
        else:
            document = generate(session, ctx, class_id, kind, user_id=user_id, job_id=job_id, now=now)
            done += 1
        outcome.documents.append(document.id)
        outcome.pages += document.pages
        outcome.bytes += document.size
        progress(min(done, total), total, _message(cls, kind, document.version))
        if on_document is not None:
            on_document(document)
    return outcome


def _message(cls: str, kind: str, version: int) -> str:
    if kind == "journal":
        return _("Journal of %(cls)s stored, version %(version)d", cls=cls, version=version)
    return _("Summary sheet of %(cls)s stored, version %(version)d", cls=cls, version=version)


# --- the process pool ------------------------------------------------------------------------------------

_CHILD: dict[str, Any] = {}


def _child_init(profile: str, overrides: dict[str, Any], url: str) -> None:
    from core.toolkit import create_app

    _CHILD["app"] = create_app(profile, settings_overrides=overrides, database_url=url)


def _child_produce(class_id: int, kind: str, by: str, now: datetime | None) -> Produced:
    app = _CHILD["app"]
    state = app.extensions["klass"]
    with app.app_context():
        session = state.session()
        try:
            import resource

            produced = produce(session, context_from_app(), class_id, kind, generated_by=by, now=now)
            produced.worker_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            return produced
        finally:
            state.session.remove()


def _pooled(engine: Engine, tasks: list[tuple[int, str]], by: str, workers: int,
            now: datetime | None) -> Iterator[Produced]:
    """Render in ``workers`` processes, at most two documents in flight per process: memory stays
    bounded however many classes the school has. Yields documents as they are finished."""
    settings = dict(current_app.extensions["klass"].settings)
    profile = settings.pop("profile", "default")
    settings["jobs"] = {**settings.get("jobs", {}), "embedded_worker": False}
    url = engine.url.render_as_string(hide_password=False)
    pending = list(reversed(tasks))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_child_init, initargs=(profile, settings, url)) as pool:
        running: set[Future[Produced]] = set()
        while pending or running:
            while pending and len(running) < 2 * workers:
                class_id, kind = pending.pop()
                running.add(pool.submit(_child_produce, class_id, kind, by, now))
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                yield future.result()
