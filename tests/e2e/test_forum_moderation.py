"""The forum moderation story in Chromium: a guardian of 5А writes in the class section, the class teacher
hides the post with a reason, the guardian sees the reason, and the administrator finds the act in the audit."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.conftest import sign_in


def _new_tab(browser):
    return browser.new_context(locale="ru-RU", viewport={"width": 1400, "height": 900}).new_page()


@pytest.mark.e2e
def test_guardian_posts_class_teacher_hides_it_and_the_audit_shows_it(live_server, browser, page):
    from core.models import ClassMembership, GuardianLink, RoleGrant, User
    from plugins.forum.models import ForumSection

    live = live_server
    with live.session() as db:
        lead = db.scalar(select(User).where(User.login == live.accounts["class_teacher"]))
        class_id = db.scalar(select(RoleGrant.class_id).where(RoleGrant.user_id == lead.id,
                                                              RoleGrant.class_id.is_not(None)))
        section = db.scalar(select(ForumSection).where(ForumSection.class_id == class_id))
        guardian_login = db.scalar(select(User.login).join(GuardianLink, GuardianLink.guardian_id == User.id)
                                   .join(ClassMembership, ClassMembership.student_id == GuardianLink.student_id)
                                   .where(ClassMembership.class_id == class_id).order_by(User.id).limit(1))

    sign_in(page, live, guardian_login)
    page.click("nav >> text=Форум")
    page.click(f"text={section.title}")
    page.click("text=Экскурсия в краеведческий музей")
    page.fill("#reply textarea[name=body]", "Сколько стоит билет? Переведу деньги на карту учителя.")
    page.click("#reply button[type=submit]")
    page.wait_for_selector("text=Сообщение опубликовано.")
    post = page.locator("article.forum-post").last
    assert "Переведу деньги" in post.inner_text()

    teacher = _new_tab(browser)
    sign_in(teacher, live, "class_teacher")
    teacher.goto(page.url.split("#")[0])
    mine = teacher.locator("article.forum-post").last
    mine.locator("input[name=reason]").fill("Денежные вопросы решаем на родительском собрании")
    mine.locator("form.forum-hide button").click()
    teacher.wait_for_selector("text=Сообщение скрыто; автор видит причину.")

    page.reload()
    assert "Денежные вопросы решаем на родительском собрании" in page.locator("article.forum-post").last.inner_text()

    admin = _new_tab(browser)
    sign_in(admin, live, "admin")
    admin.goto(f"{live.url}/audit/?object_type=forum.post")
    assert "forum.post.hide" in admin.content()
    assert not page.js_errors
