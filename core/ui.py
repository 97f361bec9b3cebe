"""What plugins give the UI shell: menu items and dashboard widgets, sorted by weight."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MenuItem:
    title: Any  # lazy translated string
    endpoint: str
    permission: str
    icon: str = ""
    weight: int = 100
    url_values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DashboardWidget:
    title: Any
    body: Any  # Markup rendered by the plugin (render_template(...) of its own partial)
    weight: int = 100
    link_endpoint: str | None = None
