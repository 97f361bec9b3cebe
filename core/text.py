"""User text shown to other people: one safe renderer for every plugin (mail, forum...).

A small Markdown subset (emphasis, lists, quotes, links, code) rendered with markdown-it-py with raw HTML
off, then cleaned by nh3 (Ammonia) to an allow-list of tags and attributes. Both layers are kept on
purpose: markdown-it never passes raw HTML through, and nh3 guarantees that even a bug in the renderer
or a future plugin of it cannot let a script, an event handler or a ``javascript:`` link reach another
family's browser.
"""
from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a", "hr"}
ATTRIBUTES = {"a": {"href", "title"}}
SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True})
    return md.disable(["image", "heading", "lheading", "html_block", "html_inline"])


def render_text(source: str | None) -> Markup:
    """Safe HTML of the author's Markdown source (links get ``rel="noopener noreferrer nofollow"``)."""
    html = _markdown().render(source or "")
    return Markup(nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                            link_rel="noopener noreferrer nofollow"))


def plain_text(source: str | None) -> str:
    """The words of the author's Markdown source without any markup (e-mail notices, snippets)."""
    return nh3.clean(_markdown().render(source or ""), tags=set()).strip()
