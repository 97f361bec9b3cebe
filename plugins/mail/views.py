"""The mail pages (/mail): folders with search, writing (to groups and people of one's address book),
a conversation with receipts, acknowledgement, withdrawal, one's own archive and trash, attachments, and
the printable list of recipients to tell on paper. A message is visible to its author and recipients
only; anyone else gets 404."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.toolkit import (
    User,
    acting_user,
    can,
    current_school_id,
    db,
    file_response,
    get_owned_or_404,
    load_file,
    plugin_settings,
    render_text,
    requires_permission,
    school_today,
)
from plugins.mail import addressing, services
from plugins.mail.models import MailAttachment, MailMessage

bp = Blueprint("mail", __name__, url_prefix="/mail", template_folder="templates")


def folder_names() -> dict[str, str]:
    return {"inbox": _("Inbox"), "sent": _("Sent"), "drafts": _("Drafts"), "archive": _("Archive"),
            "trash": _("Trash")}


def visible(message_id: int) -> MailMessage:
    message = get_owned_or_404(MailMessage, message_id)
    if not services.can_see(db(), message, acting_user()):
        abort(404)
    return message


@bp.get("/")
@bp.get("/folder/<name>")
@requires_permission("mail.read")
def folder(name: str = "inbox") -> Any:
    if name not in folder_names():
        abort(404)
    user, q = acting_user(), request.args.get("q", "").strip()[:100]
    rows = db().scalars(services.folder_query(user, name, q).limit(200)).all()
    unread = {r.message_id for r in db().scalars(
        services.select(services.MailRecipient).where(services.MailRecipient.user_id == user.id,
                                                      services.MailRecipient.read_at.is_(None)))}
    # Received folders show who wrote (one query for the page's authors); the author's own, whom it was for.
    received = name not in ("sent", "drafts")
    ids = {m.author_id for m in rows if m.author_id} if received else set()
    authors = {u.id: u.short_name for u in db().scalars(services.select(User).where(User.id.in_(ids)))} if ids else {}
    return render_template("mail/folder.html", rows=rows, name=name, folders=folder_names(), q=q, unread=unread,
                           received=received, authors=authors,
                           unread_count=services.unread_count(db(), user), may_write=can(user, "mail.write"))


@bp.get("/compose")
@requires_permission("mail.write")
def compose() -> Any:
    user, session = acting_user(), db()
    parent = visible(request.args.get("reply_to", type=int)) if request.args.get("reply_to") else None
    draft = visible(request.args.get("draft", type=int)) if request.args.get("draft") else None
    if draft is not None and (draft.author_id != user.id or draft.status not in ("draft", "withdrawn")):
        abort(404)
    settings = plugin_settings("mail")
    book = addressing.address_book(session, user, settings, school_today())
    q = request.args.get("q", "").strip()[:100]
    chosen = [a["key"] for a in draft.addressed] if draft else []
    replies = services.reply_addresses(session, parent, user) if parent else {}
    chosen_people = {k: book.label(k) or replies.get(k, k) for k in chosen if k.startswith("u:")}
    subject = draft.subject if draft else (("Re: " + parent.subject.removeprefix("Re: ")) if parent else "")
    return render_template("mail/compose.html", groups=book.groups, found=book.search(q), q=q, parent=parent,
                           draft=draft, replies=replies, chosen=chosen, chosen_people=chosen_people,
                           subject=subject, body=draft.body if draft else "",
                           requires_ack=draft.requires_ack if draft else False,
                           max_kb=settings["max_attachment_kb"])


@bp.post("/compose")
@requires_permission("mail.write")
def compose_post() -> Any:
    user, session = acting_user(), db()
    parent = visible(request.form.get("reply_to", type=int)) if request.form.get("reply_to") else None
    draft = visible(request.form.get("draft", type=int)) if request.form.get("draft") else None
    if draft is not None and (draft.author_id != user.id or draft.status not in ("draft", "withdrawn")):
        abort(404)
    uploads = [services.Upload(f.filename or "", f.read()) for f in request.files.getlist("files") if f.filename]
    args = {"subject": request.form.get("subject", ""), "body": request.form.get("body", ""),
            "to": request.form.getlist("to"), "requires_ack": bool(request.form.get("requires_ack")),
            "uploads": uploads, "settings": plugin_settings("mail"), "today": school_today(), "parent": parent,
            "draft": draft, "version": request.form.get("version", type=int)}
    if request.form.get("action") == "draft":
        saved = services.save_draft(session, user, **args)
        session.commit()
        flash(_("The draft is saved."), "success")
        return redirect(url_for("mail.compose", draft=saved.id))
    message = services.send(session, user, **args)
    from plugins.mail.notices import wake

    session.commit()
    wake(session, message, user.id)
    flash(_("The message is sent."), "success")
    return redirect(url_for("mail.show", message_id=message.id))


@bp.get("/message/<int:message_id>")
@requires_permission("mail.read")
def show(message_id: int) -> Any:
    user, session = acting_user(), db()
    message = visible(message_id)
    if services.mark_read(session, message, user):
        session.commit()
    conversation = services.thread(session, message, user) or [message]
    attachments: dict[int, list[MailAttachment]] = {}
    for a in session.scalars(services.select(MailAttachment).where(
            MailAttachment.message_id.in_([m.id for m in conversation]))):
        attachments.setdefault(a.message_id, []).append(a)
    authors = {m.author_id: session.get(services.User, m.author_id) for m in conversation if m.author_id}
    receipts = services.receipts(session, message) if message.author_id == user.id else []
    copy = services.copy_of(session, message, user)
    return render_template("mail/show.html", message=message, conversation=conversation, attachments=attachments,
                           authors=authors, receipts=receipts, copy=copy, me=user, render=render_text,
                           read=sum(1 for r in receipts if r.read_at), acked=sum(1 for r in receipts if r.acknowledged_at),
                           paper=sum(1 for r in receipts if not r.electronic),
                           may_paper=can(user, "mail.paper.view"), may_write=can(user, "mail.write"))


@bp.post("/message/<int:message_id>/ack")
@requires_permission("mail.read")
def ack(message_id: int) -> Any:
    services.acknowledge(db(), visible(message_id), acting_user())
    db().commit()
    flash(_("Acknowledged."), "success")
    return redirect(url_for("mail.show", message_id=message_id))


@bp.post("/message/<int:message_id>/withdraw")
@requires_permission("mail.write")
def withdraw(message_id: int) -> Any:
    message = services.withdraw(db(), visible(message_id), acting_user())
    db().commit()
    flash(_("The message is withdrawn; it is in your drafts."), "success")
    return redirect(url_for("mail.compose", draft=message.id))


@bp.post("/message/<int:message_id>/move")
@requires_permission("mail.read")
def move(message_id: int) -> Any:
    folder_name = request.form.get("folder", "")
    services.move(db(), visible(message_id), acting_user(), folder_name)
    db().commit()
    flash(_("Moved to «%(folder)s».", folder=folder_names().get(folder_name, folder_name)), "success")
    return redirect(url_for("mail.folder"))


@bp.get("/message/<int:message_id>/paper")
@requires_permission("mail.paper.view")
def paper(message_id: int) -> Any:
    """Printable: recipients who refused electronic information, to be told on paper."""
    user, session = acting_user(), db()
    message = visible(message_id)
    if message.author_id != user.id:
        abort(404)
    rows = [r for r in services.receipts(session, message) if not r.electronic]
    children = {}
    for r in rows:
        children[r.user.id] = ", ".join(f"{c.last_name} {c.first_name}" for c in services_children(r.user.id))
    return render_template("mail/paper.html", message=message, rows=rows, children=children)


def services_children(guardian_id: int) -> list[Any]:
    from core.toolkit import children_of

    return children_of(db(), guardian_id)


@bp.get("/attachment/<int:attachment_id>")
@requires_permission("mail.read")
def attachment(attachment_id: int) -> Any:
    item = get_owned_or_404(MailAttachment, attachment_id)
    visible(item.message_id)
    stored = load_file(db(), current_school_id(), item.file_id)
    if stored is None:
        abort(404)
    return file_response(stored, item.filename, inline=item.content_type == "application/pdf")
