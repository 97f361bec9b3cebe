"""A message's text as safe HTML: a small Markdown subset (markdown-it with raw HTML off, no images),
then nh3 keeps only the tags the subset produces, so a «<script>» typed in a letter is shown as text."""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).disable(["image", "html_inline",
                                                                                          "html_block"])
TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code", "pre", "h3", "h4", "hr"}


def render(text: str) -> Markup:
    html = _MD.render(text or "")
    return Markup(nh3.clean(html, tags=TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https", "mailto"},
                            link_rel="noopener noreferrer nofollow"))


def plain(text: str) -> str:
    """The text without any markup (for e-mail notices and search snippets)."""
    return nh3.clean(_MD.render(text or ""), tags=set()).strip()
