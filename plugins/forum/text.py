"""Quoting in the forum: the plain start of a post and its Markdown quote. The post itself is rendered
by the toolkit's ``render_text`` (Markdown subset, raw HTML off, cleaned by nh3).
"""
from __future__ import annotations


def excerpt(source: str, limit: int = 300) -> str:
    """The plain start of a post for a quote: first lines, no nested quotes, cut at ``limit`` characters."""
    lines = [line for line in (source or "").splitlines() if not line.lstrip().startswith(">")]
    text = " ".join(" ".join(lines).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def quote_markdown(text: str) -> str:
    return "\n".join("> " + line for line in text.splitlines() if line.strip())
