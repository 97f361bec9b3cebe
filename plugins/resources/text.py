"""A task written in the catalogue: a small Markdown subset rendered by markdown-it-py with raw HTML off, then
cleaned by nh3 to an allow-list, so a «<script>» typed by anyone never reaches a family's browser.

The toolkit has no shared renderer yet (the forum keeps its own, private); this one is as small as it can be.
"""
from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a", "hr", "table", "thead",
        "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}}
SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True})
    return md.enable("table").disable(["image", "html_block", "html_inline"])


def render(source: str) -> Markup:
    """Safe HTML of the task's Markdown (links get ``rel="noopener noreferrer nofollow"``)."""
    html = _markdown().render(source or "")
    return Markup(nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                            link_rel="noopener noreferrer nofollow"))
