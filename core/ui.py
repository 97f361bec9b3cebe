"""What plugins give the UI shell: menu items, dashboard widgets, set-up steps and other ways to sign in,
sorted by weight."""
from __future__ import annotations

from collections.abc import Callable
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


@dataclass(frozen=True)
class SetupStep:
    """One step of the school's set-up wizard (``register_setup_steps``).

    ``is_done(session, school_id)`` answers from the school's own data (never from a stored flag), so
    the wizard resumes wherever the administrator left it, and a step done on its ordinary page counts.
    ``weight`` places the step among the core's: school 10, year 20, classes 40, subjects 50, staff 60,
    teaching loads 70; bells 30, class lists 80 and credentials 90 come from plugins.
    """

    key: str
    title: Any  # lazy translated string
    endpoint: str
    permission: str
    is_done: Callable[[Any, int], bool]
    weight: int = 100
    hint: Any = ""  # one sentence: what to do on the step's page
    url_values: dict[str, Any] = field(default_factory=dict)
    # The key of another step this one is a second way of doing (the office's spreadsheet import of staff
    # for the core's typed "staff" step): shown as "or: ..." under that step, never as a step of its own.
    extends: str = ""


@dataclass(frozen=True)
class LoginOption:
    """Another way in, shown under the password form (``extra_login_options``): «Войти через Госуслуги».

    ``url`` starts that sign-in (the plugin's own public view); ``title`` is the provider's name as people
    know it, the page adds «Войти через».
    """

    title: Any
    url: str
    weight: int = 100
