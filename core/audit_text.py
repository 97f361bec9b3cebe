"""The audit log in words: Russian titles for action codes and fields (registered by plugins through
``register_audit_titles``) and each entry's old → new as a list of named fields («Отметка: 4 → 5»)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext

from core.service_error import N_

CORE_TITLES: dict[str, dict[str, str]] = {
    "actions": {
        "core.login": N_("Signed in"), "core.login.failed": N_("Failed sign-in"),
        "core.password.change": N_("Password changed"), "core.user.create": N_("User created"),
        "core.user.active": N_("Account enabled or disabled"), "core.user.password_reset": N_("Password reset"),
        "core.user.leak_reported": N_("Password leak reported"), "core.user.leak_report": N_("Password leak reported"),
        "core.token.create": N_("API token created"), "core.token.revoke": N_("API token revoked"),
        "core.session.end_others": N_("Other sessions ended"), "core.year.create": N_("Academic year created"),
        "core.term.update": N_("Term changed"), "core.class.save": N_("Class saved"),
        "core.assignment.create": N_("Teaching assignment added"),
        "core.assignment.delete": N_("Teaching assignment removed"),
        "core.second_factor.enable": N_("Second factor enabled"),
        "core.second_factor.disable": N_("Second factor disabled"),
    },
    "fields": {"since": N_("Moment of the leak"), "reverted": N_("Undone"), "not_revertible": N_("Not undoable"),
               "title": N_("Title"), "name": N_("Name"), "login": N_("Login")},
}


def all_titles() -> dict[str, dict[str, str]]:
    from core.app import state

    merged: dict[str, dict[str, str]] = {"actions": dict(CORE_TITLES["actions"]), "fields": dict(CORE_TITLES["fields"]),
                                         "values": {}}
    for titles in state().pm.hook.register_audit_titles():
        for kind in ("actions", "fields", "values"):
            merged[kind].update(titles.get(kind, {}))
    return merged


def action_title(code: str, titles: dict[str, dict[str, str]]) -> str:
    """The action's Russian title; an unregistered «x.revert» reads «Отмена: <object>»."""
    if code in titles["actions"]:
        return gettext(titles["actions"][code])
    if code.endswith(".revert") and code[:-7] in titles["actions"]:
        return gettext("Undone: %(what)s", what=gettext(titles["actions"][code[:-7]]))
    return code


def _show(value: Any, values: dict[str, str] | None = None) -> str:
    if isinstance(value, str) and values and value in values:
        return gettext(values[value])  # a code stored in the row («substitution» → «замена»)
    if value is None or value == "":
        return "—"
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    if isinstance(value, list | dict):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def diff(old: dict[str, Any] | None, new: dict[str, Any] | None, titles: dict[str, dict[str, str]]) -> list[str]:
    """«Отметка: 4 → 5» for each field that differs; a created or deleted object lists its values."""
    old, new = old or {}, new or {}
    lines = []
    for key in list(dict.fromkeys([*old, *new])):
        before, after = old.get(key), new.get(key)
        if key in old and key in new and before == after:
            continue
        label = gettext(titles["fields"][key]) if key in titles["fields"] else key
        codes = titles.get("values", {})
        if key not in old:
            lines.append(f"{label}: {_show(after, codes)}")
        elif key not in new:
            lines.append(f"{label}: {_show(before, codes)} → —")
        else:
            lines.append(f"{label}: {_show(before, codes)} → {_show(after, codes)}")
    return lines
