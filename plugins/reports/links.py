"""From a finding to the page that fixes it: a result's ``Link`` turned into a URL.

Targets of other plugins are reached through ``url_for`` when their page is registered, with a fallback
to the agreed path otherwise, so the reports keep working while those pages are switched off or not
built yet.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import url_for
from werkzeug.routing import BuildError

from plugins.reports.result import Link

# kind -> (endpoint, fallback path with {placeholders}, query-string arguments)
TARGETS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "journal": ("gradebook.journal", "/gradebook/journal", ("class_id", "subject_id", "term_id")),
    "roll_call": ("attendance.roll_call", "/attendance/lessons/{lesson_id}/roll-call", ()),
}


def url(link: Link | None) -> str | None:
    if link is None:
        return None
    args = {k: v for k, v in link.args.items() if v is not None}
    if link.kind == "report":
        key = args.pop("key")
        return url_for("reports.show", key=key, run=1, **args)
    target = TARGETS.get(link.kind)
    if target is None:
        return None
    endpoint, fallback, query_keys = target
    try:
        return url_for(endpoint, **args)
    except BuildError:
        path = fallback.format(**args)
        query = {k: args[k] for k in query_keys if k in args}
        return f"{path}?{urlencode(query)}" if query else path


def row_links(links: dict[str, Link]) -> dict[str, Any]:
    return {key: url(link) for key, link in links.items()}
