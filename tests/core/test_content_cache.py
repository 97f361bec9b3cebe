"""core.content_cache: a school's token, which keys the per-process caches of its shared page data, changes
exactly when a watched table of that school was written and the write committed, and ``cached`` serves an
entry only while it holds."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

import core.content_cache as content
from core.models import Holiday, School, Subject


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Holidays play the part of a plugin's watched table (news, class events) in these tests."""
    monkeypatch.setattr(content, "WATCHED", {"core_holiday"})


def _school(session) -> School:
    return session.scalar(select(School).where(School.kind == "school").order_by(School.id))


def _token(session, school_id: int | None = None) -> int:
    session.expire_all()
    return session.scalar(select(School.content_token).where(School.id == (school_id or _school(session).id)))


def _holiday(session, school_id: int | None = None) -> Holiday:
    school_id = school_id or _school(session).id
    year_id = session.scalar(select(Holiday.year_id).where(Holiday.school_id == _school(session).id))
    return Holiday(school_id=school_id, year_id=year_id, title="Проверка", starts_on=date(2027, 3, 1),
                   ends_on=date(2027, 3, 2))


def test_a_committed_write_of_a_watched_table_gives_its_school_a_new_token(session, watched):
    before = _token(session)
    session.add(_holiday(session))
    session.commit()  # flushed by the commit itself: the event must see what was still pending
    after = _token(session)
    assert after != before
    session.execute(update(Holiday).where(Holiday.title == "Проверка").values(title="Другое"))  # Core, in a session
    session.commit()
    assert _token(session) not in (before, after)


def test_another_schools_write_keeps_this_schools_token(session, watched):
    from core.toolkit import create_school

    other = create_school(session, name="МБОУ «СОШ № 9»", short_name="СОШ № 9", slug="school9cache")
    session.commit()
    mine, theirs = _token(session), _token(session, other.school.id)
    session.add(_holiday(session, other.school.id))
    session.commit()
    assert _token(session) == mine and _token(session, other.school.id) != theirs


def test_a_rolled_back_write_and_an_unwatched_write_keep_the_token(session, watched):
    before = _token(session)
    session.add(_holiday(session))
    session.flush()
    session.rollback()
    assert _token(session) == before
    session.scalar(select(Subject).order_by(Subject.id)).name += " (проверка)"  # not watched
    session.commit()
    assert _token(session) == before


def test_a_savepoint_rolled_back_after_a_watched_write_still_changes_the_token(session, watched):
    before = _token(session)
    session.add(_holiday(session))
    session.flush()
    with session.begin_nested() as nested:
        session.scalar(select(Subject).order_by(Subject.id)).name += " (проверка)"
        session.flush()
        nested.rollback()
    session.commit()
    assert _token(session) != before


def test_cached_keeps_a_value_until_the_schools_token_changes(app, session, watched):
    school_id = _school(session).id
    built: list[int] = []

    def page() -> int:
        """One request: the token as the sign-in statement reads it, then the cached part of the page."""
        with app.app_context(), app.test_request_context("/diary/"):  # a request's own g, as in production
            content.remember_token(school_id, _token(session))
            return content.cached(school_id, ("test.probe",), lambda: built.append(1) or len(built))

    assert [page(), page()] == [1, 1] and len(built) == 1
    session.add(_holiday(session))
    session.commit()
    assert [page(), page()] == [2, 2]  # built once more under the new token
    with app.app_context(), app.test_request_context():  # no token (an API token's request, say): built every time
        assert content.cached(school_id, ("test.probe",), lambda: "fresh") == "fresh"
    with app.app_context(), app.test_request_context("/diary/"):  # another school's page: no token for it
        content.remember_token(school_id, _token(session))
        assert content.cached(school_id + 1000, ("test.probe",), lambda: "theirs") == "theirs"
    with app.app_context(), app.test_request_context("/diary/"):  # a request that wrote something itself
        from flask import g

        content.remember_token(school_id, _token(session))
        g.klass_db_wrote = True
        assert content.cached(school_id, ("test.probe",), lambda: "own") == "own"


def test_deleting_a_row_read_in_an_earlier_transaction_changes_the_token(session, watched):
    """A row whose columns expired at the last commit, then deleted: the delete still counts as a write of
    the watched table (the listener reads the school from the row's loaded state, never by a new load)."""
    holiday = _holiday(session)
    session.add(holiday)
    session.commit()
    before = _token(session)  # expires every loaded row, the holiday's columns too
    session.delete(holiday)
    session.commit()
    assert _token(session) != before


def test_a_bulk_write_changes_the_named_schools_token_or_every_schools(session, watched):
    from core.toolkit import create_school

    other = create_school(session, name="МБОУ «СОШ № 10»", short_name="СОШ № 10", slug="school10cache").school
    session.add(_holiday(session))
    session.commit()
    mine, theirs = _token(session), _token(session, other.id)
    session.execute(update(Holiday).where(Holiday.title == "Проверка").values(title="Названная школа")
                    .execution_options(content_school_id=_school(session).id))
    session.commit()
    assert _token(session) != mine and _token(session, other.id) == theirs
    mine = _token(session)
    session.execute(update(Holiday).where(Holiday.title == "Названная школа").values(title="Не названа"))
    session.commit()  # the school was not named: every school's token changes
    assert _token(session) != mine and _token(session, other.id) != theirs


def test_the_cache_keeps_at_most_its_limit_dropping_the_oldest(app, session, watched, monkeypatch):
    school_id = _school(session).id
    monkeypatch.setattr(content, "LIMIT", 3)
    with app.app_context(), app.test_request_context("/diary/"):
        content.remember_token(school_id, _token(session))
        for week in range(5):
            content.cached(school_id, ("test.week", week), lambda week=week: f"неделя {week}")
        store = app.extensions["klass_content_cache"]
        assert [key[-1] for key in store] == [2, 3, 4]  # the two oldest were dropped
        assert content.cached(school_id, ("test.week", 4), lambda: "built again") == "неделя 4"
