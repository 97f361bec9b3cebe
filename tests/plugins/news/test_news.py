"""News with a publication window at the fixed clock (Wednesday 25 Nov 2026, 10:30 Moscow), shown on the
start page and in the family's diary week, and read marks counted for the author."""
from __future__ import annotations

from sqlalchemy import select

from plugins.news.models import NewsItem
from tests.conftest import FIXED_TODAY, csrf_token


def _write(client, **fields):
    page = client.get("/news/new").text
    return client.post("/news/new", data={"csrf_token": csrf_token(page), **fields})


def test_the_window_is_typed_in_school_time_and_respected(login_as, session, forum):
    lead = login_as(forum.lead.login)
    # from 10:00 today to 11:00 today, Moscow time: shown now (10:30)
    assert _write(lead, class_id=forum.class_id, title="Фотографирование класса", body="Завтра в 9:00",
                  publish_from="2026-11-25T10:00", publish_to="2026-11-25T11:00").status_code == 302
    # from 11:00 Moscow: not yet
    _write(lead, class_id=forum.class_id, title="Концерт в пятницу", body="", publish_from="2026-11-25T11:00")
    # ended at 10:29 Moscow
    _write(lead, class_id=forum.class_id, title="Вчерашняя новость", body="", publish_from="2026-11-24T08:00",
           publish_to="2026-11-25T10:29")
    item = session.scalar(select(NewsItem).where(NewsItem.title == "Фотографирование класса"))
    assert item.publish_from.hour == 7  # 10:00 in Moscow is 07:00 UTC
    parent = login_as(forum.guardian.login)
    news = parent.get("/news/").text
    assert "Фотографирование класса" in news
    assert "Концерт в пятницу" not in news and "Вчерашняя новость" not in news
    dashboard = parent.get("/").text
    assert "Фотографирование класса" in dashboard and "Концерт в пятницу" not in dashboard
    future = session.scalar(select(NewsItem).where(NewsItem.title == "Концерт в пятницу"))
    assert parent.get(f"/news/{future.id}").status_code == 404
    # another class's family does not see a class item
    assert "Фотографирование класса" not in login_as(forum.other_guardian.login).get("/news/").text


def test_read_marks_are_counted_for_the_author(login_as, session, forum):
    lead = login_as(forum.lead.login)
    _write(lead, class_id=forum.class_id, title="Сбор макулатуры", body="В субботу",
           publish_from="2026-11-25T08:00")
    item = session.scalar(select(NewsItem).where(NewsItem.title == "Сбор макулатуры"))
    from plugins.news.services import audience_ids

    audience = len(audience_ids(session, item, FIXED_TODAY))
    assert f"Прочитали 0 из {audience}" in lead.get(f"/news/{item.id}").text
    login_as(forum.guardian.login).get(f"/news/{item.id}")
    login_as(forum.student.login).get(f"/news/{item.id}")
    login_as(forum.guardian.login).get(f"/news/{item.id}")  # a second visit counts once
    reads = lead.get(f"/news/{item.id}/reads").text
    assert f"Прочитали 2 из {audience}" in reads
    assert forum.guardian.full_name in reads and forum.student.full_name in reads
    assert login_as(forum.guardian.login).get(f"/news/{item.id}/reads").status_code == 404


def test_a_stale_edit_is_refused_with_the_newer_title(login_as, session, forum):
    lead = login_as(forum.lead.login)
    _write(lead, class_id=forum.class_id, title="Черновик", body="", publish_from="2026-11-25T08:00")
    item = session.scalar(select(NewsItem).where(NewsItem.title == "Черновик"))
    form = lead.get(f"/news/{item.id}/edit").text
    lead.post(f"/news/{item.id}/edit", data={"csrf_token": csrf_token(form), "version": 1, "title": "Чистовик",
                                             "publish_from": "2026-11-25T08:00"})
    stale = lead.post(f"/news/{item.id}/edit", data={"csrf_token": csrf_token(form), "version": 1,
                                                     "title": "Старый вариант", "publish_from": "2026-11-25T08:00"},
                      follow_redirects=True)
    assert "сейчас её заголовок «Чистовик»" in stale.text
    session.expire_all()
    assert session.get(NewsItem, item.id).title == "Чистовик"


def test_news_appear_in_the_familys_diary_week(login_as, session, forum):
    child = next(s for s in _children(session, forum.guardian.id) if s in _class_ids(session, forum))
    page = login_as(forum.guardian.login).get(f"/diary/{child}?week={FIXED_TODAY.isoformat()}").text
    assert "Сменная обувь" in page and "Зимние каникулы" in page  # the demo's class and school items


def _children(session, guardian_id):
    from core.models import GuardianLink

    return list(session.scalars(select(GuardianLink.student_id).where(GuardianLink.guardian_id == guardian_id)))


def _class_ids(session, forum):
    from core.models import ClassMembership

    return set(session.scalars(select(ClassMembership.student_id).where(ClassMembership.class_id == forum.class_id)))


def test_news_written_after_a_family_saw_the_week_show_on_their_next_view(login_as, make_app, session, forum):
    """The diary keeps a class's news section in each process until news is written (core.content_cache):
    a family that opened the week before a class teacher published, through another app process, sees
    the item on its next view, and sees an edited title instead of the old one."""
    from tests.conftest import all_plugins, sign_in

    child = next(s for s in _children(session, forum.guardian.id) if s in _class_ids(session, forum))
    parent = login_as(forum.guardian.login)
    week = f"/diary/{child}?week={FIXED_TODAY.isoformat()}"
    assert "Родительское собрание в четверг" not in parent.get(week).text
    assert "Родительское собрание в четверг" not in parent.get(week).text  # now from this process's cache
    other_process = sign_in(make_app(plugins=all_plugins()).test_client(), forum.lead.login)
    assert _write(other_process, class_id=forum.class_id, title="Родительское собрание в четверг",
                  body="В 18:00 в кабинете 12", publish_from="2026-11-25T08:00").status_code == 302
    page = parent.get(week).text
    assert "Родительское собрание в четверг" in page and "В 18:00 в кабинете 12" in page
    item = session.scalar(select(NewsItem).where(NewsItem.title == "Родительское собрание в четверг"))
    form = other_process.get(f"/news/{item.id}/edit").text
    other_process.post(f"/news/{item.id}/edit", data={"csrf_token": csrf_token(form), "version": item.version,
                                                      "title": "Собрание перенесено на пятницу",
                                                      "publish_from": "2026-11-25T08:00"})
    page = parent.get(week).text
    assert "Собрание перенесено на пятницу" in page and "Родительское собрание в четверг" not in page
