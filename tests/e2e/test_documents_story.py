"""The order's whole story in Chromium, through the real pages of /documents: the deputy drafts an order in the
administration's folder and sends it to two approvers; the first returns it once with a comment; the deputy
revises and resends; both approve; the director approves and the order gets its register number; three teachers
each sign in and confirm acquaintance; the deputy sees the three confirmations with their dates; the audit log
shows every step."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.e2e.conftest import sign_in

TITLE = "О дежурстве администрации по школе"
DATE_TIME = re.compile(r"\d\d\.\d\d\.\d{4} \d\d:\d\d")


def _tab(browser, live, who):
    tab = browser.new_context(locale="ru-RU", viewport={"width": 1400, "height": 900}).new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.js_errors = errors
    sign_in(tab, live, who)
    return tab


def _press(tab, selector):
    """Press a form's button and wait for the page the server answers with."""
    with tab.expect_navigation():
        tab.click(selector)


def _open_from_my_list(tab, live, section):
    """From the documents page, follow the order's link in «On approval with you» (#approve) or «Please read»."""
    tab.goto(f"{live.url}/documents/")
    with tab.expect_navigation():
        tab.locator(f"#{section}").get_by_role("link", name=TITLE).click()


def _send_for_approval(tab, approver_ids):
    tab.locator("#submit select[name=approvers]").select_option([str(i) for i in approver_ids])
    _press(tab, "#submit button[type=submit]")
    assert "на согласовании" in tab.locator(".doc-status").inner_text()


@pytest.mark.e2e
def test_order_drafted_returned_approved_numbered_and_acknowledged(live_server, browser, page):
    from core.models import RoleGrant, User
    from plugins.documents.models import Document

    live = live_server
    with live.session() as db:
        by_login = {u.login: u for u in db.scalars(select(User).where(User.school_id == live.school_id))}
        admin, lead = by_login[live.accounts["admin"]], by_login[live.accounts["class_teacher"]]
        teacher_ids = select(RoleGrant.user_id).where(RoleGrant.role == "teacher")
        teachers = [u for u in db.scalars(select(User).where(User.school_id == live.school_id,
                                                             User.id.in_(teacher_ids)).order_by(User.id))
                    if u.id not in (admin.id, lead.id)][:3]
    assert len(teachers) == 3
    # the approvers' list submits the chosen people in the order they stand in it (by name)
    first, second = sorted([admin, lead], key=lambda u: (u.last_name, u.first_name))
    who = {admin.id: "admin", lead.id: "class_teacher"}

    # the deputy drafts the order in the administration's folder
    deputy = page
    sign_in(deputy, live, "deputy")
    deputy.goto(f"{live.url}/documents/")
    with deputy.expect_navigation():
        deputy.get_by_role("link", name="Приказы и локальные акты").click()
    form = deputy.locator("#new-document")
    form.locator("select[name=kind]").select_option("order")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=body]").fill("Назначить дежурных администраторов на ноябрь.")
    _press(deputy, "#new-document button[type=submit]")
    assert re.search(r"/documents/\d+$", deputy.url)
    order_url = deputy.url
    assert "черновик" in deputy.locator(".doc-status").inner_text()
    _send_for_approval(deputy, [first.id, second.id])

    # the first approver returns it with a comment; the second has nothing to do yet
    tabs = {role: _tab(browser, live, role) for role in ("admin", "class_teacher")}
    one, two = tabs[who[first.id]], tabs[who[second.id]]
    two.goto(order_url)
    assert two.locator("#decide").count() == 0
    _open_from_my_list(one, live, "approve")
    one.locator("#decide textarea[name=comment]").fill("Добавьте график дежурств")
    _press(one, "#decide button[value=return]")
    assert "черновик" in one.locator(".doc-status").inner_text()

    # the deputy sees the comment, revises and sends it again
    deputy.goto(order_url)
    assert "черновик" in deputy.locator(".doc-status").inner_text()
    assert "Добавьте график дежурств" in deputy.locator("#approvals").inner_text()
    deputy.fill("#new-version input[name=summary]", "Добавлен график дежурств")
    deputy.fill("#new-version textarea[name=body]", "Назначить дежурных администраторов. График — в приложении.")
    _press(deputy, "#new-version button[type=submit]")
    assert "Добавлен график дежурств" in deputy.locator("table").first.inner_text()
    _send_for_approval(deputy, [first.id, second.id])

    # both approve, in order
    for tab in (one, two):
        _open_from_my_list(tab, live, "approve")
        _press(tab, "#decide button[value=approve]")
        assert tab.locator("#decide").count() == 0
    deputy.goto(order_url)
    assert deputy.locator(".doc-status").inner_text() == "на утверждении у директора"
    assert deputy.locator(".doc-number").count() == 0

    # the director approves: the order is published with its register number
    director = _tab(browser, live, "principal")
    _open_from_my_list(director, live, "approve")
    _press(director, "#director button[value=approve]")
    assert "опубликован" in director.locator(".doc-status").inner_text()
    with live.session() as db:
        saved = db.scalar(select(Document).where(Document.title == TITLE))
        assert saved.status == "published" and saved.number is not None
    number = director.locator(".doc-number").inner_text()
    assert re.match(rf"№ \S*{saved.number} от \d\d\.\d\d\.\d{{4}}$", number), number

    # the deputy asks three teachers to read it
    deputy.goto(order_url)
    assert number == deputy.locator(".doc-number").inner_text()
    deputy.locator("#ask-to-read select[name=people]").select_option([str(t.id) for t in teachers])
    _press(deputy, "#ask-to-read button[type=submit]")
    for t in teachers:
        assert "—" in deputy.locator("#acquaintance tr", has_text=t.full_name).inner_text()

    # each teacher signs in and confirms acquaintance
    for t in teachers:
        reader = _tab(browser, live, t.login)
        _open_from_my_list(reader, live, "read")
        _press(reader, "#acknowledge button[type=submit]")
        assert reader.locator("#acknowledge").count() == 0
        reader.goto(f"{live.url}/documents/")
        assert reader.locator("#read", has_text=TITLE).count() == 0
        assert not reader.js_errors
        reader.context.close()

    # the deputy sees all three confirmations with their dates
    deputy.goto(order_url)
    for t in teachers:
        row = deputy.locator("#acquaintance tbody tr", has_text=t.full_name)
        assert DATE_TIME.search(row.locator("td").nth(1).inner_text()), row.inner_text()

    # the audit log shows the steps, oldest first
    auditor = tabs["admin"]
    auditor.goto(f"{live.url}/audit/?action=documents.")
    rows = auditor.locator("table.audit tbody tr").evaluate_all(
        "rows => rows.map(r => [r.cells[1].innerText, r.cells[3].title, r.cells[4].title, r.cells[4].innerText])")
    ours = [action for _who, action, kind, text in reversed(rows)
            if kind == "documents.document" and text.endswith(f"№ {saved.id}")]
    assert ours == ["documents.create", "documents.submit", "documents.return", "documents.version",
                    "documents.submit", "documents.approve", "documents.approve", "documents.director_approve"]
    confirmed_by = {actor for actor, action, _kind, _text in rows if action == "documents.acquaintance.confirm"}
    assert {t.short_name for t in teachers} <= confirmed_by
    assert not deputy.js_errors and not director.js_errors
    for tab in (*tabs.values(), director):
        tab.context.close()
