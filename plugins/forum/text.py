"""User text in the forum: a small Markdown subset (emphasis, lists, quotes, links, code) rendered with
markdown-it-py with raw HTML off, then cleaned by nh3 (Ammonia) to an allow-list of tags and attributes.

Both layers are kept on purpose: markdown-it never passes raw HTML through, and nh3 guarantees that even a
bug in the renderer or a future plugin of it cannot let a script, an event handler or a ``javascript:`` link
reach another family's browser.
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


def render(source: str) -> Markup:
    """Safe HTML of the author's Markdown source (links get ``rel="noopener noreferrer nofollow"``)."""
    html = _markdown().render(source or "")
    return Markup(nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                            link_rel="noopener noreferrer nofollow"))


def excerpt(source: str, limit: int = 300) -> str:
    """The plain start of a post for a quote: first lines, no nested quotes, cut at ``limit`` characters."""
    lines = [line for line in (source or "").splitlines() if not line.lstrip().startswith(">")]
    text = " ".join(" ".join(lines).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def quote_markdown(text: str) -> str:
    return "\n".join("> " + line for line in text.splitlines() if line.strip())
